/*
 * The two stream beginnings a cpr-transfer destination reads from its
 * peers, as QEMU 10.0 writes them:
 *
 * CPR state (cpr channel): be32 magic "QCPR", be32 version 1, then the
 * vmstate of the fd list: per fd a byte 1, be32 namelen, namelen bytes of
 * name, be32 id, and one dummy byte that carries the fd (SCM_RIGHTS); a
 * byte 0 ends the list.
 *
 * Migration stream (main channel): be32 magic "QEVM", be32 version 3.
 */
#ifndef CPR_FORMAT_H
#define CPR_FORMAT_H

#include "peer-stream.h"

#define CPR_STATE_MAGIC     0x51435052u
#define CPR_STATE_VERSION   1u
#define VM_STREAM_MAGIC     0x5145564du
#define VM_STREAM_VERSION   3u
#define CPR_HEADER_LEN      8u

/* Where the fields of one fd entry of a CPR state are. */
typedef struct {
    guint marker_at;
    guint namelen_at;
    guint32 namelen;
    guint id_at;
    guint dummy_at;
} CprFdEntry;

/*
 * Walk a complete CPR state as QEMU loads it.  Returns its fd entries
 * (GArray of CprFdEntry), or NULL with @errp naming what is wrong when the
 * stream is not exactly one valid CPR state.
 */
GArray *cpr_state_layout(const PeerStream *s, GError **errp);

#endif
