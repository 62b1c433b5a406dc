/*
 * --timeline: the destination logs the phase events of the update (trace
 * events on the host's clock, RUNDIR/trace.log), and the report shows the
 * phases (tools/phase-timeline.h), relative to the source's stop when the
 * source's own trace log is given with --source-log.
 */
#ifndef UPDATE_TIMELINE_H
#define UPDATE_TIMELINE_H

#include <stdio.h>

#include "update.h"

/* Add the trace options to the destination's @argv (when --timeline). */
void update_timeline_dest_args(const Update *u, GPtrArray *argv);

/* Add "timeline" (and "destination_trace") to a JSON report (when --timeline). */
void update_timeline_json(const Update *u, JsonBuilder *b);

/* The timeline in the text report (when --timeline). */
void update_timeline_print(const Update *u, FILE *out);

#endif
