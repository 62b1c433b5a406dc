/* Sockets of a hostile migration peer; see peer-socket.h. */
#define _GNU_SOURCE
#include "peer-socket.h"

#include <errno.h>
#include <gio/gio.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_unix(const char *path, GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = errno;

        if (fd >= 0) {
            close(fd);
        }
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "cannot connect to %s: %s", path, g_strerror(err));
        return -1;
    }
    return fd;
}

static int connect_tcp(const char *hostport, GError **errp)
{
    const char *colon = strrchr(hostport, ':');
    g_autofree char *host = NULL;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
    int fd = -1, rc, err = ECONNREFUSED;

    if (!colon) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "tcp address without a port: %s", hostport);
        return -1;
    }
    host = g_strndup(hostport, colon - hostport);
    rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "cannot resolve %s: %s", hostport, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "cannot connect to %s: %s", hostport, g_strerror(err));
    }
    return fd;
}

int peer_connect(const char *addr, GError **errp)
{
    if (g_str_has_prefix(addr, "tcp:")) {
        return connect_tcp(addr + 4, errp);
    }
    if (g_str_has_prefix(addr, "unix:")) {
        addr += 5;
    }
    return connect_unix(addr, errp);
}

static gboolean send_failed(GError **errp, int err)
{
    if (err == EPIPE || err == ECONNRESET) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                    "the other end closed the connection");
    } else {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                    "send failed: %s", g_strerror(err));
    }
    return FALSE;
}

/* Wait until @fd takes more bytes, up to @deadline (monotonic us; 0: none). */
static gboolean writable(int fd, gint64 deadline, GError **errp)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int left = deadline ? (int)MAX(0, (deadline - g_get_monotonic_time()) / 1000) : -1;
        int n = poll(&pfd, 1, left);

        if (n > 0) {
            return TRUE;
        }
        if (n == 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "the other end stopped reading");
            return FALSE;
        }
        if (errno != EINTR) {
            return send_failed(errp, errno);
        }
    }
}

/* Send @len bytes; with @pass_fd >= 0 the first byte carries it. */
static gboolean send_part(int fd, const guint8 *buf, guint len, int pass_fd,
                          gint64 deadline, GError **errp)
{
    while (len) {
        struct iovec iov = { (void *)buf, pass_fd >= 0 ? 1 : len };
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (pass_fd >= 0) {
            struct cmsghdr *c;

            memset(&ctl, 0, sizeof(ctl));
            msg.msg_control = ctl.buf;
            msg.msg_controllen = sizeof(ctl.buf);
            c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!writable(fd, deadline, errp)) {
                return FALSE;
            }
            continue;
        }
        if (n < 0) {
            return send_failed(errp, errno);
        }
        buf += n;
        len -= n;
        pass_fd = -1;
    }
    return TRUE;
}

gboolean peer_send(int fd, const PeerStream *s, int pass_fd, int timeout_ms,
                   GError **errp)
{
    gint64 deadline = timeout_ms < 0 ? 0
                      : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    guint at = 0;

    for (guint i = 0; i < s->fd_at->len; i++) {
        guint mark = g_array_index(s->fd_at, guint, i);

        if (!send_part(fd, s->bytes->data + at, mark - at, -1, deadline, errp) ||
            !send_part(fd, s->bytes->data + mark, 1, pass_fd, deadline, errp)) {
            return FALSE;
        }
        at = mark + 1;
    }
    return send_part(fd, s->bytes->data + at, s->bytes->len - at, -1, deadline,
                     errp);
}

PeerWaitResult peer_wait_closed(int fd, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int left = timeout_ms < 0 ? -1
                   : (int)MAX(0, (deadline - g_get_monotonic_time()) / 1000);
        char buf[4096];
        int n = poll(&pfd, 1, left);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0) {
            return PEER_STILL_OPEN;
        }
        ssize_t got = read(fd, buf, sizeof(buf));

        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return PEER_CLOSED_BY_OTHER_END;
        }
    }
}
