/*
 * The records the demo guest writes to its virtio disk (guest/disk-writer.c)
 * and the host checks on the image afterwards (tools/disk-check.c).
 * Plain C with no library, so the static guest program can include it.
 *
 * Record N lives in slot N: bytes [N * DISK_RECORD_SIZE, (N + 1) * SIZE)
 * of the disk.  The guest writes slots in order, one at a time, each with
 * O_DIRECT|O_SYNC, and reports a record only once its write returned.  So
 * on the image every reported record must be there, and no record may
 * follow an empty or damaged slot.
 */
#ifndef DISK_RECORD_H
#define DISK_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DISK_RECORD_SIZE 512
#define DISK_RECORD_MAGIC 0x3143455244525043ULL   /* "CPRDREC1" little-endian */

struct disk_record {
    uint64_t magic;
    uint64_t seq;          /* = slot number */
    uint64_t boot_id;      /* random per guest boot: a reboot cannot pass */
    uint64_t guest_ns;     /* guest monotonic clock when written */
    uint8_t payload[DISK_RECORD_SIZE - 5 * sizeof(uint64_t)];
    uint64_t checksum;     /* FNV-1a 64 of every byte before it */
};

_Static_assert(sizeof(struct disk_record) == DISK_RECORD_SIZE, "record size");

enum disk_record_state {
    DISK_RECORD_OK,
    DISK_RECORD_EMPTY,         /* all zero: never written */
    DISK_RECORD_BAD_MAGIC,
    DISK_RECORD_BAD_CHECKSUM,
    DISK_RECORD_WRONG_SEQ,     /* a valid record in the wrong slot */
    DISK_RECORD_WRONG_BOOT,    /* a valid record from another boot */
};

static inline uint64_t disk_record_checksum(const struct disk_record *r)
{
    const uint8_t *p = (const uint8_t *)r;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < offsetof(struct disk_record, checksum); i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

/* The payload depends on seq and boot, so a record copied elsewhere or a
 * torn write of two records cannot pass. */
static inline void disk_record_fill(struct disk_record *r, uint64_t seq,
                                    uint64_t boot_id, uint64_t guest_ns)
{
    uint64_t x = seq * 0x9e3779b97f4a7c15ULL ^ boot_id;

    r->magic = DISK_RECORD_MAGIC;
    r->seq = seq;
    r->boot_id = boot_id;
    r->guest_ns = guest_ns;
    for (size_t i = 0; i < sizeof(r->payload); i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        r->payload[i] = (uint8_t)x;
    }
    r->checksum = disk_record_checksum(r);
}

static inline int disk_record_is_zero(const struct disk_record *r)
{
    const uint8_t *p = (const uint8_t *)r;

    for (size_t i = 0; i < sizeof(*r); i++) {
        if (p[i]) {
            return 0;
        }
    }
    return 1;
}

/* Check the record found in @slot; @boot_id 0 accepts any boot. */
static inline enum disk_record_state
disk_record_check(const struct disk_record *r, uint64_t slot, uint64_t boot_id)
{
    if (disk_record_is_zero(r)) {
        return DISK_RECORD_EMPTY;
    }
    if (r->magic != DISK_RECORD_MAGIC) {
        return DISK_RECORD_BAD_MAGIC;
    }
    if (r->checksum != disk_record_checksum(r)) {
        return DISK_RECORD_BAD_CHECKSUM;
    }
    if (r->seq != slot) {
        return DISK_RECORD_WRONG_SEQ;
    }
    if (boot_id && r->boot_id != boot_id) {
        return DISK_RECORD_WRONG_BOOT;
    }
    return DISK_RECORD_OK;
}

#endif
