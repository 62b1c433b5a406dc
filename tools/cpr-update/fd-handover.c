/* Handing the source's file descriptors over; see fd-handover.h. */
#define _GNU_SOURCE
#include "fd-handover.h"
#include "same-args.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* First number given to the destination: after stdin, stdout, stderr. */
#define FIRST_TARGET_FD 3
/*
 * Our duplicates live above every target number, so that moving them to
 * their targets in the child never overwrites one not yet moved.
 */
#define LOCAL_FD_FLOOR 256

void fd_handover_init(FdHandover *h)
{
    h->fds = g_array_new(FALSE, TRUE, sizeof(HandedFd));
    h->next_target = FIRST_TARGET_FD;
    h->pidfd = -1;
}

int fd_handover_add(FdHandover *h, int source_fd)
{
    HandedFd f = { .source_fd = source_fd, .local_fd = -1 };

    for (guint i = 0; i < h->fds->len; i++) {
        HandedFd *e = &g_array_index(h->fds, HandedFd, i);
        if (e->source_fd == source_fd) {
            return e->target_fd;
        }
    }
    f.target_fd = h->next_target++;
    g_array_append_val(h->fds, f);
    return f.target_fd;
}

gboolean fd_handover_take(FdHandover *h, int pid, GError **errp)
{
    if (!h->fds->len) {
        return TRUE;
    }
    h->pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (h->pidfd < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "pidfd_open(%d): %s", pid, g_strerror(errno));
        return FALSE;
    }
    for (guint i = 0; i < h->fds->len; i++) {
        HandedFd *f = &g_array_index(h->fds, HandedFd, i);

        /* The duplicate is close-on-exec: only the spawn hands it on. */
        int fd = syscall(SYS_pidfd_getfd, h->pidfd, f->source_fd, 0);
        if (fd >= 0) {
            f->local_fd = fcntl(fd, F_DUPFD_CLOEXEC, LOCAL_FD_FLOOR);
            close(fd);
        }
        if (fd < 0 || f->local_fd < 0) {
            g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                        "pidfd_getfd of the source's fd %d: %s%s", f->source_fd,
                        g_strerror(errno),
                        errno == EPERM ? " (needs root or ptrace rights over "
                                         "the source)" : "");
            return FALSE;
        }
    }
    return TRUE;
}

void fd_handover_spawn_fds(const FdHandover *h, GArray *source_fds,
                           GArray *target_fds)
{
    for (guint i = 0; h->fds && i < h->fds->len; i++) {
        const HandedFd *f = &g_array_index(h->fds, HandedFd, i);

        if (f->local_fd >= 0) {
            g_array_append_val(source_fds, f->local_fd);
            g_array_append_val(target_fds, f->target_fd);
        }
    }
}

int fd_handover_local(const FdHandover *h, int source_fd)
{
    for (guint i = 0; h->fds && i < h->fds->len; i++) {
        const HandedFd *f = &g_array_index(h->fds, HandedFd, i);
        if (f->source_fd == source_fd) {
            return f->local_fd;
        }
    }
    return -1;
}

gboolean fd_handover_wait_source_exit(FdHandover *h, int timeout_ms)
{
    struct pollfd pfd = { .fd = h->pidfd, .events = POLLIN };

    /* A pidfd becomes readable when its process has exited. */
    return h->pidfd >= 0 && poll(&pfd, 1, timeout_ms) == 1;
}

void fd_handover_clear(FdHandover *h)
{
    for (guint i = 0; h->fds && i < h->fds->len; i++) {
        HandedFd *f = &g_array_index(h->fds, HandedFd, i);
        if (f->local_fd >= 0) {
            close(f->local_fd);
            f->local_fd = -1;
        }
    }
    if (h->pidfd >= 0) {
        close(h->pidfd);
        h->pidfd = -1;
    }
    if (h->fds) {
        g_array_free(h->fds, TRUE);
        h->fds = NULL;
    }
}

static gint by_fd(gconstpointer a, gconstpointer b)
{
    return ((const SourceFile *)a)->fd - ((const SourceFile *)b)->fd;
}

GArray *fd_handover_list_source(int pid, GError **errp)
{
    g_autofree char *dir_path = g_strdup_printf("/proc/%d/fd", pid);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, errp);
    GArray *files;
    const char *name;

    if (!dir) {
        return NULL;
    }
    files = g_array_new(FALSE, TRUE, sizeof(SourceFile));
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *fd_path = g_build_filename(dir_path, name, NULL);
        g_autofree char *info_path = g_strdup_printf("/proc/%d/fdinfo/%s", pid, name);
        SourceFile f = { .fd = atoi(name) };

        /* A file closed meanwhile is simply not there. */
        f.link = g_file_read_link(fd_path, NULL);
        if (!f.link) {
            continue;
        }
        if (!g_file_get_contents(info_path, &f.fdinfo, NULL, NULL)) {
            f.fdinfo = g_strdup("");
        }
        g_array_append_val(files, f);
    }
    g_array_sort(files, by_fd);
    return files;
}

void source_files_free(GArray *files)
{
    for (guint i = 0; files && i < files->len; i++) {
        SourceFile *f = &g_array_index(files, SourceFile, i);
        g_free(f->link);
        g_free(f->fdinfo);
    }
    if (files) {
        g_array_free(files, TRUE);
    }
}

void source_process_read(SourceProcess *p, int pid, GPtrArray *warnings)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *cmdline_path = g_strdup_printf("/proc/%d/cmdline", pid);
    g_autofree char *cwd_path = g_strdup_printf("/proc/%d/cwd", pid);
    g_autofree char *net_unix_path = g_strdup_printf("/proc/%d/net/unix", pid);
    g_autofree char *cmdline = NULL;
    gsize len;

    memset(p, 0, sizeof(*p));
    p->pid = pid;
    if (g_file_get_contents(cmdline_path, &cmdline, &len, NULL)) {
        p->argv = same_args_split_cmdline(cmdline, len);
    }
    p->cwd = g_file_read_link(cwd_path, NULL);
    if (!p->cwd) {
        p->cwd = g_strdup("/");
    }
    if (!g_file_get_contents(net_unix_path, &p->net_unix, NULL, NULL)) {
        p->net_unix = g_strdup("");
    }
    p->files = fd_handover_list_source(pid, &err);
    if (!p->files) {
        g_ptr_array_add(warnings, g_strdup_printf(
            "cannot list the source's open files (%s): no tap or socket is "
            "handed over", err->message));
        p->files = g_array_new(FALSE, TRUE, sizeof(SourceFile));
    }
}

void source_process_clear(SourceProcess *p)
{
    g_strfreev(p->argv);
    g_free(p->cwd);
    g_free(p->net_unix);
    source_files_free(p->files);
    memset(p, 0, sizeof(*p));
}
