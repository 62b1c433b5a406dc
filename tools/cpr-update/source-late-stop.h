/*
 * When the source stops its guest.  A stock cpr-transfer source stops it
 * as soon as the main channel connects, before its migration thread even
 * starts; a source with the cpr-late-stop capability (our series) can
 * keep it running through that setup and stop it just before saving the
 * device state, which shortens the pause.  cpr-update turns it on where
 * the source has it, and restores it if the update is rolled back.
 */
#ifndef SOURCE_LATE_STOP_H
#define SOURCE_LATE_STOP_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "qmp-client.h"

#define SOURCE_LATE_STOP_CAPABILITY "cpr-late-stop"

typedef enum {
    LATE_STOP_ABSENT,       /* a source without the capability (stock) */
    LATE_STOP_OFF,
    LATE_STOP_ON,
} LateStopState;

/* The capability's state in a query-migrate-capabilities reply. */
LateStopState source_late_stop_state(JsonNode *capabilities);

/* Set it on the source; FALSE with @errp set if the source refused. */
gboolean source_late_stop_set(QmpClient *src, gboolean on, int timeout_ms,
                              GError **errp);

#endif
