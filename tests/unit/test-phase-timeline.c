/* Unit tests of the live-update timeline (trace and heartbeat logs). */
#include "phase-timeline.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *write_tmp(const char *text)
{
    g_autoptr(GError) err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("timeline-XXXXXX", &path, &err);

    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static void test_parse_line(void)
{
    TraceEvent ev;

    g_assert_true(trace_event_parse("25050@1796214967.100420:runstate_set "
                                    "current_run_state 1 (inmigrate) new_state 9 (running)",
                                    &ev));
    g_assert_cmpint(ev.t_us, ==, 1796214967100420LL);
    g_assert_cmpstr(ev.event, ==, "runstate_set");
    g_assert_cmpstr(ev.args, ==, "current_run_state 1 (inmigrate) new_state 9 (running)");
    g_assert_true(trace_event_parse("1@2.000003:loadvm_state_setup ", &ev));
    g_assert_cmpint(ev.t_us, ==, 2000003);
    g_assert_cmpstr(ev.args, ==, "");
    /* Not trace events: QEMU's own messages, cut or malformed lines. */
    g_assert_false(trace_event_parse("qemu-system-x86_64: terminating on signal 15", &ev));
    g_assert_false(trace_event_parse("25050@1796214967.1004:runstate_set x", &ev));
    g_assert_false(trace_event_parse("25050@1796214967.100420", &ev));
    g_assert_false(trace_event_parse("25050@1796214967.100420:", &ev));
    g_assert_false(trace_event_parse("@1796214967.100420:runstate_set", &ev));
    g_assert_false(trace_event_parse("", &ev));
}

static const char source_log[] =
    "24929@1000.000000:runstate_set current_run_state 6 (prelaunch) new_state 9 (running)\n"
    "24929@1003.400000:cpr_state_save cpr-transfer mode\n"
    "24929@1003.600000:runstate_set current_run_state 9 (running) new_state 7 (finish-migrate)\n"
    "25087@1003.610000:migrate_set_state new state active\n"
    "25087@1003.612000:migrate_set_state new state completed\n"
    "25087@1003.612010:runstate_set current_run_state 7 (finish-migrate) new_state 5 (postmigrate)\n";

static const char dest_log[] =
    "qemu: some warning\n"
    "25050@1003.401000:cpr_state_load cpr-transfer mode\n"
    "25050@1003.653000:loadvm_state_setup \n"
    "25050@1003.656500:qemu_loadvm_state_post_main 0\n"
    "25050@1003.656700:runstate_set current_run_state 1 (inmigrate) new_state 9 (running)\n"
    "25050@1003.656750:migrate_set_state new state completed\n";

/* t0 = 1000 s; the source's serial until 3599 ms, the destination's from 3670. */
static const char hb_log[] =
    "# hbmon t0 realtime_us=1000000000\n"
    "0.500 0 CONNECTED\n"
    "3598.000 0 HB seq=1 pass=0 verified=1 bad=0 tsc=100\n"
    "3599.000 0 HB seq=2 pass=0 verified=1 bad=0 tsc=100\n"
    "3601.000 1 CONNECTED\n"
    "3605.000 0 HB seq=3 pass=0 verified=1 bad=0 tsc=100\n"
    "3670.000 1 HB seq=4 pass=0 verified=1 bad=0 tsc=100\n"
    "3671.000 1 HB seq=5 pass=0 verified=1 bad=0 tsc=100\n";

static void test_phases(void)
{
    g_autofree char *src = write_tmp(source_log), *dst = write_tmp(dest_log);
    g_autofree char *hb = write_tmp(hb_log);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) json = NULL;
    JsonObject *o;
    Timeline tl;
    double ms;

    timeline_init(&tl);
    g_assert_true(timeline_add_trace(&tl, src, TRUE, &err));
    g_assert_true(timeline_add_trace(&tl, dst, FALSE, &err));
    g_assert_true(timeline_add_heartbeat(&tl, hb, &err));
    g_assert_no_error(err);
    g_assert_true(timeline_ms(&tl, PHASE_SOURCE_STOP, &ms));
    g_assert_cmpfloat(ms, ==, 0.0);
    g_assert_true(timeline_ms(&tl, PHASE_SOURCE_COMPLETE, &ms));
    g_assert_cmpfloat_with_epsilon(ms, 12.0, 1e-9);
    g_assert_true(timeline_ms(&tl, PHASE_SOURCE_CPR_SAVED, &ms));
    g_assert_cmpfloat_with_epsilon(ms, -200.0, 1e-9);
    g_assert_true(timeline_ms(&tl, PHASE_DEST_LOAD_START, &ms));
    g_assert_cmpfloat_with_epsilon(ms, 53.0, 1e-9);
    g_assert_true(timeline_ms(&tl, PHASE_DEST_RUNNING, &ms));
    g_assert_cmpfloat_with_epsilon(ms, 56.7, 1e-9);
    /* A beat through the source may arrive after its stop: still the source's. */
    g_assert_true(timeline_ms(&tl, PHASE_HB_LAST_SOURCE, &ms));
    g_assert_cmpfloat_with_epsilon(ms, 5.0, 1e-9);
    g_assert_true(timeline_ms(&tl, PHASE_HB_FIRST_DEST, &ms));
    g_assert_cmpfloat_with_epsilon(ms, 70.0, 1e-9);

    json = timeline_to_json(&tl);
    o = json_node_get_object(json);
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "heartbeat_gap_ms"),
                                   65.0, 1e-9);
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "dest_load_ms"),
                                   3.5, 1e-9);
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "stop_to_running_ms"),
                                   56.7, 1e-9);
    g_unlink(src);
    g_unlink(dst);
    g_unlink(hb);
}

/* A failed update then another: the source's last stop is this one's. */
static void test_source_migrated_twice(void)
{
    g_autofree char *src = write_tmp(
        "1@10.000000:cpr_state_save cpr-transfer mode\n"
        "1@10.100000:runstate_set current_run_state 9 (running) new_state 7 (finish-migrate)\n"
        "2@10.200000:migrate_set_state new state failed\n"
        "1@10.200100:runstate_set current_run_state 7 (finish-migrate) new_state 9 (running)\n"
        "1@20.000000:cpr_state_save cpr-transfer mode\n"
        "1@20.500000:runstate_set current_run_state 9 (running) new_state 7 (finish-migrate)\n"
        "2@20.502000:migrate_set_state new state completed\n");
    g_autoptr(GError) err = NULL;
    Timeline tl;
    double ms;

    timeline_init(&tl);
    g_assert_true(timeline_add_trace(&tl, src, TRUE, &err));
    g_assert_cmpint(tl.t_us[PHASE_SOURCE_STOP], ==, 20500000);
    g_assert_true(timeline_ms(&tl, PHASE_SOURCE_CPR_SAVED, &ms));
    g_assert_cmpfloat_with_epsilon(ms, -500.0, 1e-9);
    g_assert_true(timeline_ms(&tl, PHASE_SOURCE_COMPLETE, &ms));
    g_assert_cmpfloat_with_epsilon(ms, 2.0, 1e-9);
    g_unlink(src);
}

/*
 * A source with cpr-late-stop: the destination's load starts (setup
 * sections) before the source's stop; its length counts from the stop.
 */
static void test_load_starts_before_stop(void)
{
    g_autofree char *src = write_tmp(
        "1@30.000000:cpr_state_save cpr-transfer mode\n"
        "1@30.010000:runstate_set current_run_state 9 (running) new_state 7 (finish-migrate)\n"
        "2@30.014000:migrate_set_state new state completed\n");
    g_autofree char *dst = write_tmp(
        "5@30.008000:loadvm_state_setup \n"
        "5@30.013000:qemu_loadvm_state_post_main 0\n"
        "5@30.013500:runstate_set current_run_state 1 (inmigrate) new_state 9 (running)\n");
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) json = NULL;
    JsonObject *o;
    Timeline tl;
    double ms;

    timeline_init(&tl);
    g_assert_true(timeline_add_trace(&tl, src, TRUE, &err));
    g_assert_true(timeline_add_trace(&tl, dst, FALSE, &err));
    g_assert_true(timeline_ms(&tl, PHASE_DEST_LOAD_START, &ms));
    g_assert_cmpfloat_with_epsilon(ms, -2.0, 1e-9);
    json = timeline_to_json(&tl);
    o = json_node_get_object(json);
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "dest_load_ms"),
                                   3.0, 1e-9);
    g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "stop_to_running_ms"),
                                   3.5, 1e-9);
    g_unlink(src);
    g_unlink(dst);
}

static void test_missing(void)
{
    g_autofree char *src = write_tmp("not a trace log\n");
    g_autofree char *dst = write_tmp(dest_log);
    g_autofree char *hb = write_tmp("0.5 0 HB seq=1 pass=0 verified=1 bad=0\n");
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) json = NULL;
    Timeline tl;
    double ms;

    timeline_init(&tl);
    /* A log with no trace event at all is an error naming the file... */
    g_assert_false(timeline_add_trace(&tl, src, TRUE, &err));
    g_assert_nonnull(strstr(err->message, src));
    g_clear_error(&err);
    g_assert_false(timeline_add_trace(&tl, "/nonexistent/trace", TRUE, &err));
    g_clear_error(&err);
    /* ...so is a heartbeat log without hbmon's clock line. */
    g_assert_false(timeline_add_heartbeat(&tl, hb, &err));
    g_assert_nonnull(strstr(err->message, "hbmon t0"));
    g_clear_error(&err);
    /* Nothing known: no reference, nothing has a time. */
    g_assert_cmpint(timeline_reference(&tl), ==, PHASE_COUNT);
    g_assert_false(timeline_ms(&tl, PHASE_DEST_RUNNING, &ms));
    /* Without the source's log: relative to the destination's load start. */
    g_assert_true(timeline_add_trace(&tl, dst, FALSE, &err));
    g_assert_cmpint(timeline_reference(&tl), ==, PHASE_DEST_LOAD_START);
    g_assert_true(timeline_ms(&tl, PHASE_DEST_RUNNING, &ms));
    g_assert_cmpfloat_with_epsilon(ms, 3.7, 1e-9);
    json = timeline_to_json(&tl);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(json), "reference"),
                    ==, "dest_load_start");
    g_assert_true(json_object_get_null_member(json_node_get_object(json), "source_stop"));
    g_assert_true(json_object_get_null_member(json_node_get_object(json),
                                              "stop_to_running_ms"));
    g_unlink(src);
    g_unlink(dst);
    g_unlink(hb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timeline/parse-line", test_parse_line);
    g_test_add_func("/timeline/phases", test_phases);
    g_test_add_func("/timeline/source-migrated-twice", test_source_migrated_twice);
    g_test_add_func("/timeline/load-starts-before-stop", test_load_starts_before_stop);
    g_test_add_func("/timeline/missing", test_missing);
    return g_test_run();
}
