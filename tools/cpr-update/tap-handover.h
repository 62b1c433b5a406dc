/*
 * Tap NICs: the destination cannot open a tap the source holds (EBUSY for
 * a single-queue tap), so it takes the source's own tap queue fds instead.
 * Each tap netdev of the destination's arguments (-netdev, -nic, -net)
 * named by ifname= (or by the source's fd=/fds= numbers) becomes fd=N or
 * fds=N1:N2:..., one per queue in the source's order of fds.
 */
#ifndef TAP_HANDOVER_H
#define TAP_HANDOVER_H

#include <glib.h>

#include "fd-handover.h"

typedef struct {
    int fd;             /* in the source */
    char *ifname;       /* "" for a queue detached from its interface */
} SourceTap;

/* The interface of an fdinfo text's "iff:" line ("" if empty), or NULL. */
char *tap_fdinfo_ifname(const char *fdinfo);

/* The source's tap queue fds (SourceTap), from its open files. */
GArray *tap_source_taps(GArray *source_files);
void tap_source_taps_free(GArray *taps);

/*
 * Refuse when a tap of the source would run a downscript as the source
 * quits: the script would take down the interface the destination uses.
 */
gboolean tap_check_source_downscripts(const char *const *source_argv,
                                      GError **errp);

/*
 * Rewrite the tap netdevs of @argv (argv[0] included) in place, adding the
 * source fds they need to @h and to @handed (int).  Each rewritten netdev is described in
 * @notes.  FALSE, with an error naming the netdev, if one has no matching
 * tap in the source or uses what cannot be handed over.
 */
gboolean tap_rewrite_args(GPtrArray *argv, GArray *source_taps,
                          FdHandover *h, GArray *handed, GPtrArray *notes,
                          GError **errp);

/*
 * Queues of a multi-queue tap that the guest does not use are detached
 * from the interface by QEMU (TUNSETQUEUE).  The destination, loading the
 * NIC's state, detaches them again, and QEMU aborts when that fails on a
 * queue already detached.  So just before the source migrates, each
 * detached queue among @handed (source fds) is attached again through our
 * duplicate; its local fd is added to @attached.  Until the destination
 * has loaded the NIC, packets the kernel steers to such a queue wait
 * there unread (the guest's TCP resends them).
 */
void tap_attach_detached_queues(FdHandover *h, GArray *handed, GArray *attached);

/* Rollback: detach again the queues attached above. */
void tap_detach_queues(GArray *attached);

#endif
