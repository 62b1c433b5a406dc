/* Unit tests for the heartbeat statistics used by every live-update check. */
#include "hb-stats.h"

static void feed(HbStats *s, const char *line, gint64 t_ms, int conn)
{
    hb_stats_feed_line(s, line, t_ms * 1000, conn);
}

static void test_continuous(void)
{
    HbStats s;

    hb_stats_init(&s);
    feed(&s, "HB-START mib=1 period_ms=5", 0, 0);
    feed(&s, "HB seq=0 pass=0 verified=1 bad=0", 5, 0);
    feed(&s, "HB seq=1 pass=1 verified=2 bad=0", 10, 0);
    feed(&s, "some kernel message", 12, 0);
    feed(&s, "HB seq=2 pass=1 verified=3 bad=0", 40, 1);
    feed(&s, "HB seq=3 pass=4 verified=9 bad=0", 45, 1);
    g_assert_cmpuint(s.seq.lines, ==, 4);
    g_assert_cmpuint(s.seq.seq_breaks, ==, 0);
    g_assert_cmpint(s.seq.max_gap_us, ==, 30000);
    g_assert_cmpuint(s.seq.max_gap_seq, ==, 2);
    g_assert_cmpint(s.nconns, ==, 2);
    g_assert_cmpuint(s.conn[1].last_pass - s.conn[1].first_pass, ==, 3);
    g_assert_cmpuint(s.bad, ==, 0);

    g_autoptr(JsonNode) n = hb_stats_to_json(&s);
    g_assert_cmpfloat(json_object_get_double_member(json_node_get_object(n),
                                                    "switch_gap_ms"), ==, 30.0);
}

static void test_breaks_and_bad(void)
{
    HbStats s;
    g_autoptr(JsonNode) n = NULL;
    JsonObject *o;

    hb_stats_init(&s);
    feed(&s, "HB seq=7 pass=0 verified=1 bad=0", 0, 0);
    feed(&s, "HB seq=9 pass=0 verified=1 bad=0", 5, 0);      /* lost seq 8 */
    feed(&s, "HB seq=10 pass=0 verified=1 bad=3", 10, 0);    /* corruption */
    feed(&s, "HB seq=11 pass=0 verif", 15, 0);               /* torn line */
    n = hb_stats_to_json(&s);
    o = json_node_get_object(n);
    g_assert_cmpint(json_object_get_int_member(o, "seq_breaks"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "bad"), ==, 3);
    g_assert_cmpint(json_object_get_int_member(o, "garbled"), ==, 1);
    g_assert_false(json_object_get_boolean_member(o, "continuous"));
}

static void test_restart_is_not_continuous(void)
{
    HbStats s;
    g_autoptr(JsonNode) n = NULL;

    hb_stats_init(&s);
    feed(&s, "HB-START mib=1 period_ms=5", 0, 0);
    feed(&s, "HB seq=0 pass=0 verified=1 bad=0", 5, 0);
    feed(&s, "HB-START mib=1 period_ms=5", 9, 1);   /* guest rebooted */
    feed(&s, "HB seq=1 pass=0 verified=1 bad=0", 10, 1);
    n = hb_stats_to_json(&s);
    g_assert_false(json_object_get_boolean_member(json_node_get_object(n),
                                                  "continuous"));
}

static void test_empty(void)
{
    HbStats s;
    g_autoptr(JsonNode) n = NULL;

    hb_stats_init(&s);
    n = hb_stats_to_json(&s);
    g_assert_false(json_object_get_boolean_member(json_node_get_object(n),
                                                  "continuous"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hb-stats/continuous", test_continuous);
    g_test_add_func("/hb-stats/breaks-and-bad", test_breaks_and_bad);
    g_test_add_func("/hb-stats/restart", test_restart_is_not_continuous);
    g_test_add_func("/hb-stats/empty", test_empty);
    return g_test_run();
}
