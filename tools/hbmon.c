#define _GNU_SOURCE
/*
 * hbmon: collect the demo guest's heartbeat from QEMU serial chardevs.
 *
 *   hbmon --listen SOCKET [--log FILE] [--summary FILE]
 *
 * QEMU connects as a client (-chardev socket,path=SOCKET): the source at
 * boot, the destination when it creates its chardevs during a live update.
 * All connections feed one line buffer, which reproduces the guest's own
 * output since only one of them is running the guest at any time.  Every
 * line is time-stamped on arrival.  On SIGTERM or SIGINT the summary (see
 * hb-stats.h) is written as JSON and hbmon exits 0.
 *
 * The log's first line, "# hbmon t0 realtime_us=N", gives the host's wall
 * clock at time 0 of the log, so its lines can be put on one timeline
 * with QEMU's trace logs (tools/timeline).
 */
#include "json-summary.h"
#include "hb-stats.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
    GMainLoop *loop;
    GString *line;
    HbStats stats;
    FILE *log;
    gint64 t0_us;
    int nconns;
} Monitor;

typedef struct {
    Monitor *mon;
    int fd;
    int index;
} Conn;

static void feed_bytes(Monitor *m, const char *buf, size_t len, int conn)
{
    gint64 now = g_get_monotonic_time();

    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\r') {
            continue;
        }
        if (buf[i] != '\n') {
            g_string_append_c(m->line, buf[i]);
            continue;
        }
        hb_stats_feed_line(&m->stats, m->line->str, now, conn);
        if (m->log) {
            fprintf(m->log, "%.3f %d %s\n", (now - m->t0_us) / 1000.0, conn,
                    m->line->str);
            fflush(m->log);
        }
        g_string_truncate(m->line, 0);
    }
}

static gboolean on_conn_readable(int fd, GIOCondition cond, gpointer opaque)
{
    Conn *c = opaque;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && errno == EINTR) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        close(fd);
        g_free(c);
        return G_SOURCE_REMOVE;
    }
    feed_bytes(c->mon, buf, n, c->index);
    return G_SOURCE_CONTINUE;
}

static gboolean on_listen_readable(int fd, GIOCondition cond, gpointer opaque)
{
    Monitor *m = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    Conn *c;

    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    c = g_new0(Conn, 1);
    c->mon = m;
    c->fd = cfd;
    c->index = m->nconns++;
    if (m->log) {
        fprintf(m->log, "%.3f %d CONNECTED\n",
                (g_get_monotonic_time() - m->t0_us) / 1000.0, c->index);
        fflush(m->log);
    }
    g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_conn_readable, c);
    return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer opaque)
{
    g_main_loop_quit(((Monitor *)opaque)->loop);
    return G_SOURCE_REMOVE;
}

/* Listen on @path; bind under a temporary name so the socket appears only
 * once it accepts connections. */
static int listen_unix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autofree char *tmp = g_strdup_printf("%s.%d", path, getpid());
    int fd;

    if (strlen(tmp) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "hbmon: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(addr.sun_path, tmp);
    unlink(tmp);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 8) < 0 || rename(tmp, path) < 0) {
        fprintf(stderr, "hbmon: cannot listen on %s: %s\n", path, g_strerror(errno));
        unlink(tmp);
        return -1;
    }
    return fd;
}

static int write_summary(const HbStats *s, const char *path)
{
    g_autoptr(JsonNode) root = hb_stats_to_json(s);

    return json_summary_write(root, path, "hbmon");
}

int main(int argc, char **argv)
{
    g_autofree char *listen_path = NULL, *log_path = NULL, *summary_path = NULL;
    GOptionEntry entries[] = {
        { "listen", 'l', 0, G_OPTION_ARG_FILENAME, &listen_path,
          "UNIX socket QEMU's serial chardev connects to", "SOCKET" },
        { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path,
          "Write every line, time-stamped, to FILE", "FILE" },
        { "summary", 0, 0, G_OPTION_ARG_FILENAME, &summary_path,
          "Write the JSON summary to FILE on exit (default stdout)", "FILE" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;
    Monitor m = { 0 };
    int lfd, rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx, "Collect and check the demo guest's heartbeat.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || !listen_path || argc != 1) {
        fprintf(stderr, "hbmon: %s\n", err ? err->message : "--listen SOCKET is required");
        return 2;
    }
    if (log_path && !(m.log = fopen(log_path, "w"))) {
        fprintf(stderr, "hbmon: cannot write %s: %s\n", log_path, g_strerror(errno));
        return 1;
    }
    lfd = listen_unix(listen_path);
    if (lfd < 0) {
        return 1;
    }
    m.loop = g_main_loop_new(NULL, FALSE);
    m.line = g_string_new(NULL);
    m.t0_us = g_get_monotonic_time();
    if (m.log) {
        fprintf(m.log, "# hbmon t0 realtime_us=%" G_GINT64_FORMAT "\n", g_get_real_time());
        fflush(m.log);
    }
    hb_stats_init(&m.stats);
    g_unix_fd_add(lfd, G_IO_IN, on_listen_readable, &m);
    g_unix_signal_add(SIGTERM, on_signal, &m);
    g_unix_signal_add(SIGINT, on_signal, &m);
    g_main_loop_run(m.loop);

    close(lfd);
    unlink(listen_path);
    rc = write_summary(&m.stats, summary_path);
    if (m.log) {
        fclose(m.log);
    }
    g_string_free(m.line, TRUE);
    g_main_loop_unref(m.loop);
    return rc;
}
