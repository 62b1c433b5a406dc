/*
 * The vmstate description ("vmdesc"): a JSON account of every device's
 * fields that a source builds as it saves the device state, inside the
 * guest's pause, and appends to the stream for debugging tools (QEMU's
 * scripts/analyze-migration.py); the destination reads it only to skip
 * it.  Building it is most of the device state's save (PIIX4 PM's
 * hotplug arrays alone: 0.75 ms with it, 0.02 ms without), so cpr-update
 * turns it off with the machine property suppress-vmdesc, which any QEMU
 * has and sets at run time (qom-set).  Both sides must agree: a
 * destination that expects the description waits for it until the
 * source closes the stream.  So the destination is started with
 * "-machine suppress-vmdesc=on" whenever the source will have it on.
 * What cpr-update turned on it turns off again: on the source if the
 * update is rolled back, on the destination once it runs the guest, so
 * later migrations describe their stream as before.
 */
#ifndef VMDESC_H
#define VMDESC_H

#include <glib.h>

#include "qmp-client.h"

#define VMDESC_PROPERTY "suppress-vmdesc"

typedef enum {
    VMDESC_UNKNOWN,         /* the source's machine has no such property */
    VMDESC_SENT,            /* the source sends the description */
    VMDESC_SUPPRESSED,      /* it does not */
} VmdescState;

typedef struct {
    VmdescState source;     /* as found on the source */
    gboolean keep;          /* --keep-vmdesc: leave the source's alone */
    gboolean changed;       /* the source's turned off by cpr-update */
} Vmdesc;

/* What the source behind @src does; @keep: leave it as it is. */
void vmdesc_read(Vmdesc *v, QmpClient *src, gboolean keep, int timeout_ms);

/* Will the stream carry the description? */
gboolean vmdesc_sent(const Vmdesc *v);

/* The destination's matching option, appended to @argv where needed. */
void vmdesc_add_dest_args(const Vmdesc *v, GPtrArray *argv);

/* Turn the source's off, unless kept or already off. */
gboolean vmdesc_suppress_source(Vmdesc *v, QmpClient *src, int timeout_ms,
                                GError **errp);

/* Rolled back: the source's as it was. */
gboolean vmdesc_restore_source(Vmdesc *v, QmpClient *src, int timeout_ms);

/* Handed over: the destination describes its stream as the source did. */
gboolean vmdesc_restore_dest(const Vmdesc *v, QmpClient *dst, int timeout_ms,
                             GError **errp);

#endif
