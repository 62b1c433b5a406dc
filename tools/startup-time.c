/*
 * startup-time: how long a QEMU takes from exec to being usable.
 *
 *   startup-time [--qmp SOCKET] -- QEMU [ARGS...]
 *
 * Without --qmp: time from fork to the process's exit (for -version).
 * With --qmp: time from fork to the first byte of the QMP greeting on the
 * UNIX socket SOCKET, which QEMU creates (-qmp unix:SOCKET,server=on,...).
 * The socket is connected as soon as it appears (inotify on its
 * directory, so the wait does not take CPU from QEMU), then
 * qmp_capabilities is sent; once it is answered QEMU is killed and the
 * socket removed.
 * Prints three figures in ms on stdout: the wall time to the greeting,
 * to the answer of qmp_capabilities (the monitor is usable: commands run
 * in QEMU's main loop, the greeting comes from the monitor thread), and
 * the CPU time (user + system, all threads) QEMU used until then, which
 * says more than the wall time on a loaded machine.  For -version the
 * first two are both the time to exit.
 * Exit status: 0 measured, 1 QEMU failed or timed out, 2 usage.
 */
#include <glib.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_US (30 * G_USEC_PER_SEC)

/* QEMU has exited and was waited for: do not signal its pid again. */
static gboolean reaped;
static struct rusage usage;

static pid_t spawn(char **argv)
{
    pid_t pid = fork();

    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);

        /* -version prints; QEMU's errors still reach our stderr. */
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        execv(argv[0], argv);
        fprintf(stderr, "startup-time: cannot run %s: %s\n", argv[0],
                g_strerror(errno));
        _exit(127);
    }
    return pid;
}

static gboolean child_failed(pid_t pid)
{
    int status;

    if (wait4(pid, &status, WNOHANG, &usage) != pid) {
        return FALSE;
    }
    reaped = TRUE;
    fprintf(stderr, "startup-time: QEMU exited (status 0x%x) before its "
            "greeting\n", status);
    return TRUE;
}

/* Connect to @path; -1 with errno ENOENT/ECONNREFUSED while not up yet. */
static int try_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        return fd;
    }
    close(fd);
    return -1;
}

/* Wait until @path accepts a connection; the connected fd or -1. */
static int wait_connect(const char *path, int inotify_fd, pid_t pid,
                        gint64 deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = inotify_fd, .events = POLLIN };
        char buf[4096];
        int fd = try_connect(path);

        if (fd >= 0) {
            return fd;
        }
        if (errno == ECONNREFUSED) {
            /* Bound but not listening yet: a very short window. */
            g_usleep(50);
        } else if (errno == ENOENT) {
            /* Short timeout: also notice QEMU dying early. */
            if (poll(&pfd, 1, 5) > 0) {
                while (read(inotify_fd, buf, sizeof(buf)) > 0) {
                    /* drain */
                }
            }
        } else {
            fprintf(stderr, "startup-time: connect %s: %s\n", path,
                    g_strerror(errno));
            return -1;
        }
        if (child_failed(pid) || g_get_monotonic_time() > deadline) {
            return -1;
        }
    }
}

/*
 * Read one line (QMP sends one JSON object per line) into @line; sets
 * *@first to when its first byte arrived.
 */
static gboolean read_line(int fd, gint64 deadline, GString *line,
                          gint64 *first)
{
    g_string_truncate(line, 0);
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int ms = (deadline - g_get_monotonic_time()) / 1000;
        char c;

        if (ms <= 0 || poll(&pfd, 1, ms) != 1 || read(fd, &c, 1) != 1) {
            return FALSE;
        }
        if (line->len == 0 && first) {
            *first = g_get_monotonic_time();
        }
        if (c == '\n') {
            return TRUE;
        }
        g_string_append_c(line, c);
    }
}

/*
 * The greeting, then qmp_capabilities answered: the monitor is usable.
 * Sets *@greeting and *@ready to the times the two arrived.
 */
static gboolean wait_usable(int fd, gint64 deadline, gint64 *greeting,
                            gint64 *ready)
{
    static const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n";
    g_autoptr(GString) line = g_string_new(NULL);

    if (!read_line(fd, deadline, line, greeting) ||
        write(fd, caps, sizeof(caps) - 1) != sizeof(caps) - 1) {
        return FALSE;
    }
    /* Skip events, if any come first. */
    do {
        if (!read_line(fd, deadline, line, NULL)) {
            return FALSE;
        }
    } while (!strstr(line->str, "\"return\"") &&
             !strstr(line->str, "\"error\""));
    *ready = g_get_monotonic_time();
    return strstr(line->str, "\"return\"") != NULL;
}

static double cpu_ms(void)
{
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

static void stop(pid_t pid, const char *qmp)
{
    if (!reaped) {
        kill(pid, SIGKILL);
        while (wait4(pid, NULL, 0, &usage) < 0 && errno == EINTR) {
            /* retry */
        }
    }
    unlink(qmp);
}

int main(int argc, char **argv)
{
    g_autofree char *qmp = NULL;
    g_autofree char *dir = NULL;
    GOptionEntry entries[] = {
        { "qmp", 0, 0, G_OPTION_ARG_FILENAME, &qmp,
          "Time to the greeting on this QMP socket", "SOCKET" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("-- QEMU [ARGS...]");
    g_autoptr(GError) err = NULL;
    gint64 t0, deadline, wall, greeting, ready;
    int inotify_fd = -1, fd;
    pid_t pid;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc < 2) {
        fprintf(stderr, "startup-time: %s\n",
                err ? err->message : "no QEMU command given");
        return 2;
    }
    if (argv[1][0] == '-' && argv[1][1] == '-' && argv[1][2] == '\0') {
        argv++;
        argc--;
    }
    if (qmp) {
        dir = g_path_get_dirname(qmp);
        unlink(qmp);
        inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (inotify_fd < 0 ||
            inotify_add_watch(inotify_fd, dir, IN_CREATE) < 0) {
            fprintf(stderr, "startup-time: cannot watch %s: %s\n", dir,
                    g_strerror(errno));
            return 1;
        }
    }

    t0 = g_get_monotonic_time();
    deadline = t0 + TIMEOUT_US;
    pid = spawn(argv + 1);
    if (pid < 0) {
        fprintf(stderr, "startup-time: fork: %s\n", g_strerror(errno));
        return 1;
    }

    if (!qmp) {
        int status;

        while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
            /* retry */
        }
        wall = g_get_monotonic_time() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "startup-time: QEMU failed (status 0x%x)\n",
                    status);
            return 1;
        }
        printf("%.3f %.3f %.3f\n", wall / 1000.0, wall / 1000.0, cpu_ms());
        return 0;
    }

    fd = wait_connect(qmp, inotify_fd, pid, deadline);
    if (fd < 0 || !wait_usable(fd, deadline, &greeting, &ready)) {
        fprintf(stderr, "startup-time: no QMP greeting and answer on %s\n",
                qmp);
        stop(pid, qmp);
        return 1;
    }
    close(fd);
    stop(pid, qmp);
    printf("%.3f %.3f %.3f\n", (greeting - t0) / 1000.0,
           (ready - t0) / 1000.0, cpu_ms());
    return 0;
}
