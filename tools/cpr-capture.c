/*
 * cpr-capture: record the CPR state a cpr-transfer source sends, to have a
 * genuine stream to mutate.
 *
 *   cpr-capture [--timeout SECONDS] SOCKET FILE
 *
 * Listens on the UNIX socket SOCKET (give it to the source as its cpr
 * channel), takes one connection, reads until the source has sent all,
 * and saves the bytes in FILE and the offsets of the bytes that carried
 * fds in FILE.fds (see peer-stream.h).  The fds themselves (the source's
 * guest RAM) are closed at once.  Closing the connection tells the source
 * to go on, towards a main channel that is not there: its migration fails
 * and its guest keeps running.
 */
#define _GNU_SOURCE
#include "cpr-format.h"
#include "peer-stream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "cpr-capture: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    unlink(path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 1) < 0) {
        fprintf(stderr, "cpr-capture: cannot listen on %s: %s\n", path, g_strerror(errno));
        return -1;
    }
    return fd;
}

/* Wait for @fd to be readable before @deadline (monotonic, us). */
static gboolean readable(int fd, gint64 deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int left = MAX(0, (deadline - g_get_monotonic_time()) / 1000);
        int n = poll(&pfd, 1, left);

        if (n > 0) {
            return TRUE;
        }
        if (n == 0 || errno != EINTR) {
            return FALSE;
        }
    }
}

/* Read one chunk; fds that came with it are closed and their offset kept. */
static gssize read_chunk(int fd, PeerStream *s)
{
    guint8 buf[65536];
    union {
        char buf[CMSG_SPACE(16 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

    if (n <= 0) {
        return n;
    }
    peer_stream_append(s, buf, n);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            guint nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            /* The kernel ends a read with the message that carried fds. */
            guint at = s->bytes->len - 1;

            for (guint i = 0; i < nfds; i++) {
                int passed;

                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                close(passed);
                g_array_append_val(s->fd_at, at);
            }
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    double timeout = 60;
    GOptionEntry entries[] = {
        { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout,
          "Give up after SECONDS (default 60)", "SECONDS" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SOCKET FILE");
    g_autoptr(GError) err = NULL;
    g_autoptr(PeerStream) s = peer_stream_new();
    g_autoptr(GArray) layout = NULL;
    gint64 deadline;
    int lfd, fd;
    gssize n;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 3) {
        fprintf(stderr, "cpr-capture: %s\n", err ? err->message : "give SOCKET and FILE");
        return 2;
    }
    deadline = g_get_monotonic_time() + (gint64)(timeout * G_USEC_PER_SEC);
    lfd = listen_on(argv[1]);
    if (lfd < 0) {
        return 1;
    }
    if (!readable(lfd, deadline) || (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
        fprintf(stderr, "cpr-capture: no source connected within %.0f s\n", timeout);
        unlink(argv[1]);
        return 1;
    }
    close(lfd);
    unlink(argv[1]);
    while (readable(fd, deadline) && (n = read_chunk(fd, s)) > 0) {
        /* The source shuts down its side once it has sent everything. */
    }
    if (g_get_monotonic_time() >= deadline) {
        fprintf(stderr, "cpr-capture: the source did not finish within %.0f s\n", timeout);
        return 1;
    }
    close(fd);
    layout = cpr_state_layout(s, &err);
    if (!layout) {
        fprintf(stderr, "cpr-capture: what the source sent (%u bytes) is %s\n",
                s->bytes->len, err->message);
        return 1;
    }
    if (!peer_stream_save(s, argv[2], &err)) {
        fprintf(stderr, "cpr-capture: %s\n", err->message);
        return 1;
    }
    printf("cpr-capture: %u bytes, %u fds\n", s->bytes->len, layout->len);
    return 0;
}
