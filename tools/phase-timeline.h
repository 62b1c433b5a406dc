/*
 * The phases of one live update on the host's wall clock, from the trace
 * logs of both QEMU processes (log trace backend with -msg timestamp=on:
 * "TID@SECONDS.MICROS:EVENT ARGS") and from hbmon's log of the guest's
 * heartbeat.  Events used (QEMU 10.0 names): runstate_set,
 * migrate_set_state, cpr_state_save, cpr_state_load, loadvm_state_setup,
 * qemu_loadvm_state_post_main.
 */
#ifndef PHASE_TIMELINE_H
#define PHASE_TIMELINE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

typedef enum {
    PHASE_SOURCE_CPR_SAVED,     /* source: migration starts (cpr_state_save) */
    PHASE_DEST_CPR_LOADED,      /* destination read it */
    PHASE_HB_LAST_SOURCE,       /* last heartbeat through the source */
    PHASE_SOURCE_STOP,          /* source: running -> finish-migrate */
    PHASE_SOURCE_COMPLETE,      /* source: migration completed */
    PHASE_DEST_LOAD_START,      /* destination: loadvm_state_setup */
    PHASE_DEST_LOAD_END,        /* destination: qemu_loadvm_state_post_main */
    PHASE_DEST_RUNNING,         /* destination: -> running */
    PHASE_HB_FIRST_DEST,        /* first heartbeat through the destination */
    PHASE_COUNT
} Phase;

typedef struct {
    gint64 t_us[PHASE_COUNT];   /* host wall clock, microseconds; 0: not seen */
} Timeline;

/* One trace log line; FALSE if it is not one. */
typedef struct {
    gint64 t_us;
    char event[64];
    const char *args;           /* points into the line */
} TraceEvent;

gboolean trace_event_parse(const char *line, TraceEvent *ev);

void timeline_init(Timeline *tl);

/* Read the trace log of the source (@is_source) or of the destination. */
gboolean timeline_add_trace(Timeline *tl, const char *path, gboolean is_source,
                            GError **errp);

/*
 * Read hbmon's log: the guest's switch from one QEMU to the next is the
 * first heartbeat after the source's stop on another connection than the
 * last heartbeat before it (the last switch in the log if the stop is
 * not known).  Read the source's trace first.
 */
gboolean timeline_add_heartbeat(Timeline *tl, const char *path, GError **errp);

/* Stable name of a phase ("source_stop", ...) and its description. */
const char *phase_name(Phase p);
const char *phase_description(Phase p);

/*
 * The phase times are relative to: the source's stop, or without the
 * source's log the destination's load start (else its CPR state read);
 * PHASE_COUNT if none is known.
 */
Phase timeline_reference(const Timeline *tl);

/* Milliseconds from the reference to @p; FALSE if either is unknown. */
gboolean timeline_ms(const Timeline *tl, Phase p, double *ms);

/* Text, phases in time order, ms relative to the reference. */
void timeline_print_text(const Timeline *tl, FILE *out);

/*
 * {"reference": "source_stop", "source_stop": 0.0, ...,
 *  "stop_to_running_ms": ..., ...}; null where unknown.
 */
JsonNode *timeline_to_json(const Timeline *tl);

#endif
