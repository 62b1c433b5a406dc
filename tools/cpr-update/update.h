/*
 * The live-update state machine: a -precreate destination configured over
 * QMP, then cpr-transfer from the source, with a rollback that leaves the
 * guest running on the source if anything fails before the handover.
 */
#ifndef UPDATE_H
#define UPDATE_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "compat-check.h"
#include "dest-process.h"
#include "fd-handover.h"
#include "qmp-client.h"
#include "source-late-stop.h"
#include "vmdesc.h"
#include "socket-handover.h"

/* Exit codes of cpr-update (documented in docs/cpr-update.md). */
enum {
    UPDATE_OK = 0,
    UPDATE_ROLLED_BACK = 1,     /* failed; guest still running on the source */
    UPDATE_USAGE = 2,
    UPDATE_FAILED_AFTER_HANDOVER = 3,   /* destination left as it is */
    UPDATE_ROLLBACK_FAILED = 4, /* the guest's state on the source is unknown */
};

typedef struct {
    const char *source_qmp;
    GPtrArray *dest_argv;       /* NEW_QEMU and its arguments */
    char *dest_cwd;             /* NULL: ours */
    const char *run_parent;     /* where the private run directory goes */
    gboolean tcp;
    gboolean keep_source;
    gboolean progress;          /* one live status line (a terminal) */
    gboolean verbose;
    gboolean check_only;        /* --check: pre-flight and dry run, no update */
    const char *vmstate_checker;    /* NULL: the default places */
    gboolean early_stop;        /* --early-stop: not cpr-late-stop */
    gboolean keep_vmdesc;       /* --keep-vmdesc: the source's as it is */
    gboolean timeline;          /* --timeline: phases from trace logs */
    const char *source_log;     /* --source-log: the source's trace log */
    int step_timeout_ms;
    int migrate_timeout_ms;
    int greeting_timeout_ms;    /* the source's QMP greeting (monitor busy?) */
    const char *pidfile;        /* --pidfile: the destination's pid, once it runs */
    int abort_fd;               /* readable on Ctrl-C / SIGTERM */
} UpdateOptions;

typedef struct {
    const char *name;
    gint64 start_us;
    gint64 ms;              /* duration, once done */
    gboolean done;
} UpdateStep;

typedef struct {
    const UpdateOptions *opt;
    QmpClient *src, *dst;
    int source_pid;
    GPtrArray *dest_argv;       /* opt->dest_argv as the destination gets it */
    FdHandover fds;             /* the source's fds the destination inherits */
    GArray *tap_fds;            /* int: the source's tap queue fds among them */
    GArray *reattached_queues;  /* int: our fds of tap queues we attached */
    SocketHandover sockets;
    GPtrArray *warnings;        /* reported, and printed as they come */
    GPtrArray *notes;           /* what the handover changed, for --verbose */
    DestProcess dest;
    char *run_dir, *dst_qmp, *mig_sock, *cpr_sock;
    char *main_channel_desc;
    char *orig_mode;
    Compat compat;              /* the pre-flight checks and their results */
    gboolean was_running, mode_changed, migrate_issued, handed_over;
    SourceLateStop late_stop;   /* the source's cpr-late-stop capability */
    Vmdesc vmdesc;              /* the vmstate description, both sides */
    GArray *steps;              /* UpdateStep */
    const char *step;           /* current or failed step */
    char *error;
    char *outcome;              /* one line for the report */
    JsonObject *source_migrate; /* source query-migrate at the end */
    gint64 t0_us;
} Update;

void update_init(Update *u, const UpdateOptions *opt);
int update_run(Update *u);
void update_clear(Update *u);

/* For --same-args: the pid of the QEMU behind the source socket. */
int update_source_pid(const char *source_qmp, int greeting_ms, int timeout_ms,
                      GError **errp);

#endif
