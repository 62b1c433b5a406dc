/* A numbered stream of lines; see line-sequence.h. */
#include "line-sequence.h"

void line_sequence_feed(LineSequence *q, guint64 seq, gint64 t_us)
{
    if (q->lines == 0) {
        q->first_seq = seq;
        q->first_us = t_us;
    } else {
        if (seq != q->last_seq + 1) {
            q->seq_breaks++;
        }
        if (t_us - q->last_us > q->max_gap_us) {
            q->max_gap_us = t_us - q->last_us;
            q->max_gap_seq = seq;
        }
    }
    q->lines++;
    q->last_seq = seq;
    q->last_us = t_us;
}

void json_add_uint_member(JsonBuilder *b, const char *name, guint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, (gint64)v);
}

void line_sequence_add_members(const LineSequence *q, JsonBuilder *b)
{
    json_add_uint_member(b, "lines", q->lines);
    json_add_uint_member(b, "first_seq", q->first_seq);
    json_add_uint_member(b, "last_seq", q->last_seq);
    json_add_uint_member(b, "seq_breaks", q->seq_breaks);
    json_builder_set_member_name(b, "max_gap_ms");
    json_builder_add_double_value(b, q->max_gap_us / 1000.0);
    json_add_uint_member(b, "max_gap_seq", q->max_gap_seq);
    json_builder_set_member_name(b, "duration_ms");
    json_builder_add_double_value(b, (q->last_us - q->first_us) / 1000.0);
}
