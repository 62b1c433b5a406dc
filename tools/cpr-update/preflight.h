/*
 * Checks of the destination's arguments that run first, before anything
 * touches the guest: what a live update would break or cannot do.
 *
 * User networking (slirp): the guest's connections through it are host
 * sockets of the source QEMU, which the destination cannot take over: they
 * are reset (a warning).  A hostfwd= rule cannot be set up by the
 * destination while the source holds the port (refused).
 */
#ifndef PREFLIGHT_H
#define PREFLIGHT_H

#include <glib.h>

/* Warnings are appended to @warnings; FALSE, with @errp set, to refuse. */
gboolean preflight_check(GPtrArray *dest_argv, GPtrArray *warnings,
                         GError **errp);

#endif
