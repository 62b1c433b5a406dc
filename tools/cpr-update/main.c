/*
 * cpr-update: live-update a running QEMU into a new QEMU process with
 * cpr-transfer, through a -precreate destination.
 *
 *   cpr-update --source QMP_SOCKET [options] -- NEW_QEMU [ARGS...]
 *
 * See docs/cpr-update.md for the steps, the report and the exit codes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "same-args.h"
#include "source-monitor.h"
#include "supervise.h"
#include "update.h"

static int abort_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    char c = 1;
    int saved = errno;

    if (write(abort_pipe[1], &c, 1) < 0) {
        /* nothing to do: the pipe is full, so already readable */
    }
    errno = saved;
}

static void usage(FILE *out)
{
    fprintf(out,
"Usage: cpr-update --source QMP_SOCKET [options] -- NEW_QEMU [ARGS...]\n"
"\n"
"Live-update the VM behind QMP_SOCKET into a new QEMU process started as\n"
"NEW_QEMU ARGS -precreate, with cpr-transfer (guest RAM stays in place).\n"
"The source's tap NICs and listening UNIX sockets named in ARGS (by ifname=\n"
"or path) are handed to the new QEMU as the source's own fds.\n"
"\n"
"  -s, --source PATH         the running QEMU's QMP socket (required)\n"
"      --same-args           start NEW_QEMU with the source's own arguments\n"
"                            (minus -incoming, -S, -daemonize, -pidfile and the\n"
"                            monitor on PATH), then ARGS\n"
"      --tcp                 main channel on TCP 127.0.0.1, port chosen by the\n"
"                            destination (default: a UNIX socket)\n"
"      --keep-source         do not quit the source after the update\n"
"      --json                print the report as one JSON object\n"
"      --check               pre-flight checks and a dry run only: the new QEMU\n"
"                            is configured in precreate, then quit; the source\n"
"                            is only queried (exit 0: an update would be tried)\n"
"      --vmstate-checker PATH  QEMU's scripts/vmstate-static-checker.py\n"
"                            (default: beside this build or installation)\n"
"      --timeout SECONDS     limit for each step (default 30)\n"
"      --migrate-timeout SECONDS  limit for the transfer (default 300)\n"
"      --greeting-timeout SECONDS  limit for the source monitor's greeting\n"
"                            (default 2; none: the monitor is in use)\n"
"      --pidfile FILE        write the destination's pid to FILE once it\n"
"                            runs the guest (and tell systemd, under it)\n"
"      --run-dir DIR         where to make the private run directory\n"
"                            (default $XDG_RUNTIME_DIR, else /tmp)\n"
"      --early-stop          let the source stop the guest when the main\n"
"                            channel connects, as stock cpr-transfer does, even\n"
"                            if it has the cpr-late-stop capability (default:\n"
"                            on, for a shorter pause)\n"
"      --keep-vmdesc         let the source describe the device state in the\n"
"                            stream (its machine's suppress-vmdesc as it is;\n"
"                            default: off during the update, which shortens\n"
"                            the pause)\n"
"      --timeline            report the update's phases from trace logs (the\n"
"                            destination logs to RUNDIR/trace.log)\n"
"      --source-log FILE     the source's trace log (-msg timestamp=on -D FILE\n"
"                            -trace ...): phases relative to its stop;\n"
"                            implies --timeline\n"
"  -v, --verbose             say each step, and what --same-args changed\n"
"  -h, --help                this help\n"
"\n"
"Exit status: 0 updated; 1 failed, guest still running on the source;\n"
"2 bad usage; 3 failed after the source handed over (destination left\n"
"running); 4 failed and the guest's state on the source is not confirmed.\n");
}

static gboolean parse_seconds(const char *opt, const char *arg, int *ms)
{
    char *end;
    double v;

    errno = 0;
    v = g_ascii_strtod(arg, &end);
    if (errno || end == arg || *end || v <= 0 || v > 86400) {
        fprintf(stderr, "cpr-update: %s: '%s' is not a number of seconds\n", opt, arg);
        return FALSE;
    }
    *ms = (int)(v * 1000);
    return TRUE;
}

/* --same-args: the source's argv rewritten, and its working directory. */
static gboolean source_args(const char *source, int greeting_ms, int timeout_ms,
                            gboolean verbose, GPtrArray *dest_argv, char **cwd)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *cmdline = NULL, *cmdline_path = NULL, *cwd_path = NULL;
    g_auto(GStrv) argv = NULL;
    g_autoptr(GPtrArray) kept = NULL;
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    gsize len;
    int pid = update_source_pid(source, greeting_ms, timeout_ms, &err);

    if (pid <= 0) {
        fprintf(stderr, "cpr-update: failed at step same-args: cannot identify "
                "the source process on %s: %s; source untouched\n", source,
                err ? err->message : "no peer credentials");
        return FALSE;
    }
    cmdline_path = g_strdup_printf("/proc/%d/cmdline", pid);
    if (!g_file_get_contents(cmdline_path, &cmdline, &len, &err) ||
        !(argv = same_args_split_cmdline(cmdline, len))) {
        fprintf(stderr, "cpr-update: failed at step same-args: cannot read %s: %s; "
                "source untouched\n", cmdline_path, err ? err->message : "empty");
        return FALSE;
    }
    kept = same_args_rewrite((const char *const *)argv, source, dropped);
    for (guint i = 0; i < kept->len; i++) {
        g_ptr_array_add(dest_argv, g_strdup(g_ptr_array_index(kept, i)));
    }
    cwd_path = g_strdup_printf("/proc/%d/cwd", pid);
    *cwd = g_file_read_link(cwd_path, NULL);
    if (verbose) {
        fprintf(stderr, "cpr-update: source pid %d, cwd %s\n", pid, *cwd ? *cwd : "?");
        for (guint i = 0; i < dropped->len; i++) {
            fprintf(stderr, "cpr-update: --same-args dropped: %s\n",
                    (char *)g_ptr_array_index(dropped, i));
        }
    }
    return TRUE;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "source", required_argument, NULL, 's' },
        { "same-args", no_argument, NULL, 'A' },
        { "tcp", no_argument, NULL, 'T' },
        { "keep-source", no_argument, NULL, 'K' },
        { "json", no_argument, NULL, 'J' },
        { "check", no_argument, NULL, 'C' },
        { "vmstate-checker", required_argument, NULL, 'V' },
        { "timeout", required_argument, NULL, 't' },
        { "migrate-timeout", required_argument, NULL, 'm' },
        { "run-dir", required_argument, NULL, 'r' },
        { "greeting-timeout", required_argument, NULL, 'g' },
        { "pidfile", required_argument, NULL, 'p' },
        { "early-stop", no_argument, NULL, 'E' },
        { "keep-vmdesc", no_argument, NULL, 'D' },
        { "timeline", no_argument, NULL, 'L' },
        { "source-log", required_argument, NULL, 'S' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    UpdateOptions opt = {
        .step_timeout_ms = 30000,
        .migrate_timeout_ms = 300000,
        .greeting_timeout_ms = SOURCE_MONITOR_GREETING_MS,
        .abort_fd = -1,
    };
    gboolean same_args = FALSE, json = FALSE;
    g_autoptr(GPtrArray) dest_argv = g_ptr_array_new_with_free_func(g_free);
    Update u;
    int c, rc;

    while ((c = getopt_long(argc, argv, "+s:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 's': opt.source_qmp = optarg; break;
        case 'A': same_args = TRUE; break;
        case 'T': opt.tcp = TRUE; break;
        case 'K': opt.keep_source = TRUE; break;
        case 'J': json = TRUE; break;
        case 'C': opt.check_only = TRUE; break;
        case 'V': opt.vmstate_checker = optarg; break;
        case 't':
            if (!parse_seconds("--timeout", optarg, &opt.step_timeout_ms)) {
                return UPDATE_USAGE;
            }
            break;
        case 'm':
            if (!parse_seconds("--migrate-timeout", optarg, &opt.migrate_timeout_ms)) {
                return UPDATE_USAGE;
            }
            break;
        case 'r': opt.run_parent = optarg; break;
        case 'g':
            if (!parse_seconds("--greeting-timeout", optarg, &opt.greeting_timeout_ms)) {
                return UPDATE_USAGE;
            }
            break;
        case 'p': opt.pidfile = optarg; break;
        case 'E': opt.early_stop = TRUE; break;
        case 'D': opt.keep_vmdesc = TRUE; break;
        case 'L': opt.timeline = TRUE; break;
        case 'S': opt.source_log = optarg; opt.timeline = TRUE; break;
        case 'v': opt.verbose = TRUE; break;
        case 'h': usage(stdout); return UPDATE_OK;
        default: usage(stderr); return UPDATE_USAGE;
        }
    }
    if (!opt.source_qmp) {
        fprintf(stderr, "cpr-update: --source QMP_SOCKET is required\n");
        return UPDATE_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "cpr-update: NEW_QEMU is missing after --\n");
        return UPDATE_USAGE;
    }
    if (!opt.run_parent) {
        opt.run_parent = g_getenv("XDG_RUNTIME_DIR") ?: "/tmp";
    }
    if (opt.source_log && !g_file_test(opt.source_log, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr, "cpr-update: --source-log %s is not a file\n", opt.source_log);
        return UPDATE_USAGE;
    }
    if (!g_file_test(opt.run_parent, G_FILE_TEST_IS_DIR)) {
        fprintf(stderr, "cpr-update: --run-dir %s is not a directory\n", opt.run_parent);
        return UPDATE_USAGE;
    }
    if (opt.pidfile) {
        g_autoptr(GError) err = NULL;

        if (!supervise_check_pidfile(opt.pidfile, &err)) {
            fprintf(stderr, "cpr-update: %s\n", err->message);
            return UPDATE_USAGE;
        }
    }

    g_ptr_array_add(dest_argv, g_strdup(argv[optind]));
    if (same_args && !source_args(opt.source_qmp, opt.greeting_timeout_ms,
                                  opt.step_timeout_ms, opt.verbose,
                                  dest_argv, &opt.dest_cwd)) {
        return UPDATE_ROLLED_BACK;
    }
    for (int i = optind + 1; i < argc; i++) {
        g_ptr_array_add(dest_argv, g_strdup(argv[i]));
    }
    opt.dest_argv = dest_argv;

    if (pipe2(abort_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        perror("cpr-update: pipe");
        return UPDATE_ROLLED_BACK;
    }
    opt.abort_fd = abort_pipe[0];
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    opt.progress = !json && isatty(STDERR_FILENO);

    update_init(&u, &opt);
    rc = update_run(&u);
    if (json) {
        report_print_json(&u, rc, stdout);
    } else {
        report_print_text(&u, rc, rc == UPDATE_OK ? stdout : stderr);
    }
    update_clear(&u);
    g_free(opt.dest_cwd);
    return rc;
}
