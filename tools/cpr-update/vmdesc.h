/*
 * The vmstate description ("vmdesc"): a JSON account of every device's
 * fields that a source builds as it saves the device state, inside the
 * guest's pause, and appends to the stream for debugging tools
 * (QEMU's scripts/analyze-migration.py); the destination reads it only
 * to skip it.  Building it is most of a source's device-state save (0.9
 * of 1.3 ms for the demo machine here, 0.75 ms of it for piix4_pm's
 * hotplug arrays), so cpr-update turns it off with the machine property
 * suppress-vmdesc, which any QEMU has and sets at run time (qom-set).
 * Both sides must agree: a destination that expects the description
 * waits for it until the source closes the stream.  So the destination
 * is started with "-machine suppress-vmdesc=on" whenever the source will
 * have it on.  What cpr-update turned on it turns off again: on the
 * source if the update is rolled back, on the destination once it runs
 * the guest, so later migrations describe their stream as before.
 */
#ifndef VMDESC_H
#define VMDESC_H

#include <glib.h>

#include "qmp-client.h"

#define VMDESC_PROPERTY "suppress-vmdesc"

typedef enum {
    VMDESC_UNKNOWN,         /* the source's machine has no such property */
    VMDESC_SENT,            /* the source sends the description */
    VMDESC_SUPPRESSED,      /* it does not (already, or set by cpr-update) */
} VmdescState;

/* Whether the source behind @c sends the description. */
VmdescState vmdesc_state(QmpClient *c, int timeout_ms);

/* Set the machine's suppress-vmdesc on the QEMU behind @c. */
gboolean vmdesc_set_suppressed(QmpClient *c, gboolean suppressed, int timeout_ms,
                               GError **errp);

/* Append the destination's matching option to @argv. */
void vmdesc_add_dest_args(GPtrArray *argv);

#endif
