/* The destination announced to its supervisor; see supervise.h. */
#include "supervise.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

/* How long systemd gets to confirm it has read MAINPID= (a barrier). */
#define NOTIFY_BARRIER_US (5 * G_USEC_PER_SEC)

static gboolean under_systemd(void)
{
    const char *s = g_getenv("NOTIFY_SOCKET");

    return s && *s;
}

gboolean supervise_wanted(const char *pidfile)
{
    return pidfile || under_systemd();
}

gboolean supervise_check_pidfile(const char *pidfile, GError **errp)
{
    g_autofree char *dir = g_path_get_dirname(pidfile);

    if (g_file_test(pidfile, G_FILE_TEST_IS_DIR)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                    "--pidfile %s is a directory", pidfile);
        return FALSE;
    }
    /* The file is replaced by a rename, so it is the directory that matters. */
    if (g_access(dir, W_OK | X_OK) < 0) {
        int e = errno;

        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(e),
                    "--pidfile %s: cannot write in %s: %s", pidfile, dir,
                    g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

static gboolean write_pidfile(const char *pidfile, int pid, GError **errp)
{
    g_autofree char *text = g_strdup_printf("%d\n", pid);

    /* A temporary file in the same directory, renamed over the old one. */
    if (!g_file_set_contents_full(pidfile, text, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644, errp)) {
        g_prefix_error(errp, "--pidfile: ");
        return FALSE;
    }
    return TRUE;
}

static gboolean notify_mainpid(int pid, GPtrArray *warnings, GError **errp)
{
    int r = sd_notifyf(0, "MAINPID=%d", pid);

    if (r < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(-r),
                    "cannot tell systemd the new main PID %d (NOTIFY_SOCKET=%s): %s",
                    pid, g_getenv("NOTIFY_SOCKET"), g_strerror(-r));
        return FALSE;
    }
    /* Wait until systemd has read it: then the source may exit. */
    r = sd_notify_barrier(0, NOTIFY_BARRIER_US);
    if (r < 0) {
        g_ptr_array_add(warnings, g_strdup_printf(
            "systemd did not confirm MAINPID=%d within %d s (%s)", pid,
            (int)(NOTIFY_BARRIER_US / G_USEC_PER_SEC), g_strerror(-r)));
    }
    return TRUE;
}

gboolean supervise_announce(const char *pidfile, int pid, GPtrArray *warnings,
                            GError **errp)
{
    if (pidfile && !write_pidfile(pidfile, pid, errp)) {
        return FALSE;
    }
    return !under_systemd() || notify_mainpid(pid, warnings, errp);
}
