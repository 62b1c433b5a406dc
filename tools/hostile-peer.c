/*
 * hostile-peer: the kinds of peer a waiting cpr-transfer destination must
 * survive, for the tests.  One connection:
 *
 *   hostile-peer [--send-hex HEX | --garbage N | --stream FILE]
 *                [--truncate N] [--hold SECONDS] [--ready FILE] ADDR
 *
 * connects to ADDR (unix:PATH, tcp:HOST:PORT), sends what it is told (with
 * the fds of a captured stream), then stays silent up to --hold seconds
 * (-1: until killed) or until the destination closes the connection.  It
 * prints "result: closed by destination" or "result: still open".
 *
 * Many connections, each with a broken stream (see stream-mutate.h):
 *
 *   hostile-peer --mutate cpr --stream FILE --seed S --count N --qmp SOCK ADDR
 *   hostile-peer --mutate vm-header --seed S --count N --qmp SOCK ADDR
 *
 * (--start I --count 1 replays mutation I alone.)
 *
 * After each stream the destination's monitor SOCK must answer
 * query-status; for CPR states the destination must also close the
 * connection and keep listening.  Stops at the first failure, naming the
 * stream.  Exit status: 0 done, 1 a check failed or cannot connect, 2 usage.
 */
#define _GNU_SOURCE
#include "cpr-format.h"
#include "peer-socket.h"
#include "qmp-client.h"
#include "stream-mutate.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static struct {
    char *send_hex, *stream_path, *ready_path, *mutate, *qmp_path;
    int garbage, truncate, seed, count, start;
    double hold, close_timeout, qmp_timeout, send_timeout;
    gboolean dry_run, verbose;
} opt = { .garbage = -1, .truncate = -1, .count = 1000, .close_timeout = 30,
          .qmp_timeout = 10, .send_timeout = 2 };

static PeerStream *stream_from_options(GError **errp)
{
    PeerStream *s = NULL;

    if (opt.stream_path) {
        if (!peer_stream_load(opt.stream_path, &s, errp)) {
            return NULL;
        }
    } else {
        s = peer_stream_new();
    }
    if (opt.send_hex) {
        gsize n = strlen(opt.send_hex);

        if (n % 2) {
            g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "--send-hex: odd number of hex digits");
            peer_stream_free(s);
            return NULL;
        }
        for (gsize i = 0; i < n; i += 2) {
            int hi = g_ascii_xdigit_value(opt.send_hex[i]);
            int lo = g_ascii_xdigit_value(opt.send_hex[i + 1]);
            guint8 b = hi << 4 | lo;

            if (hi < 0 || lo < 0) {
                g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "--send-hex: '%s' is not hex", opt.send_hex);
                peer_stream_free(s);
                return NULL;
            }
            peer_stream_append(s, &b, 1);
        }
    }
    if (opt.garbage >= 0) {
        g_autoptr(GRand) r = g_rand_new_with_seed(opt.seed);

        for (int i = 0; i < opt.garbage; i++) {
            guint8 b = g_rand_int_range(r, 0, 256);

            peer_stream_append(s, &b, 1);
        }
    }
    if (opt.truncate >= 0) {
        peer_stream_truncate(s, opt.truncate);
    }
    return s;
}

/* The fd sent wherever a stream carries one: an empty memfd. */
static int fd_to_pass(void)
{
    int fd = memfd_create("hostile-peer", MFD_CLOEXEC);

    if (fd < 0) {
        perror("hostile-peer: memfd_create");
        exit(1);
    }
    return fd;
}

static int run_one(const char *addr)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(PeerStream) s = stream_from_options(&err);
    int fd, pass_fd;
    gint64 start;

    if (!s) {
        fprintf(stderr, "hostile-peer: %s\n", err->message);
        return 2;
    }
    pass_fd = s->fd_at->len ? fd_to_pass() : -1;
    fd = peer_connect(addr, &err);
    if (fd < 0) {
        fprintf(stderr, "hostile-peer: %s\n", err->message);
        return 1;
    }
    start = g_get_monotonic_time();
    if (!peer_send(fd, s, pass_fd, -1, &err)) {
        printf("hostile-peer: sending stopped: %s\n", err->message);
    }
    if (opt.ready_path && !g_file_set_contents(opt.ready_path, "", 0, &err)) {
        fprintf(stderr, "hostile-peer: %s\n", err->message);
        return 1;
    }
    printf("hostile-peer: connected to %s, sent %u bytes\n", addr, s->bytes->len);
    fflush(stdout);
    if (opt.hold != 0) {
        int ms = opt.hold < 0 ? -1 : (int)(opt.hold * 1000);

        if (peer_wait_closed(fd, ms) == PEER_CLOSED_BY_OTHER_END) {
            printf("result: closed by destination after %" G_GINT64_FORMAT " ms\n",
                   (g_get_monotonic_time() - start) / 1000);
            return 0;
        }
        printf("result: still open\n");
    }
    close(fd);
    return 0;
}

static gboolean monitor_answers(QmpClient *qmp, GError **errp)
{
    g_autoptr(JsonNode) ret = qmp_client_execute(qmp, "query-status", NULL,
                                                 (int)(opt.qmp_timeout * 1000),
                                                 errp);
    return ret != NULL;
}

static int run_mutations(const char *addr)
{
    gboolean cpr = g_str_equal(opt.mutate, "cpr");
    g_autoptr(PeerStream) valid = NULL;
    g_autoptr(GArray) layout = NULL;
    g_autoptr(QmpClient) qmp = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *prev = NULL;
    int pass_fd = -1, unread = 0;

    if (!cpr && !g_str_equal(opt.mutate, "vm-header")) {
        fprintf(stderr, "hostile-peer: --mutate takes cpr or vm-header\n");
        return 2;
    }
    if (cpr) {
        if (!opt.stream_path) {
            fprintf(stderr, "hostile-peer: --mutate cpr needs --stream (a captured CPR state)\n");
            return 2;
        }
        if (!peer_stream_load(opt.stream_path, &valid, &err) ||
            !(layout = cpr_state_layout(valid, &err))) {
            fprintf(stderr, "hostile-peer: %s: %s\n", opt.stream_path, err->message);
            return 2;
        }
        pass_fd = fd_to_pass();
    }
    if (!opt.dry_run) {
        if (!opt.qmp_path) {
            fprintf(stderr, "hostile-peer: --mutate needs --qmp\n");
            return 2;
        }
        qmp = qmp_client_connect(opt.qmp_path, (int)(opt.qmp_timeout * 1000), &err);
        if (!qmp) {
            fprintf(stderr, "hostile-peer: monitor %s: %s\n", opt.qmp_path, err->message);
            return 1;
        }
    }

    for (int i = opt.start; i < opt.start + opt.count; i++) {
        g_autofree char *what = NULL;
        g_autoptr(PeerStream) s = cpr ? mutate_cpr_state(valid, layout, opt.seed, i, &what)
                                      : mutate_vm_header(opt.seed, i, &what);
        int fd;

        if (opt.verbose || opt.dry_run) {
            printf("%d: %s\n", i, what);
        }
        if (opt.dry_run) {
            continue;
        }
        fd = peer_connect(addr, &err);
        if (fd < 0) {
            printf("FAIL: stream %d (%s): %s (after stream %d: %s)\n", i, what,
                   err->message, i - 1, prev ? prev : "none");
            return 1;
        }
        if (!peer_send(fd, s, pass_fd, (int)(opt.send_timeout * 1000), &err)) {
            /*
             * Dropped before the end: fine, the destination saw enough.
             * Not read on: a held connection may wait unread.
             */
            unread += g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
            g_clear_error(&err);
        }
        shutdown(fd, SHUT_WR);
        if (cpr && peer_wait_closed(fd, (int)(opt.close_timeout * 1000)) !=
                   PEER_CLOSED_BY_OTHER_END) {
            printf("FAIL: stream %d (%s): connection still open after %.0f s\n",
                   i, what, opt.close_timeout);
            return 1;
        }
        close(fd);
        if (!monitor_answers(qmp, &err)) {
            printf("FAIL: stream %d (%s): monitor: %s\n", i, what, err->message);
            return 1;
        }
        g_free(prev);
        prev = g_steal_pointer(&what);
    }
    if (!opt.dry_run) {
        printf("hostile-peer: %d %s streams sent to %s, each %sfollowed by an answer to query-status"
               " (%d not read to the end within %.1f s)\n",
               opt.count, cpr ? "cpr-state" : "migration-header", addr,
               cpr ? "refused and " : "", unread, opt.send_timeout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    GOptionEntry entries[] = {
        { "send-hex", 0, 0, G_OPTION_ARG_STRING, &opt.send_hex, "Send these bytes", "HEX" },
        { "garbage", 0, 0, G_OPTION_ARG_INT, &opt.garbage, "Send N random bytes", "N" },
        { "stream", 0, 0, G_OPTION_ARG_FILENAME, &opt.stream_path,
          "A captured stream (FILE and FILE.fds)", "FILE" },
        { "truncate", 0, 0, G_OPTION_ARG_INT, &opt.truncate, "Send only N bytes", "N" },
        { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &opt.hold,
          "Then stay silent up to SECONDS (-1: until killed)", "SECONDS" },
        { "ready", 0, 0, G_OPTION_ARG_FILENAME, &opt.ready_path,
          "Create FILE once connected and sent", "FILE" },
        { "mutate", 0, 0, G_OPTION_ARG_STRING, &opt.mutate,
          "Send mutated streams: cpr or vm-header", "KIND" },
        { "seed", 0, 0, G_OPTION_ARG_INT, &opt.seed, "Random seed (default 0)", "S" },
        { "count", 0, 0, G_OPTION_ARG_INT, &opt.count, "Mutations (default 1000)", "N" },
        { "start", 0, 0, G_OPTION_ARG_INT, &opt.start,
          "First mutation (default 0; with --count 1 replays one)", "I" },
        { "qmp", 0, 0, G_OPTION_ARG_FILENAME, &opt.qmp_path,
          "The destination's monitor, asked after each stream", "SOCKET" },
        { "close-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt.close_timeout,
          "Wait this long for a refused CPR state to be closed (default 30)", "SECONDS" },
        { "send-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt.send_timeout,
          "Stop sending a stream the destination does not read on (default 2)", "SECONDS" },
        { "qmp-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt.qmp_timeout,
          "Wait this long for the monitor (default 10)", "SECONDS" },
        { "dry-run", 0, 0, G_OPTION_ARG_NONE, &opt.dry_run,
          "Only list the mutations", NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt.verbose, "List each mutation", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("ADDR");
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx, "A hostile peer for a cpr-transfer destination.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "hostile-peer: %s\n", err->message);
        return 2;
    }
    if (argc != 2 && !(opt.dry_run && opt.mutate && argc == 1)) {
        fprintf(stderr, "hostile-peer: give one address (unix:PATH or tcp:HOST:PORT)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    return opt.mutate ? run_mutations(argv[1]) : run_one(argv[1]);
}
