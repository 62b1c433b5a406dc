/*
 * A numbered stream of lines as the host receives it (the guest's
 * heartbeats, its TCP lines): is the numbering continuous, and what was
 * the longest time without a line.  Shared by hb-stats and net-stats.
 */
#ifndef LINE_SEQUENCE_H
#define LINE_SEQUENCE_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
    guint64 lines;          /* numbered lines accounted */
    guint64 first_seq, last_seq;
    guint64 seq_breaks;     /* times seq was not previous + 1 */
    gint64 first_us, last_us;
    gint64 max_gap_us;      /* longest time between two lines */
    guint64 max_gap_seq;    /* seq of the line that ended it */
} LineSequence;

/* Account the line numbered @seq that arrived at @t_us. */
void line_sequence_feed(LineSequence *q, guint64 seq, gint64 t_us);

/*
 * Add the members lines, first_seq, last_seq, seq_breaks, max_gap_ms,
 * max_gap_seq and duration_ms to the JSON object @b is building.
 */
void line_sequence_add_members(const LineSequence *q, JsonBuilder *b);

/* Add the member @name with the unsigned value @v to the object @b builds. */
void json_add_uint_member(JsonBuilder *b, const char *name, guint64 v);

#endif
