/* Layout of a CPR state stream; see cpr-format.h. */
#include "cpr-format.h"

static gboolean fail(GError **errp, guint at, const char *what)
{
    g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "not a CPR state: %s at offset %u", what, at);
    return FALSE;
}

GArray *cpr_state_layout(const PeerStream *s, GError **errp)
{
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(CprFdEntry));
    guint len = s->bytes->len, p = CPR_HEADER_LEN;

    if (len < CPR_HEADER_LEN) {
        fail(errp, len, "header cut short");
        return NULL;
    }
    if (peer_stream_get_be32(s, 0) != CPR_STATE_MAGIC) {
        fail(errp, 0, "bad magic");
        return NULL;
    }
    if (peer_stream_get_be32(s, 4) != CPR_STATE_VERSION) {
        fail(errp, 4, "unsupported version");
        return NULL;
    }
    for (;;) {
        CprFdEntry e = { .marker_at = p };

        if (p >= len) {
            fail(errp, p, "fd list not terminated");
            return NULL;
        }
        if (s->bytes->data[p] == 0) {
            break;
        }
        e.namelen_at = p + 1;
        if (e.namelen_at + 4 > len) {
            fail(errp, e.namelen_at, "name length cut short");
            return NULL;
        }
        e.namelen = peer_stream_get_be32(s, e.namelen_at);
        if (e.namelen > len - e.namelen_at - 4) {
            fail(errp, e.namelen_at, "name longer than the stream");
            return NULL;
        }
        e.id_at = e.namelen_at + 4 + e.namelen;
        e.dummy_at = e.id_at + 4;
        if (e.dummy_at >= len || !peer_stream_has_fd_at(s, e.dummy_at)) {
            fail(errp, e.dummy_at, "no fd with the entry");
            return NULL;
        }
        g_array_append_val(entries, e);
        p = e.dummy_at + 1;
    }
    if (p + 1 != len) {
        fail(errp, p + 1, "bytes after the end of the state");
        return NULL;
    }
    return g_steal_pointer(&entries);
}
