#define _GNU_SOURCE
/*
 * net-peer: the host end of the demo guest's TCP connection.
 *
 *   net-peer --listen IP:PORT [--log FILE] [--summary FILE]
 *
 * Accepts the guest's connections (guest/net-talker.c), time-stamps every
 * line and keeps the statistics of net-stats.h: how many connections, how
 * each ended (reset or close), whether the line sequence is continuous and
 * the longest gap.  On SIGTERM or SIGINT the summary is written as JSON
 * and net-peer exits 0.
 */
#include "json-summary.h"
#include "net-stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    GMainLoop *loop;
    NetStats stats;
    FILE *log;
    gint64 t0_us;
    int nconns;
} Peer;

typedef struct {
    Peer *peer;
    GString *line;
    int index;
} Conn;

static void log_line(Peer *p, int conn, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void log_line(Peer *p, int conn, const char *fmt, ...)
{
    va_list ap;

    if (!p->log) {
        return;
    }
    fprintf(p->log, "%.3f %d ", (g_get_monotonic_time() - p->t0_us) / 1000.0, conn);
    va_start(ap, fmt);
    vfprintf(p->log, fmt, ap);
    va_end(ap);
    fputc('\n', p->log);
    fflush(p->log);
}

static void feed_bytes(Conn *c, const char *buf, size_t len)
{
    gint64 now = g_get_monotonic_time();

    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n') {
            g_string_append_c(c->line, buf[i]);
            continue;
        }
        net_stats_feed_line(&c->peer->stats, c->line->str, now);
        log_line(c->peer, c->index, "%s", c->line->str);
        g_string_truncate(c->line, 0);
    }
}

static gboolean on_conn_readable(int fd, GIOCondition cond, gpointer opaque)
{
    Conn *c = opaque;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (n > 0) {
        feed_bytes(c, buf, n);
        return G_SOURCE_CONTINUE;
    }
    net_stats_ended(&c->peer->stats, n < 0 ? errno : 0);
    log_line(c->peer, c->index, n < 0 ? "RESET %s" : "CLOSED%s",
             n < 0 ? g_strerror(errno) : "");
    close(fd);
    g_string_free(c->line, TRUE);
    g_free(c);
    return G_SOURCE_REMOVE;
}

static gboolean on_listen_readable(int fd, GIOCondition cond, gpointer opaque)
{
    Peer *p = opaque;
    struct sockaddr_in from;
    socklen_t len = sizeof(from);
    char addr[INET_ADDRSTRLEN] = "?";
    int cfd = accept4(fd, (struct sockaddr *)&from, &len, SOCK_CLOEXEC);
    Conn *c;

    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    inet_ntop(AF_INET, &from.sin_addr, addr, sizeof(addr));
    c = g_new0(Conn, 1);
    c->peer = p;
    c->line = g_string_new(NULL);
    c->index = p->nconns++;
    net_stats_connected(&p->stats);
    log_line(p, c->index, "CONNECTED from %s:%u", addr, ntohs(from.sin_port));
    g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_conn_readable, c);
    return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer opaque)
{
    g_main_loop_quit(((Peer *)opaque)->loop);
    return G_SOURCE_REMOVE;
}

/* "IP:PORT" (IPv4) -> a listening socket, or -1 with the reason printed. */
static int listen_tcp(const char *spec)
{
    struct sockaddr_in addr = { .sin_family = AF_INET };
    const char *colon = strrchr(spec, ':');
    g_autofree char *host = colon ? g_strndup(spec, colon - spec) : NULL;
    guint64 port = 0;
    int fd, one = 1;

    if (!colon || inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
        !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
        fprintf(stderr, "net-peer: --listen wants IPv4:PORT, got '%s'\n", spec);
        return -1;
    }
    addr.sin_port = htons(port);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0) {
        fprintf(stderr, "net-peer: cannot listen on %s: %s\n", spec, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static int write_summary(const NetStats *s, const char *path)
{
    g_autoptr(JsonNode) root = net_stats_to_json(s);

    return json_summary_write(root, path, "net-peer");
}

int main(int argc, char **argv)
{
    g_autofree char *listen_spec = NULL, *log_path = NULL, *summary_path = NULL;
    GOptionEntry entries[] = {
        { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen_spec,
          "Address the guest connects to", "IP:PORT" },
        { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path,
          "Write every line and connection event, time-stamped, to FILE", "FILE" },
        { "summary", 0, 0, G_OPTION_ARG_FILENAME, &summary_path,
          "Write the JSON summary to FILE on exit (default stdout)", "FILE" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;
    Peer p = { 0 };
    int lfd, rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx, "Host end of the demo guest's TCP connection.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || !listen_spec || argc != 1) {
        fprintf(stderr, "net-peer: %s\n", err ? err->message : "--listen IP:PORT is required");
        return 2;
    }
    if (log_path && !(p.log = fopen(log_path, "w"))) {
        fprintf(stderr, "net-peer: cannot write %s: %s\n", log_path, g_strerror(errno));
        return 1;
    }
    lfd = listen_tcp(listen_spec);
    if (lfd < 0) {
        return 1;
    }
    p.loop = g_main_loop_new(NULL, FALSE);
    p.t0_us = g_get_monotonic_time();
    net_stats_init(&p.stats);
    g_unix_fd_add(lfd, G_IO_IN, on_listen_readable, &p);
    g_unix_signal_add(SIGTERM, on_signal, &p);
    g_unix_signal_add(SIGINT, on_signal, &p);
    log_line(&p, -1, "LISTENING %s", listen_spec);
    g_main_loop_run(p.loop);

    close(lfd);
    rc = write_summary(&p.stats, summary_path);
    if (p.log) {
        fclose(p.log);
    }
    g_main_loop_unref(p.loop);
    return rc;
}
