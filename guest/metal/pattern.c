/* Fill and verify; see pattern.h. */
#include "pattern.h"

#define PATTERN_SEED 0x5eedc0deu

uint32_t pattern_word(uint32_t addr)
{
    /* An odd multiplier maps distinct word addresses to distinct values. */
    return (addr * 0x9e3779b1u) ^ PATTERN_SEED;
}

void pattern_fill(Pattern *p, const BootInfo *bi, uint64_t bytes)
{
    uint64_t left = bytes;

    p->narea = 0;
    p->bytes = 0;
    for (int i = 0; i < bi->nram && left; i++) {
        uint32_t start = bi->ram[i].start;
        uint64_t size = bi->ram[i].end - start;

        if (size > left) {
            size = left & ~4095ull;
        }
        if (!size) {
            break;
        }
        for (uint32_t a = start; a != start + (uint32_t)size; a += 4) {
            *(volatile uint32_t *)a = pattern_word(a);
        }
        p->area[p->narea].start = start;
        p->area[p->narea].end = start + (uint32_t)size;
        p->narea++;
        p->bytes += size;
        left -= size;
    }
    p->cur = 0;
    p->pos = p->narea ? p->area[0].start : 0;
    p->passes = p->verified_bytes = p->mismatches = 0;
}

uint32_t pattern_verify_slice(Pattern *p, uint32_t words)
{
    uint32_t bad = 0;

    if (!p->narea) {
        return 0;
    }
    while (words) {
        const Region *r = &p->area[p->cur];
        uint32_t n = (r->end - p->pos) / 4;

        if (n > words) {
            n = words;
        }
        for (uint32_t a = p->pos, end = p->pos + n * 4; a != end; a += 4) {
            uint32_t got = *(volatile uint32_t *)a;

            if (got != pattern_word(a)) {
                if (!p->mismatches && !bad) {
                    p->first_bad_addr = a;
                    p->first_bad_want = pattern_word(a);
                    p->first_bad_got = got;
                }
                bad++;
            }
        }
        words -= n;
        p->pos += n * 4;
        p->verified_bytes += n * 4;
        if (p->pos == r->end) {
            if (++p->cur == p->narea) {
                p->cur = 0;
                p->passes++;
            }
            p->pos = p->area[p->cur].start;
        }
    }
    p->mismatches += bad;
    return bad;
}

uint32_t pattern_middle(const Pattern *p)
{
    const Region *r = &p->area[p->narea / 2];

    return (r->start + (r->end - r->start) / 2) & ~3u;
}
