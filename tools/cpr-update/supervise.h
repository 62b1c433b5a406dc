/*
 * Handing the VM to whatever supervises it: once the destination runs the
 * guest, and before the source quits, its pid goes to --pidfile and, when
 * cpr-update runs under systemd (NOTIFY_SOCKET set, as in a unit's
 * ExecReload=), to systemd as the service's new main PID (MAINPID=).
 * Both must happen before the old main process exits: a supervisor that
 * sees its main process gone while it still names the source considers
 * the VM dead (systemd then stops the unit and kills its cgroup, which
 * now holds the destination).
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <glib.h>

/* Anything to do: a pid file asked for, or systemd listening. */
gboolean supervise_wanted(const char *pidfile);

/*
 * Before anything touches the guest: can @pidfile be written?  (Its
 * directory must exist and be writable, and it must not be a directory.)
 */
gboolean supervise_check_pidfile(const char *pidfile, GError **errp);

/*
 * Announce @pid as the process running the guest: write @pidfile (if not
 * NULL) atomically, as QEMU's -pidfile would ("PID\n"), then send systemd
 * "MAINPID=PID" and wait (a barrier) until it has processed it.  FALSE if
 * either could not be done; a barrier that times out is only a warning
 * (added to @warnings), as systemd reads notifications before SIGCHLD.
 */
gboolean supervise_announce(const char *pidfile, int pid, GPtrArray *warnings,
                            GError **errp);

#endif
