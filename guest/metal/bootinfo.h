/*
 * What the loader tells the guest (multiboot v1 info): its settings from
 * the command line and the RAM it may fill.  Everything is copied out, so
 * the info itself may then be overwritten by the fill.
 */
#ifndef METAL_BOOTINFO_H
#define METAL_BOOTINFO_H

#include <stdint.h>

#define MAX_REGIONS 16

typedef struct {
    uint32_t start, end;        /* [start, end), 4 KiB aligned, below 4 GiB */
} Region;

typedef struct {
    uint64_t fill_bytes;        /* fill=SIZE (K/M/G suffix), default 64M */
    uint32_t period_us;         /* period_us=N, default 1000 */
    uint32_t corrupt_at_seq;    /* corrupt_test=N: flip a word at heartbeat N */
    const char *error;          /* a setting that did not parse, or NULL */
    Region ram[MAX_REGIONS];    /* usable RAM above the guest's own image */
    int nram;
} BootInfo;

/* Read the multiboot info at @mbi; @magic is what the loader put in EAX. */
void bootinfo_read(BootInfo *bi, uint32_t magic, uint32_t mbi);

#endif
