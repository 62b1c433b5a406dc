/*
 * Guest workload: one busy TCP connection to the host
 * (hb.net=GUEST_IP/PREFIX,HOST_IP:PORT on the kernel command line; guest/init
 * configures eth0 with GUEST_IP; hb.net_ms= between lines, default 5).
 *
 * Sends "NET seq=<n> conn=<k>\n" every period, seq counting across
 * connections.  It never reconnects silently: a broken connection is
 * reported on the serial console (NET-RESET or NET-CLOSED) and the next one
 * gets the next conn number, so the host sees both the new connection and
 * the lines lost with the old one.  A send blocked for a second is
 * reported as NET-STALL and continued.
 */
#define _GNU_SOURCE
#include "cmdline.h"
#include "serial-line.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(unsigned long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* "GUEST_IP/PREFIX,HOST_IP:PORT" -> the host's address. */
static int parse_peer(const char *spec, struct sockaddr_in *peer)
{
    const char *comma = strchr(spec, ',');
    char host[64];
    const char *colon;
    char *end;
    unsigned long port;

    if (!comma || !(colon = strrchr(comma, ':')) ||
        (size_t)(colon - comma - 1) >= sizeof(host)) {
        return -1;
    }
    memcpy(host, comma + 1, colon - comma - 1);
    host[colon - comma - 1] = '\0';
    port = strtoul(colon + 1, &end, 10);
    memset(peer, 0, sizeof(*peer));
    peer->sin_family = AF_INET;
    peer->sin_port = htons(port);
    return *end || port == 0 || port > 65535 ||
           inet_pton(AF_INET, host, &peer->sin_addr) != 1 ? -1 : 0;
}

static int connect_peer(const struct sockaddr_in *peer, unsigned conn)
{
    int one = 1, last_errno = 0;
    struct timeval snd_timeout = { 1, 0 };

    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd >= 0 && connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) == 0) {
            /* One segment per line keeps the connection busy. */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd_timeout, sizeof(snd_timeout));
            serial_line("NET-CONNECTED conn=%u", conn);
            return fd;
        }
        if (errno != last_errno) {
            serial_line("NET-CONNECT-FAILED conn=%u errno=%d", conn, errno);
            last_errno = errno;
        }
        if (fd >= 0) {
            close(fd);
        }
        sleep_ms(200);
    }
}

/* Send all of @buf; 0 on success, else the errno that broke the connection. */
static int send_line(int fd, const char *buf, size_t len, uint64_t seq)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n > 0) {
            buf += n;
            len -= n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            serial_line("NET-STALL seq=%llu", (unsigned long long)seq);
        } else if (n < 0 && errno != EINTR) {
            return errno;
        }
    }
    return 0;
}

/* The host sends nothing; readable means it closed or reset. */
static int peer_gone(int fd, int *err)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char buf[256];
    ssize_t n;

    if (poll(&p, 1, 0) <= 0) {
        return 0;
    }
    n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0 || (n < 0 && errno == EAGAIN)) {
        return 0;
    }
    *err = n < 0 ? errno : 0;
    return 1;
}

int main(void)
{
    char spec[128], line[96];
    struct sockaddr_in peer;
    unsigned long period_ms = cmdline_ulong("hb.net_ms", 5);
    uint64_t seq = 0;
    unsigned conn = 0;
    int fd, err;

    if (cmdline_get("hb.net", spec, sizeof(spec))) {
        return 0;               /* no network configured */
    }
    if (parse_peer(spec, &peer)) {
        serial_line("NET-ERR bad hb.net=%s (want IP/PREFIX,HOST_IP:PORT)", spec);
        return 2;
    }
    fd = connect_peer(&peer, conn);
    for (;;) {
        int n = snprintf(line, sizeof(line), "NET seq=%llu conn=%u\n",
                         (unsigned long long)seq, conn);

        err = send_line(fd, line, n, seq);
        if (!err && !peer_gone(fd, &err)) {
            seq++;
            sleep_ms(period_ms);
            continue;
        }
        serial_line("%s conn=%u seq=%llu errno=%d",
                    err == ECONNRESET || err == EPIPE ? "NET-RESET" :
                    err ? "NET-ERROR" : "NET-CLOSED",
                    conn, (unsigned long long)seq, err);
        close(fd);
        fd = connect_peer(&peer, ++conn);
        seq++;                  /* the host must see the break */
    }
}
