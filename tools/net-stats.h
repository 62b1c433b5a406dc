/*
 * Statistics over the guest's TCP lines (guest/net-talker.c sends
 * "NET seq=<n> conn=<k>"): connections, how they ended, sequence
 * continuity across them and the longest time without a line.
 */
#ifndef NET_STATS_H
#define NET_STATS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "line-sequence.h"

typedef struct {
    guint connections;      /* accepted */
    guint resets;           /* ended with an error (RST, timeout) */
    guint closes;           /* ended with an orderly close */
    LineSequence seq;       /* the parsed "NET " lines */
    guint64 garbled;        /* lines that did not parse */
    guint64 guest_conn_changes; /* the guest's own conn number changed */
    guint64 last_guest_conn;
} NetStats;

void net_stats_init(NetStats *s);
void net_stats_connected(NetStats *s);
/* A connection ended: @err is 0 for an orderly close, else the errno. */
void net_stats_ended(NetStats *s, int err);
/* Account one complete line (no newline) that arrived at @t_us. */
void net_stats_feed_line(NetStats *s, const char *line, gint64 t_us);
/* One connection from start to end, no reset, no lost line. */
gboolean net_stats_continuous(const NetStats *s);
JsonNode *net_stats_to_json(const NetStats *s);

#endif
