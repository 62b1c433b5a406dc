/*
 * Deterministic broken streams for a waiting cpr-transfer destination.
 * Mutation @index of seed @seed is always the same stream.  Every stream
 * made here is one QEMU must refuse: it never loads as a valid CPR state
 * or starts with a valid migration stream header.
 *
 * CPR states: first a truncation at every length of the valid state,
 * then in turn: wrong magic, wrong version, a flipped header bit, a name
 * length made huge, an fd withheld, extra fds with a truncation, garbage,
 * an oversized fd list never terminated, an oversized name cut short, an
 * unknown subsection right after an fd.
 *
 * Migration headers: a truncation at every length of the header, every
 * single bit flip, then in turn: wrong magic, wrong version, garbage,
 * oversized (valid magic, wrong version, up to 256 KiB after it), oversized
 * garbage, a CPR state header, bit flips with a truncation.
 */
#ifndef STREAM_MUTATE_H
#define STREAM_MUTATE_H

#include "peer-stream.h"

/*
 * @valid: a complete CPR state, @layout: its cpr_state_layout().  Returns
 * the mutated stream; *@what describes it (caller frees).
 */
PeerStream *mutate_cpr_state(const PeerStream *valid, const GArray *layout,
                             guint32 seed, guint index, char **what);

PeerStream *mutate_vm_header(guint32 seed, guint index, char **what);

#endif
