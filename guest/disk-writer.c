/*
 * Guest workload: numbered records on virtio disks (hb.disk=DEV[,DEV...] on
 * the kernel command line, hb.disk_ms= between records, default 10), one
 * process per disk.
 *
 * Each record (tools/disk-record.h) goes to its own slot, in order, with
 * O_DIRECT|O_SYNC: when pwrite returns, the guest has been told the record
 * is durable, and only then does it print
 *
 *   DISK <disk> seq=<n>          (<disk>: the device's name, like vda)
 *
 * on the serial console.  The host compares these with the image after a
 * live update: every reported record must be there.  A failed write is
 * reported (DISK-ERR) and retried, never skipped; a full disk stops the
 * writer (DISK-FULL).
 */
#define _GNU_SOURCE
#include "cmdline.h"
#include "serial-line.h"
#include "disk-record.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ms(unsigned long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* The device node appears when the driver has probed the disk. */
static int open_device(const char *dev)
{
    for (int tries = 0; tries < 300; tries++) {
        int fd = open(dev, O_RDWR | O_DIRECT | O_SYNC);

        if (fd >= 0) {
            return fd;
        }
        sleep_ms(100);
    }
    serial_line("DISK-ERR cannot open %s errno=%d", dev, errno);
    return -1;
}

static int write_records(const char *dev, unsigned long period_ms)
{
    const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
    uint64_t size = 0, slots, boot_id = 0;
    struct disk_record *rec;
    int fd;

    fd = open_device(dev);
    if (fd < 0) {
        return 1;
    }
    if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
        serial_line("DISK-ERR cannot size %s errno=%d", dev, errno);
        return 1;
    }
    slots = size / DISK_RECORD_SIZE;
    if (getrandom(&boot_id, sizeof(boot_id), 0) != sizeof(boot_id) || !boot_id) {
        boot_id = now_ns() | 1;
    }
    /* O_DIRECT needs an aligned buffer; a page suits any block size. */
    if (posix_memalign((void **)&rec, 4096, DISK_RECORD_SIZE)) {
        serial_line("DISK-ERR out of memory");
        return 1;
    }
    serial_line("DISK-START %s slots=%llu record=%d boot=%016llx", name,
                (unsigned long long)slots, DISK_RECORD_SIZE,
                (unsigned long long)boot_id);

    for (uint64_t seq = 0; seq < slots;) {
        disk_record_fill(rec, seq, boot_id, now_ns());
        ssize_t n = pwrite(fd, rec, DISK_RECORD_SIZE, (off_t)(seq * DISK_RECORD_SIZE));

        if (n == DISK_RECORD_SIZE) {
            serial_line("DISK %s seq=%llu", name, (unsigned long long)seq);
            seq++;
        } else {
            serial_line("DISK-ERR %s seq=%llu ret=%zd errno=%d", name,
                        (unsigned long long)seq, n, n < 0 ? errno : 0);
        }
        sleep_ms(period_ms);
    }
    serial_line("DISK-FULL %s slots=%llu", name, (unsigned long long)slots);
    for (;;) {
        pause();
    }
}

int main(void)
{
    char devs[256], *dev, *save = NULL;
    unsigned long period_ms = cmdline_ulong("hb.disk_ms", 10);

    if (cmdline_get("hb.disk", devs, sizeof(devs))) {
        return 0;               /* no disk configured */
    }
    for (dev = strtok_r(devs, ",", &save); dev; dev = strtok_r(NULL, ",", &save)) {
        pid_t pid = fork();

        if (pid == 0) {
            return write_records(dev, period_ms);
        }
        if (pid < 0) {
            serial_line("DISK-ERR fork for %s errno=%d", dev, errno);
        }
    }
    while (wait(NULL) > 0) {
    }
    return 0;
}
