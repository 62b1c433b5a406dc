/*
 * Cancelling the source's migration without the guest running twice.
 *
 * The source holds the BQL while it saves and sends the device state, so
 * a migrate_cancel that reaches it meanwhile runs only once the last byte
 * has gone out, before the source marks the migration completed.  The
 * source then resumes the guest, while the destination, which has the
 * whole stream, loads it and starts the guest as well: two QEMUs running
 * one guest on the same RAM and disks.  So the destination is stopped
 * (SIGSTOP) before the cancel and, once the source has settled, either
 * killed (the source kept the guest) or let go on (the source completed).
 */
#ifndef MIGRATION_CANCEL_H
#define MIGRATION_CANCEL_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dest-process.h"
#include "qmp-client.h"

typedef enum {
    CANCEL_SOURCE_KEPT,     /* cancelled or failed; the destination is gone */
    CANCEL_TOO_LATE,        /* completed after all; the destination goes on */
    CANCEL_UNSETTLED,       /* no final state in time; destination killed */
    CANCEL_BOTH_STOPPED,    /* completed after the destination was killed */
} CancelOutcome;

/*
 * Cancel the source's migration, waiting up to @timeout_ms for a final
 * state.  With CANCEL_TOO_LATE, *@completed_out is the source's
 * query-migrate reply.
 */
CancelOutcome migration_cancel(QmpClient *src, DestProcess *dest, int timeout_ms,
                               JsonObject **completed_out);

#endif
