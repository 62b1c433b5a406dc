/* Unit tests: reading the source's cpr-late-stop from its capabilities. */
#include "source-late-stop.h"

static LateStopState state_of(const char *reply)
{
    g_autoptr(JsonNode) n = json_from_string(reply, NULL);
    SourceLateStop ls;

    source_late_stop_read(&ls, n);
    g_assert_false(ls.changed);
    return ls.state;
}

static void test_read(void)
{
    /* A stock source lists no such capability. */
    g_assert_cmpint(state_of("[{\"capability\":\"events\",\"state\":true}]"), ==,
                    LATE_STOP_ABSENT);
    g_assert_cmpint(state_of("[{\"capability\":\"events\",\"state\":true},"
                             "{\"capability\":\"cpr-late-stop\",\"state\":false}]"),
                    ==, LATE_STOP_OFF);
    g_assert_cmpint(state_of("[{\"capability\":\"cpr-late-stop\",\"state\":true}]"),
                    ==, LATE_STOP_ON);
}

static void test_read_malformed(void)
{
    /* Anything unexpected counts as a source without it: nothing is set. */
    g_assert_cmpint(state_of("{\"capability\":\"cpr-late-stop\"}"), ==, LATE_STOP_ABSENT);
    g_assert_cmpint(state_of("[1, \"x\", null, {\"capability\":7}]"), ==, LATE_STOP_ABSENT);
    g_assert_cmpint(state_of("[{\"capability\":\"cpr-late-stop\"}]"), ==, LATE_STOP_OFF);
    g_assert_cmpint(state_of("[{\"capability\":\"cpr-late-stop\",\"state\":\"yes\"}]"),
                    ==, LATE_STOP_OFF);

    SourceLateStop ls = { .state = LATE_STOP_ON, .changed = TRUE };
    source_late_stop_read(&ls, NULL);
    g_assert_cmpint(ls.state, ==, LATE_STOP_ABSENT);
    g_assert_false(ls.changed);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/source-late-stop/read", test_read);
    g_test_add_func("/source-late-stop/read-malformed", test_read_malformed);
    return g_test_run();
}
