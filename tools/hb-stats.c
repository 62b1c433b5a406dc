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
    line_sequence_feed(&s->seq, seq, t_us);
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

JsonNode *hb_stats_to_json(const HbStats *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    line_sequence_add_members(&s->seq, b);
    json_add_uint_member(b, "garbled", s->garbled);
    json_add_uint_member(b, "starts", s->starts);
    json_builder_set_member_name(b, "continuous");
    json_builder_add_boolean_value(b, s->seq.lines > 0 && s->seq.seq_breaks == 0 &&
                                      s->garbled == 0 && s->starts <= 1);
    json_add_uint_member(b, "bad", s->bad);
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
    json_builder_set_member_name(b, "connections");
    json_builder_begin_array(b);
    for (int i = 0; i < s->nconns; i++) {
        const HbConnStats *cs = &s->conn[i];

        json_builder_begin_object(b);
        json_add_uint_member(b, "lines", cs->lines);
        json_add_uint_member(b, "first_seq", cs->first_seq);
        json_add_uint_member(b, "last_seq", cs->last_seq);
        /* Full verification passes completed while on this connection. */
        json_add_uint_member(b, "passes", cs->lines ? cs->last_pass - cs->first_pass : 0);
        json_add_uint_member(b, "bad", cs->bad);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
