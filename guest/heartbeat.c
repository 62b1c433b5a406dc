/*
 * Guest workload for live-update tests.
 *
 * Fills a block of RAM with a known pattern, keeps re-verifying it, and
 * prints one heartbeat line on stdout (the serial console) every period:
 *
 *   HB seq=<n> pass=<full passes> verified=<MiB verified> bad=<bad words>
 *
 * The host time-stamps these lines, so a live update shows up as a gap in
 * arrival times, a break in seq, or bad > 0 if guest memory was corrupted.
 * Settings come from the kernel command line (hb.mib=, hb.period_ms=) or
 * from argv (--mib N --period-ms N) when run by hand.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_SEED 0x5eedc0ffee15600dULL
#define WORDS_PER_CLOCK_CHECK 8192

struct config {
    unsigned long mib;
    unsigned long period_ms;
    unsigned long count;   /* heartbeats to print, 0 = forever */
};

static uint64_t pattern_word(uint64_t index)
{
    return (index * 0x9e3779b97f4a7c15ULL) ^ PATTERN_SEED;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int parse_ulong(const char *s, unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno || end == s || (*end && *end != ' ' && *end != '\n') ? -1 : 0;
}

static void config_from_cmdline(struct config *cfg)
{
    char buf[4096];
    FILE *f = fopen("/proc/cmdline", "r");
    char *p;

    if (!f) {
        return;
    }
    if (!fgets(buf, sizeof(buf), f)) {
        buf[0] = '\0';
    }
    fclose(f);
    if ((p = strstr(buf, "hb.mib="))) {
        parse_ulong(p + 7, &cfg->mib);
    }
    if ((p = strstr(buf, "hb.period_ms="))) {
        parse_ulong(p + 13, &cfg->period_ms);
    }
}

static int config_from_argv(struct config *cfg, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        unsigned long *dst = NULL;

        if (!strcmp(argv[i], "--mib")) {
            dst = &cfg->mib;
        } else if (!strcmp(argv[i], "--period-ms")) {
            dst = &cfg->period_ms;
        } else if (!strcmp(argv[i], "--count")) {
            dst = &cfg->count;
        }
        if (!dst || i + 1 >= argc || parse_ulong(argv[++i], dst)) {
            fprintf(stderr, "usage: heartbeat [--mib N] [--period-ms N] [--count N]\n");
            return -1;
        }
    }
    if (cfg->mib == 0 || cfg->period_ms == 0) {
        fprintf(stderr, "heartbeat: --mib and --period-ms must be positive\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct config cfg = { .mib = 64, .period_ms = 5, .count = 0 };
    uint64_t *mem, nwords, pos = 0, pass = 0, bad = 0, verified_words = 0;
    uint64_t period_ns, deadline, seq = 0;
    char line[160];

    config_from_cmdline(&cfg);
    if (config_from_argv(&cfg, argc, argv)) {
        return 2;
    }
    nwords = cfg.mib * 1024 * 1024 / sizeof(uint64_t);
    mem = mmap(NULL, nwords * sizeof(uint64_t), PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED) {
        perror("heartbeat: mmap");
        return 1;
    }
    for (uint64_t i = 0; i < nwords; i++) {
        mem[i] = pattern_word(i);
    }
    printf("HB-START mib=%lu period_ms=%lu\n", cfg.mib, cfg.period_ms);
    fflush(stdout);

    period_ns = cfg.period_ms * 1000000ULL;
    deadline = now_ns() + period_ns;
    for (;;) {
        /* Verify until the next heartbeat is due. */
        while (now_ns() < deadline) {
            uint64_t start = pos, end = pos + WORDS_PER_CLOCK_CHECK;

            if (end > nwords) {
                end = nwords;
            }
            for (; pos < end; pos++) {
                if (mem[pos] != pattern_word(pos)) {
                    if (bad == 0) {
                        printf("HB-BAD word=%llu\n", (unsigned long long)pos);
                    }
                    bad++;
                }
            }
            verified_words += end - start;
            if (pos == nwords) {
                pos = 0;
                pass++;
            }
        }
        int n = snprintf(line, sizeof(line),
                         "HB seq=%llu pass=%llu verified=%llu bad=%llu\n",
                         (unsigned long long)seq, (unsigned long long)pass,
                         (unsigned long long)(verified_words * 8 >> 20),
                         (unsigned long long)bad);
        fflush(stdout);
        if (write(STDOUT_FILENO, line, n) != n) {
            return 1;
        }
        seq++;
        if (cfg.count && seq >= cfg.count) {
            return bad ? 1 : 0;
        }
        /* Do not burst to catch up after a stall: keep the period. */
        deadline += period_ns;
        uint64_t now = now_ns();
        if (deadline < now) {
            deadline = now + period_ns;
        }
    }
}
