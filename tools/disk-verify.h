/*
 * Checking the demo guest's disk records (disk-record.h) on one disk
 * against what the guest reported durable on its serial console
 * ("DISK <disk> seq=N" lines, <disk> the guest's name for it, like vda).
 *
 * Feed the console lines, then every slot of the image in order; the
 * verdict: every reported record is on the image with its checksum, in
 * its slot, from the same boot, and no record follows an empty or damaged
 * slot (the guest writes one slot at a time, in order).
 */
#ifndef DISK_VERIFY_H
#define DISK_VERIFY_H

#include "disk-record.h"

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
    char disk[32];           /* the guest's device name */
    /* from the console */
    guint64 acked;           /* records reported durable: highest seq + 1 */
    guint64 ack_breaks;      /* a report that was not previous + 1 */
    guint writer_starts;     /* DISK-START lines: more than one = restarted */
    guint64 console_boot_id; /* from DISK-START */
    /* from the image */
    guint64 slots;           /* slots read */
    guint64 present;         /* valid records before the first non-valid slot */
    gboolean hole_seen;
    guint64 after_hole;      /* valid records after it: out of order */
    guint64 damaged;         /* non-empty slots that are not valid records */
    gboolean have_first_problem;
    guint64 first_problem_slot;
    enum disk_record_state first_problem;
} DiskVerify;

/* Check the disk the guest calls @disk (vda, vdb...). */
void disk_verify_init(DiskVerify *v, const char *disk);
/* One console line (a "DISK..." line of this disk anywhere in it counts). */
void disk_verify_console_line(DiskVerify *v, const char *line);
/* The next slot of the image, read in order from slot 0. */
void disk_verify_slot(DiskVerify *v, const struct disk_record *r);
/* Reported records missing or damaged on the image. */
guint64 disk_verify_lost(const DiskVerify *v);
gboolean disk_verify_ok(const DiskVerify *v);
const char *disk_record_state_name(enum disk_record_state s);
JsonNode *disk_verify_to_json(const DiskVerify *v);

#endif
