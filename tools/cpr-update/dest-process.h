/*
 * The destination QEMU process: started in its own session (so Ctrl-C on
 * the operator's terminal does not reach it), stdout and stderr in a log
 * file, and never left behind on failure.
 */
#ifndef DEST_PROCESS_H
#define DEST_PROCESS_H

#include <glib.h>

typedef struct {
    GPid pid;           /* 0 when not started */
    gboolean reaped;
    int wait_status;
    char *log_path;
} DestProcess;

/* @source_fds (ours) become @target_fds in the new process. */
gboolean dest_process_start(DestProcess *d, GPtrArray *argv, const char *cwd,
                            const char *log_path, GArray *source_fds,
                            GArray *target_fds, GError **errp);

/* FALSE once the process has exited (it is reaped then). */
gboolean dest_process_alive(DestProcess *d);

/*
 * Stop it (SIGSTOP) where it stands; TRUE if it was there to stop.  A
 * stopped destination cannot start the guest until it is thawed.
 */
gboolean dest_process_freeze(DestProcess *d);

/* Let a frozen destination go on (SIGCONT); FALSE if it is gone. */
gboolean dest_process_thaw(DestProcess *d);

/* SIGKILL and reap, if still there. */
void dest_process_kill(DestProcess *d);

/* "exited with status N" / "killed by signal N", plus its last log lines. */
char *dest_process_describe_exit(DestProcess *d);

void dest_process_clear(DestProcess *d);

#endif
