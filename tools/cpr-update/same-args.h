/*
 * --same-args: rebuild the source QEMU's command line for the new QEMU.
 *
 * Takes the source's argv (from /proc/PID/cmdline) and keeps everything
 * except what must not be repeated on a live-update destination:
 * -incoming, -S, -daemonize, -pidfile, -preconfig, -precreate, the
 * "-machine suppress-vmdesc=on" cpr-update adds itself (vmdesc.h), and the
 * monitor on the socket cpr-update talks to (the source's own, which the
 * destination must not take over while the source still uses it; the
 * destination gets a private one).
 */
#ifndef SAME_ARGS_H
#define SAME_ARGS_H

#include <glib.h>

/* Split a NUL-separated /proc/PID/cmdline buffer; NULL if empty. */
GStrv same_args_split_cmdline(const char *buf, gsize len);

/*
 * Rewrite @argv (argv[0] included, which is dropped).  Returns the kept
 * arguments; each dropped option (with its argument) is appended to
 * @dropped as one string, for --verbose.
 */
GPtrArray *same_args_rewrite(const char *const *argv,
                             const char *source_qmp_path,
                             GPtrArray *dropped);

#endif
