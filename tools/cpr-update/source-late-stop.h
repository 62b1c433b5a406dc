/*
 * When the source stops its guest.  A stock cpr-transfer source stops it
 * as soon as the main channel connects, before its migration thread even
 * starts; a source with the cpr-late-stop capability (our series) can
 * keep it running through that setup and stop it just before saving the
 * device state, which shortens the pause.  cpr-update turns it on where
 * the source has it, and off again if the update is rolled back.
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

typedef struct {
    LateStopState state;    /* as found on the source, then as set */
    gboolean changed;       /* turned on by cpr-update */
} SourceLateStop;

/* The capability's state in the source's query-migrate-capabilities reply. */
void source_late_stop_read(SourceLateStop *ls, JsonNode *capabilities);

/* Turn it on where the source has it off; FALSE if the source refused. */
gboolean source_late_stop_enable(SourceLateStop *ls, QmpClient *src,
                                 int timeout_ms, GError **errp);

/* Turn off again what source_late_stop_enable() turned on. */
gboolean source_late_stop_restore(SourceLateStop *ls, QmpClient *src,
                                  int timeout_ms);

#endif
