/*
 * A byte stream as a migration peer sends it: the bytes, and the offsets
 * of the bytes that travel with a file descriptor (SCM_RIGHTS), as the
 * fds of QEMU's CPR state do.  Saved as two files: PATH (the bytes) and
 * PATH.fds (one offset per line).
 */
#ifndef PEER_STREAM_H
#define PEER_STREAM_H

#include <glib.h>

typedef struct {
    GByteArray *bytes;
    GArray *fd_at;          /* guint offsets into bytes, ascending */
} PeerStream;

PeerStream *peer_stream_new(void);
PeerStream *peer_stream_copy(const PeerStream *s);
void peer_stream_free(PeerStream *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PeerStream, peer_stream_free)

void peer_stream_append(PeerStream *s, const void *data, guint len);
void peer_stream_append_be32(PeerStream *s, guint32 v);
/* Keep the first @len bytes (and the fds that travel with them). */
void peer_stream_truncate(PeerStream *s, guint len);
gboolean peer_stream_has_fd_at(const PeerStream *s, guint offset);
guint32 peer_stream_get_be32(const PeerStream *s, guint offset);
void peer_stream_set_be32(PeerStream *s, guint offset, guint32 v);

gboolean peer_stream_load(const char *path, PeerStream **out, GError **errp);
gboolean peer_stream_save(const PeerStream *s, const char *path, GError **errp);

#endif
