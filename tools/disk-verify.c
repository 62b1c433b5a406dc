/* Disk record verification; see disk-verify.h. */
#include "disk-verify.h"

#include <stdio.h>
#include <string.h>

void disk_verify_init(DiskVerify *v, const char *disk)
{
    memset(v, 0, sizeof(*v));
    g_strlcpy(v->disk, disk, sizeof(v->disk));
}

/* The rest of @line after "@tag <disk> ", or NULL if it is not there. */
static const char *after_tag(const DiskVerify *v, const char *line, const char *tag)
{
    g_autofree char *prefix = g_strdup_printf("%s %s ", tag, v->disk);
    const char *p = strstr(line, prefix);

    return p ? p + strlen(prefix) : NULL;
}

void disk_verify_console_line(DiskVerify *v, const char *line)
{
    const char *p;
    unsigned long long seq, boot;

    if ((p = after_tag(v, line, "DISK-START"))) {
        v->writer_starts++;
        if ((p = strstr(p, "boot=")) && sscanf(p, "boot=%llx", &boot) == 1) {
            v->console_boot_id = boot;
        }
        return;
    }
    if (!(p = after_tag(v, line, "DISK")) || sscanf(p, "seq=%llu", &seq) != 1) {
        return;
    }
    if (seq != v->acked) {
        v->ack_breaks++;
    }
    v->acked = MAX(v->acked, seq + 1);
}

void disk_verify_slot(DiskVerify *v, const struct disk_record *r)
{
    guint64 slot = v->slots++;
    enum disk_record_state st = disk_record_check(r, slot, v->console_boot_id);

    if (st == DISK_RECORD_OK) {
        if (v->hole_seen) {
            v->after_hole++;
        } else {
            v->present++;
        }
        return;
    }
    if (st != DISK_RECORD_EMPTY) {
        v->damaged++;
    }
    if (!v->have_first_problem) {
        v->have_first_problem = TRUE;
        v->first_problem_slot = slot;
        v->first_problem = st;
    }
    v->hole_seen = TRUE;
}

guint64 disk_verify_lost(const DiskVerify *v)
{
    return v->acked > v->present ? v->acked - v->present : 0;
}

gboolean disk_verify_ok(const DiskVerify *v)
{
    return disk_verify_lost(v) == 0 && v->damaged == 0 && v->after_hole == 0 &&
           v->ack_breaks == 0 && v->writer_starts <= 1;
}

const char *disk_record_state_name(enum disk_record_state s)
{
    switch (s) {
    case DISK_RECORD_OK:           return "ok";
    case DISK_RECORD_EMPTY:        return "empty";
    case DISK_RECORD_BAD_MAGIC:    return "bad-magic";
    case DISK_RECORD_BAD_CHECKSUM: return "bad-checksum";
    case DISK_RECORD_WRONG_SEQ:    return "wrong-seq";
    case DISK_RECORD_WRONG_BOOT:   return "wrong-boot";
    }
    return "?";
}

static void add_uint(JsonBuilder *b, const char *name, guint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, (gint64)v);
}

JsonNode *disk_verify_to_json(const DiskVerify *v)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "disk");
    json_builder_add_string_value(b, v->disk);
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, disk_verify_ok(v));
    add_uint(b, "acked", v->acked);
    add_uint(b, "present", v->present);
    add_uint(b, "lost", disk_verify_lost(v));
    add_uint(b, "damaged", v->damaged);
    add_uint(b, "out_of_order", v->after_hole);
    add_uint(b, "ack_breaks", v->ack_breaks);
    add_uint(b, "writer_starts", v->writer_starts);
    add_uint(b, "slots", v->slots);
    if (v->have_first_problem) {
        json_builder_set_member_name(b, "first_non_record");
        json_builder_begin_object(b);
        add_uint(b, "slot", v->first_problem_slot);
        json_builder_set_member_name(b, "state");
        json_builder_add_string_value(b, disk_record_state_name(v->first_problem));
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
