/*
 * Building one output line: text, decimal and hex numbers.  32-bit code
 * without libgcc, so 64-bit division goes through div64() (two divl).
 */
#ifndef METAL_FMT_H
#define METAL_FMT_H

#include <stdint.h>

typedef struct {
    char buf[160];
    unsigned len;
} Line;

/* @n / @d, remainder in *@rem (may be NULL). */
uint64_t div64(uint64_t n, uint32_t d, uint32_t *rem);

void line_reset(Line *l);
void line_str(Line *l, const char *s);
void line_u64(Line *l, uint64_t v);
void line_hex32(Line *l, uint32_t v);

#endif
