/* The source's QMP monitor, and a monitor held by someone else; see source-monitor.h. */
#include "source-monitor.h"

QmpClient *source_monitor_connect(const char *path, int greeting_ms,
                                  int timeout_ms, GError **errp)
{
    g_autoptr(GError) err = NULL;
    QmpClient *c = qmp_client_connect_greeting(path, greeting_ms, timeout_ms, &err);

    if (c) {
        return c;
    }
    if (!g_error_matches(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_NO_GREETING)) {
        g_propagate_error(errp, g_steal_pointer(&err));
        return NULL;
    }
    /*
     * QEMU 10.0 has no QMP or HMP command that creates a monitor at run
     * time (chardev-add makes a chardev, but only -mon/-qmp at startup put
     * a monitor on one), so the advice is for the VM's next start.
     */
    g_set_error(errp, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_NO_GREETING,
                "accepted the connection but sent no QMP greeting within %.1f s: "
                "the monitor is most likely in use by another client (QEMU "
                "serves one client per monitor socket). Give the VM a second "
                "monitor for cpr-update, e.g. start it with "
                "-qmp unix:PATH,server=on,wait=off (QEMU 10.0 cannot add a "
                "monitor to a running VM), or disconnect the other client "
                "first, then run cpr-update --source PATH",
                greeting_ms / 1000.0);
    return NULL;
}
