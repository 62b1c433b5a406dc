/*
 * The pre-flight compatibility check: before anything touches the guest,
 * can the new binary take this VM?
 *
 * - the source's cpr-transfer prerequisites (query-memdev share=on,
 *   -machine aux-ram-share=on, no migration blocker, mode cpr-transfer);
 * - the source's versioned machine type exists in the destination binary,
 *   and the destination's arguments select that same type;
 * - the two binaries' device state descriptions (-dump-vmstate) compared
 *   by QEMU's scripts/vmstate-static-checker.py (binary-compat.h);
 * - the destination, started in precreate, answers and reports a version.
 *
 * Each check is recorded with its result for the report; a failed one
 * refuses the update.
 */
#ifndef COMPAT_CHECK_H
#define COMPAT_CHECK_H

#include <glib.h>

#include "qmp-client.h"

typedef enum {
    COMPAT_OK,
    COMPAT_WARNING,     /* the update may go on; said in the report */
    COMPAT_FAILED,      /* refuses the update */
    COMPAT_SKIPPED,     /* could not be run (another check failed) */
} CompatResult;

typedef struct {
    char *name;
    CompatResult result;
    char *detail;       /* one line */
    GPtrArray *notes;   /* more lines: findings, ignored findings */
} CompatCheck;

typedef struct {
    int timeout_ms;
    int abort_fd;                   /* readable on Ctrl-C / SIGTERM */
    const char *vmstate_checker;    /* NULL: look in the default places */
} CompatOptions;

typedef struct {
    GPtrArray *checks;      /* CompatCheck, in the order they ran */
    char *source_machine;   /* the versioned machine type the source runs */
    char *source_version;
} Compat;

void compat_init(Compat *c);
void compat_clear(Compat *c);

CompatCheck *compat_add(Compat *c, const char *name, CompatResult result,
                        const char *fmt, ...) G_GNUC_PRINTF(4, 5);
const char *compat_result_name(CompatResult result);

/* The failed checks' details, "; "-joined; NULL if none failed. */
char *compat_failures(const Compat *c);

/* "NAME: detail" of the warnings among checks @from.. into @warnings. */
void compat_collect_warnings(const Compat *c, guint from, GPtrArray *warnings);

/*
 * Everything that needs no destination process: the source over QMP
 * (its pid for /proc/PID/exe), and the destination binary dest_argv[0]
 * run with -machine help and -dump-vmstate.
 */
void compat_check_source(Compat *c, QmpClient *src, int source_pid,
                         GPtrArray *dest_argv, const char *dest_cwd,
                         const CompatOptions *o);

/* The destination started in precreate: its version. */
void compat_check_destination(Compat *c, QmpClient *dst, const CompatOptions *o);

#endif
