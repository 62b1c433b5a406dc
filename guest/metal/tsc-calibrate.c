/*
 * TSC calibration against PIT channel 2, which runs at 1.193182 MHz
 * whatever the host: a one-shot count of CALIBRATE_MS, its start (the gate
 * raised) and its end (the channel's output, port 0x61 bit 5, seen high)
 * each bracketed by two TSC reads.  A round's uncertainty is the width of
 * both brackets: one port access (an exit to QEMU or KVM, microseconds)
 * each when the vCPU ran throughout, much more when it was descheduled
 * in between, as happens on a loaded host.  Rounds repeat until one is
 * certain to 1e-4 (at most MAX_ROUNDS); the most certain one is used.
 */
#include "tsc-calibrate.h"
#include "fmt.h"
#include "hw.h"

#define PIT_HZ 1193182u
#define CALIBRATE_MS 50u                        /* count fits in 16 bits */
#define PIT_COUNT (PIT_HZ * CALIBRATE_MS / 1000u)
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define MAX_ROUNDS 20
#define GOOD_ENOUGH 10000u                      /* uncertainty below 1/N */
#define MAX_POLLS 100000000u                    /* no PIT at all: give up */

/* TSC ticks over CALIBRATE_MS in *@ticks, its uncertainty returned; 0: no PIT. */
static uint64_t one_round(uint64_t *ticks)
{
    uint64_t before_start, after_start, last_low, seen_high;
    uint32_t polls = 0;
    uint8_t b;

    /* Gate low while programming, so the count starts when it goes high. */
    b = inb(PORT_B) & ~(PORT_B_GATE2 | PORT_B_SPEAKER);
    outb(PORT_B, b);
    outb(0x43, 0xb0);                   /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, PIT_COUNT & 0xff);
    outb(0x42, PIT_COUNT >> 8);
    before_start = rdtsc();
    outb(PORT_B, b | PORT_B_GATE2);
    after_start = rdtsc();
    last_low = after_start;
    for (;;) {
        uint64_t t = rdtsc();

        if (inb(PORT_B) & PORT_B_OUT2) {
            seen_high = rdtsc();
            break;
        }
        last_low = t;
        if (++polls > MAX_POLLS) {
            return 0;
        }
    }
    /* Start in [before_start, after_start], end in [last_low, seen_high]. */
    *ticks = (last_low + seen_high) / 2 - (before_start + after_start) / 2;
    return (after_start - before_start) + (seen_high - last_low);
}

uint32_t tsc_calibrate_khz(uint32_t *ppm)
{
    uint64_t best = 0, best_err = 0;

    for (int i = 0; i < MAX_ROUNDS; i++) {
        uint64_t ticks = 0, err = one_round(&ticks);

        if (!err) {
            break;
        }
        if (!best || err < best_err) {
            best = ticks;
            best_err = err;
        }
        if (best_err * GOOD_ENOUGH < best) {
            break;
        }
    }
    /* best < 2^32: 50 ms of a TSC below 85 GHz */
    *ppm = best ? (uint32_t)div64(best_err * 1000000u, (uint32_t)best, 0) : 0;
    return (uint32_t)div64(best, CALIBRATE_MS, 0);
}
