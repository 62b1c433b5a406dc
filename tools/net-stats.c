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
    if (s->seq.lines > 0 && conn != s->last_guest_conn) {
        s->guest_conn_changes++;
    }
    s->last_guest_conn = conn;
    line_sequence_feed(&s->seq, seq, t_us);
}

gboolean net_stats_continuous(const NetStats *s)
{
    return s->seq.lines > 0 && s->connections == 1 && s->resets == 0 &&
           s->closes == 0 && s->seq.seq_breaks == 0 && s->garbled == 0 &&
           s->guest_conn_changes == 0;
}

JsonNode *net_stats_to_json(const NetStats *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_add_uint_member(b, "connections", s->connections);
    json_add_uint_member(b, "resets", s->resets);
    json_add_uint_member(b, "closes", s->closes);
    json_add_uint_member(b, "open", s->connections - s->resets - s->closes);
    line_sequence_add_members(&s->seq, b);
    json_add_uint_member(b, "garbled", s->garbled);
    json_add_uint_member(b, "guest_reconnects", s->guest_conn_changes);
    json_builder_set_member_name(b, "continuous");
    json_builder_add_boolean_value(b, net_stats_continuous(s));
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
