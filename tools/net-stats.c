/* TCP line statistics; see net-stats.h. */
#include "net-stats.h"

#include <stdio.h>
#include <string.h>

void net_stats_init(NetStats *s)
{
    memset(s, 0, sizeof(*s));
}

void net_stats_connected(NetStats *s)
{
    s->connections++;
}

void net_stats_ended(NetStats *s, int err)
{
    if (err) {
        s->resets++;
    } else {
        s->closes++;
    }
}

void net_stats_feed_line(NetStats *s, const char *line, gint64 t_us)
{
    unsigned long long seq, conn;
    int end = 0;

    if (sscanf(line, "NET seq=%llu conn=%llu%n", &seq, &conn, &end) != 2 ||
        line[end] != '\0') {
        s->garbled++;
        return;
    }
    if (s->lines == 0) {
        s->first_seq = seq;
        s->first_us = t_us;
    } else {
        if (seq != s->last_seq + 1) {
            s->seq_breaks++;
        }
        if (conn != s->last_guest_conn) {
            s->guest_conn_changes++;
        }
        if (t_us - s->last_us > s->max_gap_us) {
            s->max_gap_us = t_us - s->last_us;
            s->max_gap_seq = seq;
        }
    }
    s->lines++;
    s->last_seq = seq;
    s->last_guest_conn = conn;
    s->last_us = t_us;
}

gboolean net_stats_continuous(const NetStats *s)
{
    return s->lines > 0 && s->connections == 1 && s->resets == 0 &&
           s->closes == 0 && s->seq_breaks == 0 && s->garbled == 0 &&
           s->guest_conn_changes == 0;
}

static void add_uint(JsonBuilder *b, const char *name, guint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, (gint64)v);
}

JsonNode *net_stats_to_json(const NetStats *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_uint(b, "connections", s->connections);
    add_uint(b, "resets", s->resets);
    add_uint(b, "closes", s->closes);
    add_uint(b, "open", s->connections - s->resets - s->closes);
    add_uint(b, "lines", s->lines);
    add_uint(b, "garbled", s->garbled);
    add_uint(b, "first_seq", s->first_seq);
    add_uint(b, "last_seq", s->last_seq);
    add_uint(b, "seq_breaks", s->seq_breaks);
    add_uint(b, "guest_reconnects", s->guest_conn_changes);
    json_builder_set_member_name(b, "continuous");
    json_builder_add_boolean_value(b, net_stats_continuous(s));
    json_builder_set_member_name(b, "max_gap_ms");
    json_builder_add_double_value(b, s->max_gap_us / 1000.0);
    add_uint(b, "max_gap_seq", s->max_gap_seq);
    json_builder_set_member_name(b, "duration_ms");
    json_builder_add_double_value(b, (s->last_us - s->first_us) / 1000.0);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
