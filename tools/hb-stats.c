/* Heartbeat statistics; see hb-stats.h. */
#include "hb-stats.h"

#include <stdio.h>
#include <string.h>

void hb_stats_init(HbStats *s)
{
    memset(s, 0, sizeof(*s));
}

void hb_stats_feed_line(HbStats *s, const char *line, gint64 t_us, int conn)
{
    unsigned long long seq, pass, verified, bad;
    HbConnStats *cs;

    if (g_str_has_prefix(line, "HB-START")) {
        s->starts++;
        return;
    }
    if (!g_str_has_prefix(line, "HB ")) {
        return;
    }
    if (sscanf(line, "HB seq=%llu pass=%llu verified=%llu bad=%llu",
               &seq, &pass, &verified, &bad) != 4 ||
        conn < 0 || conn >= HB_MAX_CONNS) {
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
        if (t_us - s->last_us > s->max_gap_us) {
            s->max_gap_us = t_us - s->last_us;
            s->max_gap_seq = seq;
        }
    }
    s->lines++;
    s->last_seq = seq;
    s->last_us = t_us;
    s->bad = MAX(s->bad, bad);

    if (conn >= s->nconns) {
        s->nconns = conn + 1;
    }
    cs = &s->conn[conn];
    if (cs->lines == 0) {
        cs->first_seq = seq;
        cs->first_pass = pass;
        cs->first_us = t_us;
    }
    cs->last_us = t_us;
    cs->lines++;
    cs->last_seq = seq;
    cs->last_pass = pass;
    cs->bad = MAX(cs->bad, bad);
}

static void add_uint(JsonBuilder *b, const char *name, guint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, (gint64)v);
}

JsonNode *hb_stats_to_json(const HbStats *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_uint(b, "lines", s->lines);
    add_uint(b, "garbled", s->garbled);
    add_uint(b, "starts", s->starts);
    add_uint(b, "first_seq", s->first_seq);
    add_uint(b, "last_seq", s->last_seq);
    add_uint(b, "seq_breaks", s->seq_breaks);
    json_builder_set_member_name(b, "continuous");
    json_builder_add_boolean_value(b, s->lines > 0 && s->seq_breaks == 0 &&
                                      s->garbled == 0 && s->starts <= 1);
    add_uint(b, "bad", s->bad);
    json_builder_set_member_name(b, "max_gap_ms");
    json_builder_add_double_value(b, s->max_gap_us / 1000.0);
    add_uint(b, "max_gap_seq", s->max_gap_seq);
    /*
     * The pause the guest saw at the live update: from the last heartbeat
     * through the previous QEMU to the first through the last one.
     */
    if (s->nconns >= 2 && s->conn[s->nconns - 1].lines &&
        s->conn[s->nconns - 2].lines) {
        json_builder_set_member_name(b, "switch_gap_ms");
        json_builder_add_double_value(b, (s->conn[s->nconns - 1].first_us -
                                          s->conn[s->nconns - 2].last_us) / 1000.0);
    }
    json_builder_set_member_name(b, "duration_ms");
    json_builder_add_double_value(b, (s->last_us - s->first_us) / 1000.0);
    json_builder_set_member_name(b, "connections");
    json_builder_begin_array(b);
    for (int i = 0; i < s->nconns; i++) {
        const HbConnStats *cs = &s->conn[i];

        json_builder_begin_object(b);
        add_uint(b, "lines", cs->lines);
        add_uint(b, "first_seq", cs->first_seq);
        add_uint(b, "last_seq", cs->last_seq);
        /* Full verification passes completed while on this connection. */
        add_uint(b, "passes", cs->lines ? cs->last_pass - cs->first_pass : 0);
        add_uint(b, "bad", cs->bad);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
