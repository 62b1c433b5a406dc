/* Multiboot v1 info: command line and memory map; see bootinfo.h. */
#include "bootinfo.h"

#define MB_LOADER_MAGIC 0x2badb002
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MMAP (1u << 6)
#define MMAP_USABLE 1
#define PAGE 4096u
#define BELOW_4G 0xfffff000ull  /* highest page boundary a 32-bit pointer reaches */

extern char _end[];             /* end of the guest's image (link.ld) */

typedef struct __attribute__((packed)) {
    uint32_t size;              /* of the rest of the entry */
    uint64_t base, len;
    uint32_t type;
} MmapEntry;

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

static int is_end(char c)
{
    return c == '\0' || c == ' ';
}

/* A decimal number, with a K/M/G suffix when @size; 0 on a bad value. */
static int parse_number(const char *s, int size, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;

    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (v > 0xffffffffffull) {
            return 0;
        }
        v = v * 10 + (*s - '0');
    }
    if (!digits) {
        return 0;
    }
    if (size && (*s == 'K' || *s == 'k')) {
        v <<= 10, s++;
    } else if (size && (*s == 'M' || *s == 'm')) {
        v <<= 20, s++;
    } else if (size && (*s == 'G' || *s == 'g')) {
        v <<= 30, s++;
    }
    *out = v;
    return is_end(*s);
}

static void parse_cmdline(BootInfo *bi, const char *p)
{
    while (*p) {
        uint64_t v;

        if (starts_with(p, "fill=")) {
            if (!parse_number(p + 5, 1, &v) || v == 0) {
                bi->error = "fill= must be a size like 256M";
            } else {
                bi->fill_bytes = v;
            }
        } else if (starts_with(p, "period_us=")) {
            if (!parse_number(p + 10, 0, &v) || v < 10 || v > 1000000) {
                bi->error = "period_us= must be 10 to 1000000";
            } else {
                bi->period_us = (uint32_t)v;
            }
        } else if (starts_with(p, "corrupt_test=")) {
            if (!parse_number(p + 13, 0, &v) || v == 0 || v > 0xffffffffull) {
                bi->error = "corrupt_test= must be a heartbeat number, 1 or more";
            } else {
                bi->corrupt_at_seq = (uint32_t)v;
            }
        }
        while (*p && *p != ' ') {
            p++;
        }
        while (*p == ' ') {
            p++;
        }
    }
}

static void add_region(BootInfo *bi, uint64_t base, uint64_t len)
{
    uint64_t lo = base, hi = base + len;
    uint64_t image_end = ((uint32_t)_end + PAGE - 1) & ~(uint64_t)(PAGE - 1);

    if (lo < image_end) {
        lo = image_end;
    }
    if (hi > BELOW_4G) {
        hi = BELOW_4G;
    }
    lo = (lo + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    hi &= ~(uint64_t)(PAGE - 1);
    if (lo >= hi || bi->nram == MAX_REGIONS) {
        return;
    }
    bi->ram[bi->nram].start = (uint32_t)lo;
    bi->ram[bi->nram].end = (uint32_t)hi;
    bi->nram++;
}

void bootinfo_read(BootInfo *bi, uint32_t magic, uint32_t mbi)
{
    const uint32_t *info = (const uint32_t *)mbi;

    bi->fill_bytes = 64ull << 20;
    bi->period_us = 1000;
    bi->corrupt_at_seq = 0;
    bi->error = 0;
    bi->nram = 0;
    if (magic != MB_LOADER_MAGIC) {
        bi->error = "not started by a multiboot loader";
        return;
    }
    if (info[0] & MB_INFO_CMDLINE) {
        parse_cmdline(bi, (const char *)info[4]);
    }
    if (!(info[0] & MB_INFO_MMAP)) {
        bi->error = "the loader gave no memory map";
        return;
    }
    for (uint32_t off = 0; off < info[11]; ) {
        const MmapEntry *e = (const MmapEntry *)(info[12] + off);

        if (e->type == MMAP_USABLE) {
            add_region(bi, e->base, e->len);
        }
        off += e->size + 4;
    }
}
