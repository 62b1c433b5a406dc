/*
 * qmp-call: run one QMP command (or wait for one event) from a shell script.
 *
 *   qmp-call [-t SECONDS] [-w] SOCKET COMMAND [ARGS-JSON]
 *   qmp-call [-t SECONDS] [-w] -e EVENT SOCKET
 *
 * Prints the command's "return" (or the event) as JSON on stdout.
 * Exit status: 0 success, 1 QMP error or timeout, 2 usage.
 */
#include "qmp-client.h"

#include <stdio.h>
#include <stdlib.h>

static gboolean print_node(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_root(gen, node);
    text = json_generator_to_data(gen, NULL);
    return printf("%s\n", text) > 0;
}

/* Connect, retrying while the socket does not exist yet (-w). */
static QmpClient *connect_with_wait(const char *path, gboolean wait,
                                    int timeout_ms, GError **errp)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        g_autoptr(GError) err = NULL;
        QmpClient *c = qmp_client_connect(path, timeout_ms, &err);

        if (c || !wait || !g_error_matches(err, QMP_CLIENT_ERROR,
                                           QMP_CLIENT_ERROR_CONNECT) ||
            g_get_monotonic_time() >= deadline) {
            if (!c) {
                g_propagate_error(errp, g_steal_pointer(&err));
            }
            return c;
        }
        g_usleep(20 * 1000);
    }
}

int main(int argc, char **argv)
{
    double timeout = 30;
    gboolean wait = FALSE;
    g_autofree char *event = NULL;
    GOptionEntry entries[] = {
        { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout,
          "Give up after SECONDS (default 30)", "SECONDS" },
        { "wait", 'w', 0, G_OPTION_ARG_NONE, &wait,
          "Wait for the socket to appear", NULL },
        { "event", 'e', 0, G_OPTION_ARG_STRING, &event,
          "Wait for EVENT instead of running a command", "EVENT" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("SOCKET [COMMAND [ARGS-JSON]]");
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpClient) c = NULL;
    int timeout_ms;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx, "Run one QMP command on a QEMU monitor socket.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "qmp-call: %s\n", err->message);
        return 2;
    }
    if (event ? argc != 2 : (argc < 3 || argc > 4) || timeout <= 0) {
        fprintf(stderr, "qmp-call: usage: qmp-call [-t S] [-w] SOCKET COMMAND [ARGS-JSON]\n"
                        "                 qmp-call [-t S] [-w] -e EVENT SOCKET\n");
        return 2;
    }
    timeout_ms = (int)(timeout * 1000);
    c = connect_with_wait(argv[1], wait, timeout_ms, &err);
    if (c && event) {
        g_autoptr(JsonObject) ev = qmp_client_wait_event(c, event, timeout_ms, &err);
        if (ev) {
            g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);
            json_node_set_object(n, ev);
            return print_node(n) ? 0 : 1;
        }
    } else if (c) {
        g_autoptr(JsonNode) ret = qmp_client_execute_json(c, argv[2], argc == 4 ? argv[3] : NULL,
                                                          timeout_ms, &err);
        if (ret) {
            return print_node(ret) ? 0 : 1;
        }
    }
    fprintf(stderr, "qmp-call: %s\n", err->message);
    return 1;
}
