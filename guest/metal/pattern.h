/*
 * The known pattern in guest RAM: every 32-bit word holds a function of its
 * own physical address, so a lost, stale or misplaced page shows up.  The
 * checker walks the filled area in slices, one slice between two looks at
 * the clock.
 */
#ifndef METAL_PATTERN_H
#define METAL_PATTERN_H

#include <stdint.h>

#include "bootinfo.h"

typedef struct {
    Region area[MAX_REGIONS];   /* the filled parts of RAM */
    int narea;
    uint64_t bytes;             /* filled in all */
    int cur;                    /* checker position: area, address */
    uint32_t pos;
    uint64_t passes;            /* full passes over the filled area */
    uint64_t verified_bytes;
    uint64_t mismatches;        /* every bad word found, counted each pass */
    uint32_t first_bad_addr, first_bad_want, first_bad_got;
} Pattern;

/* Fill up to @bytes of @bi's RAM (less if there is not that much). */
void pattern_fill(Pattern *p, const BootInfo *bi, uint64_t bytes);

/* Check the next @words words; returns the mismatches found there. */
uint32_t pattern_verify_slice(Pattern *p, uint32_t words);

uint32_t pattern_word(uint32_t addr);

/* The address of a word in the middle of the filled area. */
uint32_t pattern_middle(const Pattern *p);

#endif
