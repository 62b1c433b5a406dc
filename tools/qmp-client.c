/* Synchronous QMP client; see qmp-client.h. */
#define _GNU_SOURCE
#include "qmp-client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A reply or event larger than this is not something QEMU sends. */
#define QMP_MAX_LINE (16 * 1024 * 1024)

struct QmpClient {
    int fd;
    GString *inbuf;
    GQueue events;          /* JsonObject *, received but not yet waited for */
    JsonObject *greeting;
    guint64 next_id;
    int abort_fd;
};

G_DEFINE_QUARK(qmp-client-error-quark, qmp_client_error)

static gint64 deadline_after(int timeout_ms)
{
    return g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

static int ms_left(gint64 deadline)
{
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;

    return left < 0 ? 0 : (int)MIN(left, G_MAXINT);
}

static gboolean send_all(QmpClient *c, const char *buf, size_t len,
                         GError **errp)
{
    while (len) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CLOSED,
                        "cannot send to QEMU: %s", g_strerror(errno));
            return FALSE;
        }
        buf += n;
        len -= n;
    }
    return TRUE;
}

/* Read one line (without the newline) before @deadline. */
static char *read_line(QmpClient *c, gint64 deadline, GError **errp)
{
    for (;;) {
        char *nl = memchr(c->inbuf->str, '\n', c->inbuf->len);

        if (nl) {
            size_t len = nl - c->inbuf->str;
            char *line = g_strndup(c->inbuf->str, len);

            g_string_erase(c->inbuf, 0, len + 1);
            return line;
        }
        if (c->inbuf->len > QMP_MAX_LINE) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL,
                        "QMP message longer than %d bytes", QMP_MAX_LINE);
            return NULL;
        }

        struct pollfd pfd[2] = {
            { .fd = c->fd, .events = POLLIN },
            { .fd = c->abort_fd, .events = POLLIN },
        };
        int r = poll(pfd, c->abort_fd >= 0 ? 2 : 1, ms_left(deadline));

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CLOSED,
                        "poll: %s", g_strerror(errno));
            return NULL;
        }
        if (r == 0) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_TIMEOUT,
                        "timed out waiting for QEMU");
            return NULL;
        }
        if (c->abort_fd >= 0 && (pfd[1].revents & POLLIN)) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_ABORTED,
                        "interrupted");
            return NULL;
        }
        if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }

        char buf[65536];
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CLOSED,
                        n == 0 ? "QEMU closed the monitor connection"
                               : "cannot read from QEMU: %s",
                        g_strerror(errno));
            return NULL;
        }
        g_string_append_len(c->inbuf, buf, n);
    }
}

/* Read and parse one JSON object; blank lines are skipped. */
static JsonObject *read_message(QmpClient *c, gint64 deadline, GError **errp)
{
    for (;;) {
        g_autofree char *line = read_line(c, deadline, errp);
        g_autoptr(JsonParser) parser = NULL;
        JsonNode *root;

        if (!line) {
            return NULL;
        }
        g_strstrip(line);
        if (!*line) {
            continue;
        }
        parser = json_parser_new();
        if (!json_parser_load_from_data(parser, line, -1, NULL)) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL,
                        "malformed QMP message: %.80s", line);
            return NULL;
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL,
                        "QMP message is not an object: %.80s", line);
            return NULL;
        }
        return json_object_ref(json_node_get_object(root));
    }
}

JsonNode *qmp_client_execute(QmpClient *c, const char *command,
                             JsonObject *args, int timeout_ms, GError **errp)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) req = NULL;
    g_autofree char *text = NULL, *line = NULL;
    gint64 deadline = deadline_after(timeout_ms);
    guint64 id = c->next_id++;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, command);
    if (args) {
        json_builder_set_member_name(b, "arguments");
        JsonNode *an = json_node_new(JSON_NODE_OBJECT);
        json_node_set_object(an, args);
        json_builder_add_value(b, an);
    }
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, (gint64)id);
    json_builder_end_object(b);
    req = json_builder_get_root(b);
    json_generator_set_root(gen, req);
    text = json_generator_to_data(gen, NULL);
    line = g_strconcat(text, "\n", NULL);

    /*
     * One write: QEMU acts on the object as soon as it is complete, and
     * after "quit" a second write would find the socket closed.
     */
    if (!send_all(c, line, strlen(line), errp)) {
        return NULL;
    }
    for (;;) {
        g_autoptr(JsonObject) msg = read_message(c, deadline, errp);

        if (!msg) {
            g_prefix_error(errp, "%s: ", command);
            return NULL;
        }
        if (json_object_has_member(msg, "event")) {
            g_queue_push_tail(&c->events, g_steal_pointer(&msg));
            continue;
        }
        JsonNode *idn = json_object_get_member(msg, "id");
        if (!idn || json_node_get_value_type(idn) != G_TYPE_INT64 ||
            (guint64)json_node_get_int(idn) != id) {
            continue;   /* not ours (e.g. a reply to an abandoned request) */
        }
        if (json_object_has_member(msg, "return")) {
            return json_node_copy(json_object_get_member(msg, "return"));
        }
        JsonNode *en = json_object_get_member(msg, "error");
        if (en && JSON_NODE_HOLDS_OBJECT(en)) {
            JsonObject *eo = json_node_get_object(en);
            g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_COMMAND,
                        "%s: %s: %s", command,
                        json_object_get_string_member_with_default(eo, "class", "?"),
                        json_object_get_string_member_with_default(eo, "desc", "?"));
            return NULL;
        }
        g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL,
                    "%s: reply has neither return nor error", command);
        return NULL;
    }
}

char *qmp_reply_string(JsonNode *reply, const char *name)
{
    if (!reply || !JSON_NODE_HOLDS_OBJECT(reply)) {
        return NULL;
    }
    return g_strdup(json_object_get_string_member_with_default(
                        json_node_get_object(reply), name, NULL));
}

JsonNode *qmp_client_execute_json(QmpClient *c, const char *command,
                                  const char *args_json, int timeout_ms,
                                  GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;

    if (!args_json || !*args_json) {
        return qmp_client_execute(c, command, NULL, timeout_ms, errp);
    }
    if (!json_parser_load_from_data(parser, args_json, -1, NULL) ||
        !(root = json_parser_get_root(parser)) || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL,
                    "%s: arguments are not a JSON object: %s", command, args_json);
        return NULL;
    }
    return qmp_client_execute(c, command, json_node_get_object(root),
                              timeout_ms, errp);
}

JsonObject *qmp_client_wait_event(QmpClient *c, const char *name,
                                  int timeout_ms, GError **errp)
{
    gint64 deadline = deadline_after(timeout_ms);

    for (;;) {
        JsonObject *ev;

        while ((ev = g_queue_pop_head(&c->events))) {
            if (!g_strcmp0(json_object_get_string_member_with_default(ev, "event", ""),
                           name)) {
                return ev;
            }
            json_object_unref(ev);
        }
        ev = read_message(c, deadline, errp);
        if (!ev) {
            g_prefix_error(errp, "waiting for event %s: ", name);
            return NULL;
        }
        if (json_object_has_member(ev, "event")) {
            g_queue_push_tail(&c->events, ev);
        } else {
            json_object_unref(ev);
        }
    }
}

/*
 * Read the greeting before @greeting_deadline, then negotiate capabilities
 * within @caps_timeout_ms (-1: whatever is left until @greeting_deadline).
 */
static QmpClient *client_start(int fd, gint64 greeting_deadline,
                               int caps_timeout_ms, GError **errp)
{
    g_autoptr(QmpClient) c = g_new0(QmpClient, 1);
    g_autoptr(JsonObject) greeting = NULL;
    g_autoptr(GError) err = NULL;
    JsonNode *qmp;
    JsonNode *ret;

    c->fd = fd;
    c->abort_fd = -1;
    c->inbuf = g_string_new(NULL);
    g_queue_init(&c->events);
    greeting = read_message(c, greeting_deadline, &err);
    if (!greeting) {
        /* Connected but unanswered: QEMU is serving another client. */
        if (g_error_matches(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_TIMEOUT)) {
            err->code = QMP_CLIENT_ERROR_NO_GREETING;
        }
        g_propagate_prefixed_error(errp, g_steal_pointer(&err), "QMP greeting: ");
        return NULL;
    }
    qmp = json_object_get_member(greeting, "QMP");
    if (!qmp || !JSON_NODE_HOLDS_OBJECT(qmp)) {
        g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_PROTOCOL,
                    "QMP greeting: no QMP member");
        return NULL;
    }
    c->greeting = json_object_ref(json_node_get_object(qmp));
    ret = qmp_client_execute(c, "qmp_capabilities", NULL,
                             caps_timeout_ms >= 0 ? caps_timeout_ms
                                                  : ms_left(greeting_deadline),
                             errp);
    if (!ret) {
        return NULL;
    }
    json_node_unref(ret);
    return g_steal_pointer(&c);
}

QmpClient *qmp_client_new_fd(int fd, int timeout_ms, GError **errp)
{
    return client_start(fd, deadline_after(timeout_ms), -1, errp);
}

/* A connected UNIX stream socket to @path, or -1. */
static int connect_unix(const char *path, GError **errp)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CONNECT,
                    "socket path too long: %s", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CONNECT,
                    "cannot connect to %s: %s", path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

QmpClient *qmp_client_connect(const char *path, int timeout_ms, GError **errp)
{
    int fd = connect_unix(path, errp);

    return fd < 0 ? NULL : qmp_client_new_fd(fd, timeout_ms, errp);
}

QmpClient *qmp_client_connect_greeting(const char *path, int greeting_timeout_ms,
                                       int timeout_ms, GError **errp)
{
    int fd = connect_unix(path, errp);

    return fd < 0 ? NULL : client_start(fd, deadline_after(greeting_timeout_ms),
                                        timeout_ms, errp);
}

void qmp_client_set_abort_fd(QmpClient *c, int fd)
{
    c->abort_fd = fd;
}

int qmp_client_peer_pid(QmpClient *c)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        return -1;
    }
    return cred.pid;
}

JsonObject *qmp_client_greeting(QmpClient *c)
{
    return c->greeting;
}

void qmp_client_free(QmpClient *c)
{
    if (!c) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    g_queue_clear_full(&c->events, (GDestroyNotify)json_object_unref);
    if (c->greeting) {
        json_object_unref(c->greeting);
    }
    g_string_free(c->inbuf, TRUE);
    g_free(c);
}
