/*
 * The connection to the source's QMP monitor.  QEMU serves one client per
 * monitor socket; a management daemon often holds the VM's monitor for its
 * whole life, and a second client is accepted by the kernel but never
 * greeted.  That is found out by a short greeting limit of its own (not
 * the step limit) and explained: which monitor to give the VM instead.
 */
#ifndef SOURCE_MONITOR_H
#define SOURCE_MONITOR_H

#include "qmp-client.h"

/* Default limit for the source's QMP greeting (--greeting-timeout). */
#define SOURCE_MONITOR_GREETING_MS 2000

/*
 * Connect to the source's monitor at @path: greeting within @greeting_ms,
 * then capabilities within @timeout_ms.  A monitor held by another client
 * fails with QMP_CLIENT_ERROR_NO_GREETING and a message saying so and how
 * to add a monitor for cpr-update.
 */
QmpClient *source_monitor_connect(const char *path, int greeting_ms,
                                  int timeout_ms, GError **errp);

#endif
