/* Unit tests for the TCP line statistics of net-peer (net-stats.h). */
#include "net-stats.h"

static void feed(NetStats *s, const char *line, gint64 t_ms)
{
    net_stats_feed_line(s, line, t_ms * 1000);
}

static void test_continuous(void)
{
    g_autoptr(JsonNode) n = NULL;
    JsonObject *o;
    NetStats s;

    net_stats_init(&s);
    net_stats_connected(&s);
    feed(&s, "NET seq=0 conn=0", 0);
    feed(&s, "NET seq=1 conn=0", 5);
    feed(&s, "NET seq=2 conn=0", 130);
    feed(&s, "NET seq=3 conn=0", 135);
    g_assert_true(net_stats_continuous(&s));
    n = net_stats_to_json(&s);
    o = json_node_get_object(n);
    g_assert_cmpfloat(json_object_get_double_member(o, "max_gap_ms"), ==, 125.0);
    g_assert_cmpint(json_object_get_int_member(o, "max_gap_seq"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(o, "open"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "lines"), ==, 4);
}

/* The guest reconnects after a reset: every sign of it is counted. */
static void test_reset_and_reconnect(void)
{
    g_autoptr(JsonNode) n = NULL;
    JsonObject *o;
    NetStats s;

    net_stats_init(&s);
    net_stats_connected(&s);
    feed(&s, "NET seq=0 conn=0", 0);
    feed(&s, "NET seq=1 conn=0", 5);
    net_stats_ended(&s, 104 /* ECONNRESET */);
    net_stats_connected(&s);
    feed(&s, "NET seq=4 conn=1", 900);
    g_assert_false(net_stats_continuous(&s));
    n = net_stats_to_json(&s);
    o = json_node_get_object(n);
    g_assert_cmpint(json_object_get_int_member(o, "connections"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(o, "resets"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "seq_breaks"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "guest_reconnects"), ==, 1);
    g_assert_false(json_object_get_boolean_member(o, "continuous"));
}

static void test_close_and_garbage(void)
{
    NetStats s;

    net_stats_init(&s);
    net_stats_connected(&s);
    feed(&s, "NET seq=0 conn=0", 0);
    feed(&s, "NET seq=1 conn=0 trailing", 5);
    g_assert_cmpuint(s.garbled, ==, 1);
    g_assert_false(net_stats_continuous(&s));

    net_stats_init(&s);
    net_stats_connected(&s);
    feed(&s, "NET seq=0 conn=0", 0);
    net_stats_ended(&s, 0);
    g_assert_cmpuint(s.closes, ==, 1);
    g_assert_false(net_stats_continuous(&s));

    net_stats_init(&s);                 /* no line at all is not continuous */
    net_stats_connected(&s);
    g_assert_false(net_stats_continuous(&s));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-stats/continuous", test_continuous);
    g_test_add_func("/net-stats/reset-and-reconnect", test_reset_and_reconnect);
    g_test_add_func("/net-stats/close-and-garbage", test_close_and_garbage);
    return g_test_run();
}
