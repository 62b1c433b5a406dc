/* Cancelling the source's migration; see migration-cancel.h. */
#include "migration-cancel.h"

/*
 * How long the source's monitor may stay silent before its migration
 * thread is taken to be stuck sending the device state to the stopped
 * destination (the socket full): the stream is then incomplete, and
 * killing the destination is what lets the source fail and go on.
 */
#define SOURCE_SILENT_MS 2000

/* The source's monitor gave no answer in time (rather than an error). */
static gboolean silent(const GError *err)
{
    return g_error_matches(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_TIMEOUT);
}

CancelOutcome migration_cancel(QmpClient *src, DestProcess *dest, int timeout_ms,
                               JsonObject **completed_out)
{
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
    gboolean frozen = dest_process_freeze(dest);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = NULL;

    r = qmp_client_execute(src, "migrate_cancel", NULL, SOURCE_SILENT_MS, &err);
    if (silent(err)) {
        dest_process_kill(dest);    /* the source is stuck writing to it */
    }
    for (;;) {
        g_autoptr(GError) qerr = NULL;
        g_autoptr(JsonNode) mig = qmp_client_execute(src, "query-migrate", NULL,
                                                     SOURCE_SILENT_MS, &qerr);
        /* No status: no migration at all (it never started). */
        g_autofree char *st = mig ? qmp_reply_string(mig, "status") ?: g_strdup("none") : NULL;

        if (!mig && !silent(qerr)) {
            dest_process_kill(dest);    /* the source is gone or makes no sense */
            return CANCEL_UNSETTLED;
        } else if (!mig) {
            dest_process_kill(dest);
        } else if (g_str_equal(st, "completed")) {
            if (frozen && !dest_process_thaw(dest)) {
                /*
                 * Killed above while the source was silent, which should
                 * mean still sending (a source that cannot send fails).
                 * Whether it ran the guest before it was stopped cannot
                 * be told from here: resuming the source is left to the
                 * operator.
                 */
                return CANCEL_BOTH_STOPPED;
            }
            *completed_out = json_object_ref(json_node_get_object(mig));
            return CANCEL_TOO_LATE;
        } else if (g_str_equal(st, "failed") || g_str_equal(st, "cancelled") ||
                   g_str_equal(st, "none")) {
            dest_process_kill(dest);
            return CANCEL_SOURCE_KEPT;
        }
        if (g_get_monotonic_time() > deadline) {
            dest_process_kill(dest);
            return CANCEL_UNSETTLED;
        }
        g_usleep(20 * 1000);
    }
}
