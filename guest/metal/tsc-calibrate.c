/*
 * TSC calibration against PIT channel 2, the way Linux does it without
 * HPET: program a one-shot count of CALIBRATE_MS, read the TSC at the start
 * and when the channel's output (port 0x61 bit 5) goes high.  The PIT runs
 * at 1.193182 MHz whatever the host; the error is the time of one port
 * 0x61 read (an exit to QEMU or KVM: microseconds) over CALIBRATE_MS, so
 * well under 1e-3.  Taking the lowest of three rounds drops a round in
 * which the vCPU was descheduled.
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
#define ROUNDS 3
#define MAX_POLLS 100000000u                    /* no PIT at all: give up */

static uint64_t one_round(void)
{
    uint64_t start;
    uint32_t polls = 0;

    /* Gate low while programming, so the count starts when it goes high. */
    outb(PORT_B, inb(PORT_B) & ~(PORT_B_GATE2 | PORT_B_SPEAKER));
    outb(0x43, 0xb0);                   /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, PIT_COUNT & 0xff);
    outb(0x42, PIT_COUNT >> 8);
    outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
    start = rdtsc();
    while (!(inb(PORT_B) & PORT_B_OUT2)) {
        if (++polls > MAX_POLLS) {
            return 0;
        }
    }
    return rdtsc() - start;
}

uint32_t tsc_calibrate_khz(void)
{
    uint64_t best = 0;

    for (int i = 0; i < ROUNDS; i++) {
        uint64_t ticks = one_round();

        if (ticks && (!best || ticks < best)) {
            best = ticks;
        }
    }
    return (uint32_t)div64(best, CALIBRATE_MS, 0);
}
