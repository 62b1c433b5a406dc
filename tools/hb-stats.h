/*
 * Statistics over the guest's heartbeat lines (see guest/heartbeat.c):
 * arrival gaps, sequence continuity, memory-pattern verification, per
 * QEMU connection (the source's serial chardev, then the destination's).
 */
#ifndef HB_STATS_H
#define HB_STATS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "line-sequence.h"

#define HB_MAX_CONNS 32   /* a VM updated many times in a row */

typedef struct {
    guint64 lines;
    gint64 first_us, last_us;
    guint64 first_seq, last_seq;
    guint64 first_pass, last_pass;
    guint64 bad;
} HbConnStats;

typedef struct {
    LineSequence seq;       /* the parsed "HB " lines, across connections */
    guint64 garbled;        /* lines that looked like heartbeats but did not parse */
    guint64 starts;         /* "HB-START": the workload (re)started */
    guint64 bad;            /* largest bad-word count reported */
    int nconns;
    HbConnStats conn[HB_MAX_CONNS];
} HbStats;

void hb_stats_init(HbStats *s);

/* Account one complete line (no newline) that arrived at @t_us on @conn. */
void hb_stats_feed_line(HbStats *s, const char *line, gint64 t_us, int conn);

/* The summary as a JSON object. */
JsonNode *hb_stats_to_json(const HbStats *s);

#endif
