/*
 * Listening UNIX sockets of the source (console, guest agent, extra
 * monitors) stay reachable at their paths across the update.
 *
 * The destination does not bind the paths again (QEMU unlinks an existing
 * path before bind, which would steal it from the source even if the
 * update then failed): it inherits the source's listening sockets and gets
 * -chardev socket,fd=N,server=on,wait=off in place of path= (-qmp, -monitor,
 * -serial and -parallel unix:PATH forms become such a -chardev plus
 * chardev:ID).  The source unlinks each path as it quits (its listening
 * channel's cleanup), so each path is hard-linked to a hidden name in the
 * same directory before the source quits and renamed back after it exited.
 */
#ifndef SOCKET_HANDOVER_H
#define SOCKET_HANDOVER_H

#include <glib.h>

#include "fd-handover.h"

typedef struct {
    int fd;             /* in the source */
    char *path;         /* absolute */
} SourceListener;

typedef struct {
    GArray *listeners;  /* SourceListener: all of the source's */
    GArray *used;       /* int: source fds handed over */
    GPtrArray *paths;   /* their paths, absolute */
    GPtrArray *hidden;  /* hard links made before the source quits */
} SocketHandover;

void socket_handover_init(SocketHandover *s);
void socket_handover_clear(SocketHandover *s);

/*
 * Paths of the listening stream sockets in a /proc/PID/net/unix text, by
 * socket inode (guint64 in a string key: "12345" -> path).  Abstract
 * sockets ("@name") are left out: nothing unlinks them.
 */
GHashTable *socket_parse_net_unix(const char *text);

/* Find the source's listening sockets among its open files. */
void socket_find_listeners(SocketHandover *s, GArray *source_files,
                           const char *net_unix, const char *source_cwd);

/*
 * Rewrite the listening sockets of @argv (argv[0] included) that are the
 * source's own to use its fd, adding those fds to @h.  @dest_cwd resolves
 * relative paths; @skip is the source monitor cpr-update uses, left alone.
 */
void socket_rewrite_args(SocketHandover *s, GPtrArray *argv, const char *dest_cwd,
                         const char *skip, FdHandover *h, GPtrArray *notes);

/*
 * Once taken: make the shared listening sockets non-blocking, so that of
 * two QEMUs woken by one connection the one that loses the race gets
 * EAGAIN (which QEMU ignores) instead of blocking in accept().
 */
void socket_handover_nonblocking(SocketHandover *s, FdHandover *h);

/* Before the source quits: a hidden hard link for each path. */
void socket_paths_hold(SocketHandover *s, GPtrArray *warnings);

/* After the source exited: put back each path it unlinked. */
void socket_paths_restore(SocketHandover *s, GPtrArray *warnings);

#endif
