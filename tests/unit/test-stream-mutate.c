/*
 * Unit tests for the hostile-peer streams: the CPR state layout, and that
 * every mutation is one a destination must refuse, judged by a model of
 * how QEMU 10.0 loads a CPR state (cpr_state_load_file over a QEMUFile
 * that receives fds with SCM_RIGHTS).
 */
#include "cpr-format.h"
#include "stream-mutate.h"

#include <string.h>

/* A valid CPR state with fds named like those of a pc machine. */
static PeerStream *sample_state(void)
{
    static const char *names[] = { "ram0", "pc.bios", "pc.rom", "/rom@etc/acpi/tables" };
    PeerStream *s = peer_stream_new();
    guint8 more = 1, dummy = ' ', end = 0;

    peer_stream_append_be32(s, CPR_STATE_MAGIC);
    peer_stream_append_be32(s, CPR_STATE_VERSION);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        guint at;

        peer_stream_append(s, &more, 1);
        peer_stream_append_be32(s, strlen(names[i]) + 1);
        peer_stream_append(s, names[i], strlen(names[i]) + 1);
        peer_stream_append_be32(s, 0);
        at = s->bytes->len;
        peer_stream_append(s, &dummy, 1);
        g_array_append_val(s->fd_at, at);
    }
    peer_stream_append(s, &end, 1);
    return s;
}

/*
 * The model: bytes arrive in reads of up to 32 KiB, a read ends with the
 * byte that carries fds (as the kernel does), an fd is taken with its
 * dummy byte only if one has arrived, and running out of stream fails.
 */
typedef struct {
    const PeerStream *s;
    guint pos, received, fds_received, fds_taken;
} Model;

static gboolean receive_up_to(Model *m, guint need)
{
    while (m->received <= need) {
        guint end = MIN(m->s->bytes->len, m->received + 32768);

        if (m->received >= m->s->bytes->len) {
            return FALSE;
        }
        for (guint i = 0; i < m->s->fd_at->len; i++) {
            guint at = g_array_index(m->s->fd_at, guint, i);

            if (at >= m->received && at < end) {
                end = at + 1;
                m->fds_received++;
                break;
            }
        }
        m->received = end;
    }
    return TRUE;
}

static gboolean take(Model *m, guint32 n)
{
    if ((guint64)m->pos + n > m->s->bytes->len) {
        return FALSE;       /* the stream ends first */
    }
    if (n && !receive_up_to(m, m->pos + n - 1)) {
        return FALSE;
    }
    m->pos += n;
    return TRUE;
}

static gboolean be32(Model *m, guint32 *v)
{
    if (!take(m, 4)) {
        return FALSE;
    }
    *v = peer_stream_get_be32(m->s, m->pos - 4);
    return TRUE;
}

static gboolean model_loads(const PeerStream *s)
{
    Model m = { .s = s };
    guint32 v, namelen, id;

    if (!be32(&m, &v) || v != CPR_STATE_MAGIC || !be32(&m, &v) || v != CPR_STATE_VERSION) {
        return FALSE;
    }
    for (;;) {
        if (!take(&m, 1)) {
            return FALSE;
        }
        if (s->bytes->data[m.pos - 1] == 0) {
            return TRUE;
        }
        if (!be32(&m, &namelen) || !take(&m, namelen) || !be32(&m, &id)) {
            return FALSE;
        }
        /* The fd: peek the dummy byte, take it only with an fd. */
        if (!receive_up_to(&m, m.pos)) {
            return FALSE;
        }
        if (m.fds_received > m.fds_taken) {
            m.fds_taken++;
            m.pos++;
        }
    }
}

static void test_layout(void)
{
    g_autoptr(PeerStream) s = sample_state();
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) layout = cpr_state_layout(s, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(layout->len, ==, 4);
    g_assert_cmpuint(g_array_index(layout, CprFdEntry, 0).namelen, ==, 5);
    g_assert_true(model_loads(s));

    peer_stream_truncate(s, s->bytes->len - 1);
    g_assert_null(cpr_state_layout(s, &err));
    g_assert_nonnull(strstr(err->message, "not terminated"));
}

static void test_cpr_mutations_are_refused(void)
{
    g_autoptr(PeerStream) valid = sample_state();
    g_autoptr(GArray) layout = cpr_state_layout(valid, NULL);

    for (guint seed = 0; seed < 2; seed++) {
        for (guint i = 0; i < 1200; i++) {
            g_autofree char *what = NULL;
            g_autoptr(PeerStream) s = mutate_cpr_state(valid, layout, seed, i, &what);

            if (model_loads(s)) {
                g_error("seed %u mutation %u would load: %s", seed, i, what);
            }
        }
    }
}

static void test_cpr_truncates_at_every_length(void)
{
    g_autoptr(PeerStream) valid = sample_state();
    g_autoptr(GArray) layout = cpr_state_layout(valid, NULL);

    for (guint i = 0; i < valid->bytes->len; i++) {
        g_autofree char *what = NULL;
        g_autoptr(PeerStream) s = mutate_cpr_state(valid, layout, 7, i, &what);

        g_assert_cmpuint(s->bytes->len, ==, i);
        g_assert_cmpmem(s->bytes->data, i, valid->bytes->data, i);
    }
}

static void test_deterministic(void)
{
    g_autoptr(PeerStream) valid = sample_state();
    g_autoptr(GArray) layout = cpr_state_layout(valid, NULL);
    gboolean seeds_differ = FALSE;

    for (guint i = 0; i < 400; i++) {
        g_autofree char *w1 = NULL, *w2 = NULL, *w3 = NULL;
        g_autoptr(PeerStream) a = mutate_cpr_state(valid, layout, 42, i, &w1);
        g_autoptr(PeerStream) b = mutate_cpr_state(valid, layout, 42, i, &w2);
        g_autoptr(PeerStream) c = mutate_cpr_state(valid, layout, 43, i, &w3);

        g_assert_cmpstr(w1, ==, w2);
        g_assert_cmpmem(a->bytes->data, a->bytes->len, b->bytes->data, b->bytes->len);
        g_assert_cmpmem(a->fd_at->data, a->fd_at->len * sizeof(guint),
                        b->fd_at->data, b->fd_at->len * sizeof(guint));
        seeds_differ |= a->bytes->len != c->bytes->len ||
                        memcmp(a->bytes->data, c->bytes->data, a->bytes->len);
    }
    g_assert_true(seeds_differ);
}

static void test_vm_headers_are_broken(void)
{
    guint8 good[CPR_HEADER_LEN] = { 'Q', 'E', 'V', 'M', 0, 0, 0, VM_STREAM_VERSION };
    guint flipped = 0;

    for (guint i = 0; i < 1000; i++) {
        g_autofree char *what = NULL;
        g_autoptr(PeerStream) s = mutate_vm_header(1, i, &what);

        if (s->bytes->len >= CPR_HEADER_LEN &&
            !memcmp(s->bytes->data, good, CPR_HEADER_LEN)) {
            g_error("mutation %u has a valid header: %s", i, what);
        }
        flipped += g_str_has_suffix(what, "flipped");
    }
    g_assert_cmpuint(flipped, ==, CPR_HEADER_LEN * 8);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpr-format/layout", test_layout);
    g_test_add_func("/stream-mutate/cpr-refused", test_cpr_mutations_are_refused);
    g_test_add_func("/stream-mutate/cpr-truncations", test_cpr_truncates_at_every_length);
    g_test_add_func("/stream-mutate/deterministic", test_deterministic);
    g_test_add_func("/stream-mutate/vm-headers", test_vm_headers_are_broken);
    return g_test_run();
}
