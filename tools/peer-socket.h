/*
 * The socket side of a hostile migration peer: connect to a destination's
 * channel, send a stream (with its fds), watch for the other end closing.
 */
#ifndef PEER_SOCKET_H
#define PEER_SOCKET_H

#include "peer-stream.h"

/* ADDR is unix:PATH, tcp:HOST:PORT or a bare socket path.  Returns an fd. */
int peer_connect(const char *addr, GError **errp);

/*
 * Send @s; each byte at an fd offset carries @pass_fd.  Returns FALSE with
 * G_IO_ERROR_CONNECTION_CLOSED if the other end closed first (QEMU may drop
 * a stream it has seen enough of), G_IO_ERROR_TIMED_OUT if it stopped
 * reading for @timeout_ms (-1: wait forever), or another error.
 */
gboolean peer_send(int fd, const PeerStream *s, int pass_fd, int timeout_ms,
                   GError **errp);

typedef enum {
    PEER_CLOSED_BY_OTHER_END,   /* EOF or reset */
    PEER_STILL_OPEN,            /* nothing happened before the time limit */
} PeerWaitResult;

/* Wait up to @timeout_ms (-1: forever) for the other end to close; data
 * it sends is read and dropped. */
PeerWaitResult peer_wait_closed(int fd, int timeout_ms);

#endif
