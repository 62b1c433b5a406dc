/* Byte streams with fd positions; see peer-stream.h. */
#include "peer-stream.h"

#include <string.h>

PeerStream *peer_stream_new(void)
{
    PeerStream *s = g_new0(PeerStream, 1);

    s->bytes = g_byte_array_new();
    s->fd_at = g_array_new(FALSE, FALSE, sizeof(guint));
    return s;
}

PeerStream *peer_stream_copy(const PeerStream *s)
{
    PeerStream *c = peer_stream_new();

    g_byte_array_append(c->bytes, s->bytes->data, s->bytes->len);
    g_array_append_vals(c->fd_at, s->fd_at->data, s->fd_at->len);
    return c;
}

void peer_stream_free(PeerStream *s)
{
    if (s) {
        g_byte_array_unref(s->bytes);
        g_array_unref(s->fd_at);
        g_free(s);
    }
}

void peer_stream_append(PeerStream *s, const void *data, guint len)
{
    g_byte_array_append(s->bytes, data, len);
}

void peer_stream_append_be32(PeerStream *s, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);

    g_byte_array_append(s->bytes, (const guint8 *)&be, 4);
}

void peer_stream_truncate(PeerStream *s, guint len)
{
    if (len < s->bytes->len) {
        g_byte_array_set_size(s->bytes, len);
    }
    while (s->fd_at->len &&
           g_array_index(s->fd_at, guint, s->fd_at->len - 1) >= s->bytes->len) {
        g_array_set_size(s->fd_at, s->fd_at->len - 1);
    }
}

gboolean peer_stream_has_fd_at(const PeerStream *s, guint offset)
{
    for (guint i = 0; i < s->fd_at->len; i++) {
        if (g_array_index(s->fd_at, guint, i) == offset) {
            return TRUE;
        }
    }
    return FALSE;
}

guint32 peer_stream_get_be32(const PeerStream *s, guint offset)
{
    const guint8 *p = s->bytes->data + offset;

    g_assert(offset + 4 <= s->bytes->len);
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

void peer_stream_set_be32(PeerStream *s, guint offset, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);

    g_assert(offset + 4 <= s->bytes->len);
    memcpy(s->bytes->data + offset, &be, 4);
}

gboolean peer_stream_load(const char *path, PeerStream **out, GError **errp)
{
    g_autoptr(PeerStream) s = peer_stream_new();
    g_autofree char *fds_path = g_strconcat(path, ".fds", NULL);
    g_autofree char *data = NULL, *fds = NULL;
    g_auto(GStrv) lines = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, errp)) {
        return FALSE;
    }
    peer_stream_append(s, data, len);
    if (!g_file_get_contents(fds_path, &fds, NULL, errp)) {
        return FALSE;
    }
    lines = g_strsplit(fds, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        guint64 off;

        if (!*lines[i]) {
            continue;
        }
        if (!g_ascii_string_to_unsigned(lines[i], 10, 0, len ? len - 1 : 0,
                                        &off, NULL)) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "%s line %u: '%s' is not an offset into the stream",
                        fds_path, i + 1, lines[i]);
            return FALSE;
        }
        guint o = off;
        g_array_append_val(s->fd_at, o);
    }
    *out = g_steal_pointer(&s);
    return TRUE;
}

gboolean peer_stream_save(const PeerStream *s, const char *path, GError **errp)
{
    g_autofree char *fds_path = g_strconcat(path, ".fds", NULL);
    g_autoptr(GString) fds = g_string_new(NULL);

    for (guint i = 0; i < s->fd_at->len; i++) {
        g_string_append_printf(fds, "%u\n", g_array_index(s->fd_at, guint, i));
    }
    return g_file_set_contents(path, (const char *)s->bytes->data,
                               s->bytes->len, errp) &&
           g_file_set_contents(fds_path, fds->str, fds->len, errp);
}
