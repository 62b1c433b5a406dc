/*
 * Unit tests for the QMP client against a scripted fake QEMU on a
 * socketpair: good replies, events in between, QMP errors, and malformed,
 * truncated or missing replies, which must give a clean error.
 */
#include "qmp-client.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define GREETING "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"
#define CAPS_OK "{\"return\": {}, \"id\": 0}\r\n"


static void close_fd(gpointer fd)
{
    close(GPOINTER_TO_INT(fd));
}

/* The fake QEMU: @script is all it ever says. */
static QmpClient *client_then_eof(const char *script, GError **errp)
{
    int sv[2];
    QmpClient *c;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    g_assert_cmpint(write(sv[1], script, strlen(script)), ==, strlen(script));
    /* EOF for the client's reads; its writes still succeed. */
    shutdown(sv[1], SHUT_WR);
    g_test_queue_destroy(close_fd, GINT_TO_POINTER(sv[1]));
    c = qmp_client_new_fd(sv[0], 1000, errp);
    return c;
}

static void test_execute_ok_with_event(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = client_then_eof(
        GREETING CAPS_OK
        "{\"event\": \"STOP\", \"timestamp\": {}}\r\n"
        "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 1}\r\n",
        &err);
    g_autoptr(JsonNode) ret = NULL;
    g_autoptr(JsonObject) ev = NULL;

    g_assert_no_error(err);
    ret = qmp_client_execute(c, "query-status", NULL, 1000, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(ret), "status"),
                    ==, "running");
    ev = qmp_client_wait_event(c, "STOP", 1000, &err);
    g_assert_no_error(err);
    g_assert_nonnull(ev);
}

static void test_qmp_error(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = client_then_eof(
        GREETING CAPS_OK
        "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"nope\"}, \"id\": 1}\r\n",
        &err);
    JsonNode *ret;

    g_assert_no_error(err);
    ret = qmp_client_execute(c, "bogus", NULL, 1000, &err);
    g_assert_null(ret);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_COMMAND);
    g_assert_nonnull(strstr(err->message, "CommandNotFound: nope"));
}

static void test_malformed_reply(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = client_then_eof(
        GREETING CAPS_OK "{\"return\": {\"status\": \r\n", &err);
    JsonNode *ret;

    g_assert_no_error(err);
    ret = qmp_client_execute(c, "query-status", NULL, 1000, &err);
    g_assert_null(ret);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL);
}

static void test_not_an_object(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = client_then_eof("[1, 2, 3]\r\n", &err);

    g_assert_null(c);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL);
}

static void test_truncated_then_eof(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = client_then_eof(
        GREETING CAPS_OK "{\"return\": {}", &err);
    JsonNode *ret;

    g_assert_no_error(err);
    ret = qmp_client_execute(c, "query-status", NULL, 1000, &err);
    g_assert_null(ret);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CLOSED);
}

static void test_bad_greeting(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = client_then_eof("{\"hello\": 1}\r\n", &err);

    g_assert_null(c);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL);
}

static void test_timeout(void)
{
    g_autoptr(GError) err = NULL;
    int sv[2];
    g_autoptr(QmpClient) c = NULL;
    gint64 t0;
    JsonNode *ret;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    g_assert_cmpint(write(sv[1], GREETING CAPS_OK, strlen(GREETING CAPS_OK)), >, 0);
    c = qmp_client_new_fd(sv[0], 1000, &err);
    g_assert_no_error(err);
    t0 = g_get_monotonic_time();
    ret = qmp_client_execute(c, "query-status", NULL, 200, &err);
    g_assert_null(ret);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_TIMEOUT);
    g_assert_cmpint(g_get_monotonic_time() - t0, >=, 150 * 1000);
    close_fd(GINT_TO_POINTER(sv[1]));
}

static void test_bad_arguments_json(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = client_then_eof(GREETING CAPS_OK, &err);
    JsonNode *ret;

    g_assert_no_error(err);
    ret = qmp_client_execute_json(c, "migrate", "{not json", 1000, &err);
    g_assert_null(ret);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL);
}

static void test_connect_missing_socket(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = qmp_client_connect("/nonexistent/qmp.sock", 100, &err);

    g_assert_null(c);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CONNECT);
}

/*
 * A monitor socket whose QEMU serves another client: the kernel accepts
 * the connection into the listen backlog and nothing is ever said.  The
 * greeting's own limit applies, not the (much longer) command limit.
 */
static void test_no_greeting(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("test-qmp-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "busy.sock", NULL);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_autoptr(QmpClient) c = NULL;
    gint64 t0;

    g_assert_nonnull(dir);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(lfd, 4), ==, 0);
    t0 = g_get_monotonic_time();
    c = qmp_client_connect_greeting(path, 200, 60000, &err);
    g_assert_null(c);
    g_assert_error(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_NO_GREETING);
    /* Which limit applied: the 200 ms one, not the 60 s one. */
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 30 * G_USEC_PER_SEC);
    close(lfd);
    unlink(path);
    rmdir(dir);
}

/* A greeting in time: connected, capabilities negotiated. */
static void test_greeting_in_time(void)
{
    g_autoptr(GError) err = NULL;
    int sv[2];
    g_autoptr(QmpClient) c = NULL;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    g_assert_cmpint(write(sv[1], GREETING CAPS_OK, strlen(GREETING CAPS_OK)), >, 0);
    c = qmp_client_new_fd(sv[0], 1000, &err);
    g_assert_no_error(err);
    g_assert_nonnull(qmp_client_greeting(c));
    close_fd(GINT_TO_POINTER(sv[1]));
}

int main(int argc, char **argv)
{

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-client/execute-with-event", test_execute_ok_with_event);
    g_test_add_func("/qmp-client/qmp-error", test_qmp_error);
    g_test_add_func("/qmp-client/malformed-reply", test_malformed_reply);
    g_test_add_func("/qmp-client/not-an-object", test_not_an_object);
    g_test_add_func("/qmp-client/truncated-then-eof", test_truncated_then_eof);
    g_test_add_func("/qmp-client/bad-greeting", test_bad_greeting);
    g_test_add_func("/qmp-client/timeout", test_timeout);
    g_test_add_func("/qmp-client/bad-arguments-json", test_bad_arguments_json);
    g_test_add_func("/qmp-client/connect-missing-socket", test_connect_missing_socket);
    g_test_add_func("/qmp-client/no-greeting", test_no_greeting);
    g_test_add_func("/qmp-client/greeting-in-time", test_greeting_in_time);
    return g_test_run();
}
