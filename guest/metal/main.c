/*
 * Bare-metal heartbeat guest: fills RAM with a known pattern, keeps
 * verifying it between heartbeats, and writes one heartbeat line to COM1
 * every period_us (default 1000):
 *
 *   HB-START mib=<filled MiB> period_us=<us> tsc_khz=<TSC rate> tsc_ppm=<its uncertainty>
 *   HB seq=<n> pass=<full passes> verified=<MiB> bad=<mismatches> tsc=<ticks>
 *
 * tsc is the guest TSC delta since the previous record.  The HB lines have
 * the Linux demo guest's format (plus tsc=), so hbmon time-stamps and
 * checks them alike.  Other lines: HB-NOTE (fill capped), HB-BAD (first
 * mismatch), HB-CORRUPT (corrupt_test= flipped a word), HB-ERROR (bad
 * setting; the guest then stops).  Settings: see bootinfo.h.
 */
#include "bootinfo.h"
#include "fmt.h"
#include "hw.h"
#include "pattern.h"
#include "serial.h"
#include "tsc-calibrate.h"

#define SLICE_WORDS 4096        /* 16 KiB checked between two clock reads */

static BootInfo boot;
static Pattern pattern;
static Line line;

static void stop_with_error(const char *what)
{
    line_reset(&line);
    line_str(&line, "HB-ERROR ");
    line_str(&line, what);
    serial_line(&line);
    halt_forever();
}

static void say_start(uint32_t tsc_khz, uint32_t tsc_ppm)
{
    line_reset(&line);
    line_str(&line, "HB-START mib=");
    line_u64(&line, pattern.bytes >> 20);
    line_str(&line, " period_us=");
    line_u64(&line, boot.period_us);
    line_str(&line, " tsc_khz=");
    line_u64(&line, tsc_khz);
    line_str(&line, " tsc_ppm=");
    line_u64(&line, tsc_ppm);
    serial_line(&line);
    if (pattern.bytes < (boot.fill_bytes & ~4095ull)) {
        line_reset(&line);
        line_str(&line, "HB-NOTE fill capped to the RAM below 4 GiB: asked ");
        line_u64(&line, boot.fill_bytes >> 20);
        line_str(&line, " MiB");
        serial_line(&line);
    }
}

static void say_heartbeat(uint64_t seq, uint64_t tsc_delta)
{
    line_reset(&line);
    line_str(&line, "HB seq=");
    line_u64(&line, seq);
    line_str(&line, " pass=");
    line_u64(&line, pattern.passes);
    line_str(&line, " verified=");
    line_u64(&line, pattern.verified_bytes >> 20);
    line_str(&line, " bad=");
    line_u64(&line, pattern.mismatches);
    line_str(&line, " tsc=");
    line_u64(&line, tsc_delta);
    serial_line(&line);
}

static void say_word(const char *what, uint32_t addr, uint32_t want, uint32_t got)
{
    line_reset(&line);
    line_str(&line, what);
    line_str(&line, " addr=");
    line_hex32(&line, addr);
    line_str(&line, " want=");
    line_hex32(&line, want);
    line_str(&line, " got=");
    line_hex32(&line, got);
    serial_line(&line);
}

/* corrupt_test=: flip one bit behind the checker's back. */
static void corrupt_one_word(void)
{
    uint32_t addr = pattern_middle(&pattern);
    volatile uint32_t *w = (volatile uint32_t *)addr;

    *w ^= 1;
    say_word("HB-CORRUPT", addr, pattern_word(addr), *w);
}

void metal_main(uint32_t magic, uint32_t mbi);

void metal_main(uint32_t magic, uint32_t mbi)
{
    uint64_t period, deadline, last, seq = 0;
    uint32_t tsc_khz, tsc_ppm;

    serial_init();
    bootinfo_read(&boot, magic, mbi);
    if (boot.error) {
        stop_with_error(boot.error);
    }
    tsc_khz = tsc_calibrate_khz(&tsc_ppm);
    if (!tsc_khz) {
        stop_with_error("the PIT did not count: cannot time the heartbeat");
    }
    pattern_fill(&pattern, &boot, boot.fill_bytes);
    if (!pattern.bytes) {
        stop_with_error("no RAM to fill");
    }
    say_start(tsc_khz, tsc_ppm);

    period = div64((uint64_t)tsc_khz * boot.period_us, 1000, 0);
    last = rdtsc();
    deadline = last + period;
    for (;;) {
        uint64_t now;

        while (rdtsc() < deadline) {
            uint64_t before = pattern.mismatches;

            if (pattern_verify_slice(&pattern, SLICE_WORDS) && !before) {
                say_word("HB-BAD", pattern.first_bad_addr, pattern.first_bad_want,
                         pattern.first_bad_got);
            }
        }
        now = rdtsc();
        say_heartbeat(seq, now - last);
        last = now;
        seq++;
        if (boot.corrupt_at_seq && seq == boot.corrupt_at_seq) {
            corrupt_one_word();
        }
        /* Keep the period; after a stall, do not burst to catch up. */
        deadline += period;
        now = rdtsc();
        if (deadline < now) {
            deadline = now + period;
        }
    }
}
