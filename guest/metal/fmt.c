/* Line building; see fmt.h. */
#include "fmt.h"

uint64_t div64(uint64_t n, uint32_t d, uint32_t *rem)
{
    uint32_t hi = n >> 32, lo = (uint32_t)n;
    uint32_t q_hi = hi / d, r = hi % d, q_lo;

    /* r < d, so the quotient of r:lo / d fits in 32 bits: divl cannot fault. */
    __asm__("divl %4" : "=a"(q_lo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
    if (rem) {
        *rem = r;
    }
    return (uint64_t)q_hi << 32 | q_lo;
}

void line_reset(Line *l)
{
    l->len = 0;
}

static void line_char(Line *l, char c)
{
    if (l->len < sizeof(l->buf)) {
        l->buf[l->len++] = c;
    }
}

void line_str(Line *l, const char *s)
{
    while (*s) {
        line_char(l, *s++);
    }
}

void line_u64(Line *l, uint64_t v)
{
    char digits[20];
    int n = 0;

    do {
        uint32_t r;

        v = div64(v, 10, &r);
        digits[n++] = '0' + r;
    } while (v);
    while (n) {
        line_char(l, digits[--n]);
    }
}

void line_hex32(Line *l, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";

    line_str(l, "0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        line_char(l, hex[(v >> shift) & 0xf]);
    }
}
