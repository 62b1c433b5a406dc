/*
 * File descriptors of the source QEMU handed to the destination: each is
 * duplicated from the running source with pidfd_getfd(2) (the same open
 * file description, so the kernel object behind it, a tap queue or a
 * listening socket, is shared, never reopened) and inherited by the
 * destination at exec at a number chosen here.  Never passed over a
 * monitor: QEMU clears O_NONBLOCK on fds it receives there, which would
 * change the description the source is still using.
 */
#ifndef FD_HANDOVER_H
#define FD_HANDOVER_H

#include <glib.h>

/* Errors of the handover and pre-flight checks: the message says it all. */
#define HANDOVER_ERROR (g_quark_from_static_string("cpr-update-handover"))

typedef struct {
    int source_fd;      /* its number in the source */
    int target_fd;      /* its number in the destination */
    int local_fd;       /* our duplicate; -1 until taken */
} HandedFd;

typedef struct {
    GArray *fds;        /* HandedFd */
    int next_target;
    int pidfd;          /* the source's, once taken; -1 before */
} FdHandover;

/* One open file of the source: its number and what /proc says it is. */
typedef struct {
    int fd;
    char *link;         /* readlink of /proc/PID/fd/N */
    char *fdinfo;       /* /proc/PID/fdinfo/N */
} SourceFile;

void fd_handover_init(FdHandover *h);

/* The destination's number for the source's fd @source_fd (added once). */
int fd_handover_add(FdHandover *h, int source_fd);

/* Duplicate every added fd from process @pid (needs root or ptrace). */
gboolean fd_handover_take(FdHandover *h, int pid, GError **errp);

/* Our duplicates and their numbers in the destination, for the spawn. */
void fd_handover_spawn_fds(const FdHandover *h, GArray *source_fds,
                           GArray *target_fds);

/* Our duplicate of the source's fd @source_fd, or -1. */
int fd_handover_local(const FdHandover *h, int source_fd);

/* Wait up to @timeout_ms for the source to exit; TRUE once it has. */
gboolean fd_handover_wait_source_exit(FdHandover *h, int timeout_ms);

/* Close our duplicates and the pidfd. */
void fd_handover_clear(FdHandover *h);

/* The open files of process @pid, by ascending number (SourceFile). */
GArray *fd_handover_list_source(int pid, GError **errp);
void source_files_free(GArray *files);

/* What /proc tells of the source process, for the handover. */
typedef struct {
    int pid;
    GStrv argv;         /* its command line; NULL if unreadable */
    char *cwd;          /* its working directory ("/" if unreadable) */
    char *net_unix;     /* its /proc/PID/net/unix ("" if unreadable) */
    GArray *files;      /* SourceFile; empty if unreadable */
} SourceProcess;

/* Read it all; a warning in @warnings for what could not be read. */
void source_process_read(SourceProcess *p, int pid, GPtrArray *warnings);
void source_process_clear(SourceProcess *p);

#endif
