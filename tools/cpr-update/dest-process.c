/* The destination QEMU process; see dest-process.h. */
#include "dest-process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void child_setup(gpointer opaque)
{
    setsid();
}

/* Above any fd number the destination is given (see fd-handover.c). */
#define LOG_FD_FLOOR 256

gboolean dest_process_start(DestProcess *d, GPtrArray *argv, const char *cwd,
                            const char *log_path, GArray *source_fds,
                            GArray *target_fds, GError **errp)
{
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int log_fd = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, LOG_FD_FLOOR);
    gboolean ok;

    if (fd >= 0) {
        close(fd);
    }
    if (log_fd < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot create %s: %s", log_path, g_strerror(errno));
        return FALSE;
    }
    g_ptr_array_add(argv, NULL);
    /* The handed-over fds are inherited at exec, at their target numbers. */
    ok = g_spawn_async_with_pipes_and_fds(cwd, (const char *const *)argv->pdata,
                                          NULL,
                                          G_SPAWN_DO_NOT_REAP_CHILD |
                                          G_SPAWN_STDIN_FROM_DEV_NULL,
                                          child_setup, NULL, -1, log_fd, log_fd,
                                          (const int *)source_fds->data,
                                          (const int *)target_fds->data,
                                          source_fds->len, &d->pid,
                                          NULL, NULL, NULL, errp);
    g_ptr_array_remove_index(argv, argv->len - 1);
    close(log_fd);
    d->reaped = FALSE;
    d->log_path = g_strdup(log_path);
    if (!ok) {
        d->pid = 0;
    }
    return ok;
}

gboolean dest_process_alive(DestProcess *d)
{
    pid_t r;

    if (!d->pid || d->reaped) {
        return FALSE;
    }
    r = waitpid(d->pid, &d->wait_status, WNOHANG);
    if (r == d->pid) {
        d->reaped = TRUE;
        return FALSE;
    }
    return TRUE;
}

gboolean dest_process_freeze(DestProcess *d)
{
    return dest_process_alive(d) && kill(d->pid, SIGSTOP) == 0;
}

gboolean dest_process_thaw(DestProcess *d)
{
    return dest_process_alive(d) && kill(d->pid, SIGCONT) == 0;
}

void dest_process_kill(DestProcess *d)
{
    if (!d->pid || d->reaped) {
        return;
    }
    kill(d->pid, SIGKILL);
    while (waitpid(d->pid, &d->wait_status, 0) < 0 && errno == EINTR) {
        /* retry */
    }
    d->reaped = TRUE;
}

/* Its last few lines of output, joined: QEMU's error and what led to it. */
#define LOG_TAIL_LINES 3

static char *last_log_lines(const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GPtrArray) tail = g_ptr_array_new();

    if (!path || !g_file_get_contents(path, &text, NULL, NULL)) {
        return NULL;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = g_strv_length(lines) - 1; i >= 0 && tail->len < LOG_TAIL_LINES; i--) {
        if (*g_strstrip(lines[i])) {
            g_ptr_array_insert(tail, 0, lines[i]);
        }
    }
    if (!tail->len) {
        return NULL;
    }
    g_ptr_array_add(tail, NULL);
    return g_strjoinv(" | ", (char **)tail->pdata);
}

char *dest_process_describe_exit(DestProcess *d)
{
    g_autofree char *last = last_log_lines(d->log_path);
    g_autofree char *how = NULL;

    if (!d->reaped) {
        how = g_strdup("is still running");
    } else if (WIFEXITED(d->wait_status)) {
        how = g_strdup_printf("exited with status %d", WEXITSTATUS(d->wait_status));
    } else {
        how = g_strdup_printf("was killed by signal %d", WTERMSIG(d->wait_status));
    }
    return last ? g_strdup_printf("destination QEMU %s (%s)", how, last)
                : g_strdup_printf("destination QEMU %s", how);
}

void dest_process_clear(DestProcess *d)
{
    g_free(d->log_path);
    d->log_path = NULL;
}
