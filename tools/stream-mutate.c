/* Deterministic stream mutations; see stream-mutate.h. */
#include "stream-mutate.h"
#include "cpr-format.h"

#include <string.h>

/* One generator per (seed, index), so any mutation can be replayed alone. */
static GRand *rand_for(guint32 seed, guint index, guint32 kind)
{
    guint32 words[3] = { seed, index, kind };

    return g_rand_new_with_seed_array(words, 3);
}

static void append_random(PeerStream *s, GRand *r, guint len)
{
    for (guint i = 0; i < len; i++) {
        guint8 b = g_rand_int_range(r, 0, 256);

        peer_stream_append(s, &b, 1);
    }
}

/* A 32-bit value other than @avoid: edge values first, then random. */
static guint32 other_than(GRand *r, guint32 avoid)
{
    static const guint32 edges[] = { 0, 0xffffffffu, 0x80000000u, 2, 0x7fffffffu };
    guint pick = g_rand_int_range(r, 0, G_N_ELEMENTS(edges) + 3);
    guint32 v = pick < G_N_ELEMENTS(edges) ? edges[pick] : g_rand_int(r);

    return v == avoid ? v ^ 1 : v;
}

/* Garbage of @len bytes that does not begin with @magic. */
static PeerStream *garbage(GRand *r, guint len, guint32 magic)
{
    PeerStream *s = peer_stream_new();

    append_random(s, r, len);
    if (len >= 4 && peer_stream_get_be32(s, 0) == magic) {
        s->bytes->data[0] ^= 0x80;
    }
    return s;
}

static gint compare_offsets(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;

    return x < y ? -1 : x > y;
}

static void flip_bit(PeerStream *s, guint bit)
{
    s->bytes->data[bit / 8] ^= 1u << (bit % 8);
}

enum {
    CPR_WRONG_MAGIC, CPR_WRONG_VERSION, CPR_HEADER_FLIP, CPR_HUGE_NAMELEN,
    CPR_FD_WITHHELD, CPR_EXTRA_FD_TRUNCATED, CPR_GARBAGE, CPR_OVERSIZED_LIST,
    CPR_OVERSIZED_NAME, CPR_UNKNOWN_SUBSECTION, CPR_N_KINDS
};

PeerStream *mutate_cpr_state(const PeerStream *valid, const GArray *layout,
                             guint32 seed, guint index, char **what)
{
    guint len = valid->bytes->len;
    g_autoptr(GRand) r = NULL;
    PeerStream *s;
    guint kind;

    if (index < len) {
        s = peer_stream_copy(valid);
        peer_stream_truncate(s, index);
        *what = g_strdup_printf("cpr state truncated to %u of %u bytes", index, len);
        return s;
    }
    kind = (index - len) % CPR_N_KINDS;
    r = rand_for(seed, index, kind);
    if (!layout->len && (kind == CPR_HUGE_NAMELEN || kind == CPR_FD_WITHHELD ||
                         kind == CPR_UNKNOWN_SUBSECTION)) {
        kind = CPR_GARBAGE;     /* no fd entry to work on */
    }

    switch (kind) {
    case CPR_WRONG_MAGIC: {
        guint32 v = other_than(r, CPR_STATE_MAGIC);

        s = peer_stream_copy(valid);
        peer_stream_set_be32(s, 0, v);
        *what = g_strdup_printf("cpr state with magic 0x%08x", v);
        return s;
    }
    case CPR_WRONG_VERSION: {
        guint32 v = other_than(r, CPR_STATE_VERSION);

        s = peer_stream_copy(valid);
        peer_stream_set_be32(s, 4, v);
        *what = g_strdup_printf("cpr state with version 0x%08x", v);
        return s;
    }
    case CPR_HEADER_FLIP: {
        guint bit = g_rand_int_range(r, 0, CPR_HEADER_LEN * 8);

        s = peer_stream_copy(valid);
        flip_bit(s, bit);
        *what = g_strdup_printf("cpr state with header bit %u flipped", bit);
        return s;
    }
    case CPR_HUGE_NAMELEN: {
        guint k = g_rand_int_range(r, 0, layout->len);
        const CprFdEntry *e = &g_array_index(layout, CprFdEntry, k);
        /* Longer than what follows, so the load must run out of stream. */
        guint32 rest = len - e->namelen_at - 4;
        static const guint32 huge[] = { 0xffffffffu, 0x80000000u, 0x7fffffffu,
                                        0x10000000u };
        guint pick = g_rand_int_range(r, 0, G_N_ELEMENTS(huge) + 1);
        guint32 v = pick < G_N_ELEMENTS(huge) ? huge[pick]
                    : rest + 1 + g_rand_int_range(r, 0, 4096);

        s = peer_stream_copy(valid);
        peer_stream_set_be32(s, e->namelen_at, v);
        *what = g_strdup_printf("cpr state with name length of fd %u set to %u", k, v);
        return s;
    }
    case CPR_FD_WITHHELD: {
        guint k = g_rand_int_range(r, 0, valid->fd_at->len);

        s = peer_stream_copy(valid);
        g_array_remove_index(s->fd_at, k);
        *what = g_strdup_printf("cpr state without fd %u", k);
        return s;
    }
    case CPR_EXTRA_FD_TRUNCATED: {
        guint extra = g_rand_int_range(r, 1, 4), cut = g_rand_int_range(r, 0, len);

        s = peer_stream_copy(valid);
        for (guint i = 0; i < extra; i++) {
            guint at = g_rand_int_range(r, 0, len);

            if (!peer_stream_has_fd_at(s, at)) {
                g_array_append_val(s->fd_at, at);
            }
        }
        g_array_sort(s->fd_at, compare_offsets);
        peer_stream_truncate(s, cut);
        *what = g_strdup_printf("cpr state with %u extra fds, truncated to %u bytes",
                                extra, cut);
        return s;
    }
    case CPR_GARBAGE: {
        guint n = g_rand_int_range(r, 1, 4097);

        *what = g_strdup_printf("%u bytes of garbage on the cpr channel", n);
        return garbage(r, n, CPR_STATE_MAGIC);
    }
    case CPR_OVERSIZED_LIST: {
        guint n = g_rand_int_range(r, 1000, 20001);

        s = peer_stream_new();
        peer_stream_append_be32(s, CPR_STATE_MAGIC);
        peer_stream_append_be32(s, CPR_STATE_VERSION);
        for (guint i = 0; i < n; i++) {
            guint8 more = 1;
            guint namelen = g_rand_int_range(r, 1, 65);

            /* No fd byte: the load takes fd -1 and reads on. */
            peer_stream_append(s, &more, 1);
            peer_stream_append_be32(s, namelen);
            append_random(s, r, namelen);
            peer_stream_append_be32(s, i);
        }
        *what = g_strdup_printf("cpr state of %u fds never terminated (%u bytes)",
                                n, s->bytes->len);
        return s;
    }
    case CPR_UNKNOWN_SUBSECTION: {
        /*
         * After an entry's fd, a subsection of "cpr fd" that QEMU does not
         * know: the entry's load fails once its fd has been claimed.
         */
        guint k = g_rand_int_range(r, 0, layout->len);
        const CprFdEntry *e = &g_array_index(layout, CprFdEntry, k);
        static const char idstr[] = "cpr fd/unknown";
        guint8 head[2] = { 0x05, sizeof(idstr) - 1 };  /* QEMU_VM_SUBSECTION */

        s = peer_stream_copy(valid);
        peer_stream_truncate(s, e->dummy_at + 1);
        peer_stream_append(s, head, 2);
        peer_stream_append(s, idstr, sizeof(idstr) - 1);
        *what = g_strdup_printf("cpr state with an unknown subsection after fd %u", k);
        return s;
    }
    default: {     /* CPR_OVERSIZED_NAME */
        guint namelen = g_rand_int_range(r, 1 << 20, (4 << 20) + 1);
        guint8 more = 1;
        g_autofree guint8 *name = g_malloc(namelen);

        s = peer_stream_new();
        peer_stream_append_be32(s, CPR_STATE_MAGIC);
        peer_stream_append_be32(s, CPR_STATE_VERSION);
        peer_stream_append(s, &more, 1);
        peer_stream_append_be32(s, namelen);
        memset(name, 'n', namelen);
        peer_stream_append(s, name, namelen);
        *what = g_strdup_printf("cpr state with a %u-byte name, cut after it",
                                namelen);
        return s;
    }
    }
}

enum {
    VM_WRONG_MAGIC, VM_WRONG_VERSION, VM_GARBAGE, VM_OVERSIZED,
    VM_OVERSIZED_GARBAGE, VM_CPR_HEADER, VM_FLIPS_TRUNCATED, VM_N_KINDS
};

static PeerStream *vm_header(guint32 magic, guint32 version)
{
    PeerStream *s = peer_stream_new();

    peer_stream_append_be32(s, magic);
    peer_stream_append_be32(s, version);
    return s;
}

PeerStream *mutate_vm_header(guint32 seed, guint index, char **what)
{
    const guint bits = CPR_HEADER_LEN * 8;
    g_autoptr(GRand) r = NULL;
    PeerStream *s;
    guint kind;

    if (index < CPR_HEADER_LEN) {
        s = vm_header(VM_STREAM_MAGIC, VM_STREAM_VERSION);
        peer_stream_truncate(s, index);
        *what = g_strdup_printf("migration header truncated to %u bytes", index);
        return s;
    }
    if (index < CPR_HEADER_LEN + bits) {
        guint bit = index - CPR_HEADER_LEN;

        s = vm_header(VM_STREAM_MAGIC, VM_STREAM_VERSION);
        flip_bit(s, bit);
        *what = g_strdup_printf("migration header with bit %u flipped", bit);
        return s;
    }
    kind = (index - CPR_HEADER_LEN - bits) % VM_N_KINDS;
    r = rand_for(seed, index, kind);

    switch (kind) {
    case VM_WRONG_MAGIC: {
        guint32 v = other_than(r, VM_STREAM_MAGIC);

        *what = g_strdup_printf("migration header with magic 0x%08x", v);
        return vm_header(v, VM_STREAM_VERSION);
    }
    case VM_WRONG_VERSION: {
        guint32 v = other_than(r, VM_STREAM_VERSION);

        *what = g_strdup_printf("migration header with version 0x%08x", v);
        return vm_header(VM_STREAM_MAGIC, v);
    }
    case VM_GARBAGE: {
        guint n = g_rand_int_range(r, 1, 4097);

        *what = g_strdup_printf("%u bytes of garbage on the main channel", n);
        return garbage(r, n, VM_STREAM_MAGIC);
    }
    case VM_OVERSIZED: {
        guint32 v = other_than(r, VM_STREAM_VERSION);
        guint n = g_rand_int_range(r, 16 << 10, (256 << 10) + 1);

        s = vm_header(VM_STREAM_MAGIC, v);
        append_random(s, r, n);
        *what = g_strdup_printf("migration header with version 0x%08x and %u bytes after it",
                                v, n);
        return s;
    }
    case VM_OVERSIZED_GARBAGE: {
        guint n = g_rand_int_range(r, 16 << 10, (256 << 10) + 1);

        *what = g_strdup_printf("%u bytes of garbage on the main channel", n);
        return garbage(r, n, VM_STREAM_MAGIC);
    }
    case VM_CPR_HEADER:
        *what = g_strdup("a CPR state header on the main channel");
        return vm_header(CPR_STATE_MAGIC, CPR_STATE_VERSION);
    default: {     /* VM_FLIPS_TRUNCATED */
        guint flips = g_rand_int_range(r, 1, 4);
        guint cut = g_rand_int_range(r, 0, CPR_HEADER_LEN);

        s = vm_header(VM_STREAM_MAGIC, VM_STREAM_VERSION);
        for (guint i = 0; i < flips; i++) {
            flip_bit(s, g_rand_int_range(r, 0, bits));
        }
        peer_stream_truncate(s, cut);
        *what = g_strdup_printf("migration header with %u bit flips, truncated to %u bytes",
                                flips, cut);
        return s;
    }
    }
}
