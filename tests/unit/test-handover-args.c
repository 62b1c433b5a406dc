/*
 * Unit tests for what cpr-update changes in the destination's arguments:
 * tap netdevs to the source's fds, listening sockets to the source's fds,
 * and the pre-flight checks; plus the /proc parsing they rely on.
 */
#include "fd-handover.h"
#include "preflight.h"
#include "qemu-args.h"
#include "socket-handover.h"
#include "tap-handover.h"

#include <stdlib.h>
#include <string.h>

static GPtrArray *args_of(const char *const *argv)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

    for (int i = 0; argv[i]; i++) {
        g_ptr_array_add(a, g_strdup(argv[i]));
    }
    return a;
}

static char *joined(GPtrArray *a)
{
    g_ptr_array_add(a, NULL);
    char *s = g_strjoinv(" ", (char **)a->pdata);
    g_ptr_array_remove_index(a, a->len - 1);
    return s;
}

/* "source fd -> destination fd" pairs of a handover, as text. */
static char *handed(FdHandover *h)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < h->fds->len; i++) {
        HandedFd *f = &g_array_index(h->fds, HandedFd, i);
        g_string_append_printf(s, "%s%d->%d", i ? " " : "", f->source_fd, f->target_fd);
    }
    return g_string_free(s, FALSE);
}

static GArray *taps_of(const char *spec)
{
    /* "5:tap0 6:tap0 9:" -> SourceTap list */
    GArray *taps = g_array_new(FALSE, TRUE, sizeof(SourceTap));
    g_auto(GStrv) items = g_strsplit(spec, " ", -1);

    for (int i = 0; items[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(items[i], ":", 2);
        SourceTap t = { .fd = atoi(kv[0]), .ifname = g_strdup(kv[1]) };
        g_array_append_val(taps, t);
    }
    return taps;
}

/* Rewrite taps; returns the arguments or "ERROR: message". */
static char *tap_rewrite(const char *const *argv, const char *taps_spec,
                         char **handed_out)
{
    g_autoptr(GPtrArray) a = args_of(argv);
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) tap_fds = g_array_new(FALSE, FALSE, sizeof(int));
    GArray *taps = taps_of(taps_spec);
    FdHandover h;
    char *out;

    fd_handover_init(&h);
    if (tap_rewrite_args(a, taps, &h, tap_fds, notes, &err)) {
        out = joined(a);
        /* Every fd handed over is recorded as a tap queue. */
        g_assert_cmpuint(tap_fds->len, ==, h.fds->len);
        /* One note per tap handed over. */
        g_assert_cmpuint(notes->len, ==, h.fds->len ? notes->len : 0);
    } else {
        out = g_strdup_printf("ERROR: %s", err->message);
    }
    if (handed_out) {
        *handed_out = handed(&h);
    }
    tap_source_taps_free(taps);
    fd_handover_clear(&h);
    return out;
}

static void test_opts_split_join(void)
{
    g_autoptr(GPtrArray) e = qemu_opts_split("socket,id=a,path=/x,,y,server");
    g_autofree char *back = qemu_opts_join(e);

    g_assert_cmpuint(e->len, ==, 4);
    g_assert_cmpstr(qemu_opts_get(e, "path"), ==, "/x,y");
    g_assert_cmpstr(qemu_opts_get(e, "server"), ==, "");
    g_assert_true(qemu_opts_is_true(qemu_opts_get(e, "server")));
    g_assert_null(qemu_opts_get(e, "serve"));
    g_assert_cmpstr(back, ==, "socket,id=a,path=/x,,y,server");
    qemu_opts_remove(e, "path");
    g_assert_cmpuint(e->len, ==, 3);
}

static void test_fdinfo_ifname(void)
{
    g_autofree char *a = tap_fdinfo_ifname("pos:\t0\nflags:\t02004002\n"
                                           "mnt_id:\t26\nino:\t1061\niff:\ttap7\n");
    g_autofree char *b = tap_fdinfo_ifname("pos:\t0\nflags:\t02\niff:\t\n");
    g_autofree char *c = tap_fdinfo_ifname("pos:\t0\nflags:\t02\n");

    g_assert_cmpstr(a, ==, "tap7");
    g_assert_cmpstr(b, ==, "");
    g_assert_null(c);
}

static void test_tap_single_queue(void)
{
    const char *argv[] = {
        "qemu", "-m", "1G", "-netdev",
        "tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=on,sndbuf=0",
        "-device", "virtio-net-pci,netdev=n0", NULL
    };
    g_autofree char *fds = NULL;
    g_autofree char *out = tap_rewrite(argv, "4:tap1 7:tap0", &fds);

    g_assert_cmpstr(out, ==, "qemu -m 1G -netdev tap,id=n0,vhost=on,sndbuf=0,fd=3 "
                    "-device virtio-net-pci,netdev=n0");
    g_assert_cmpstr(fds, ==, "7->3");
}

static void test_tap_multi_queue_in_fd_order(void)
{
    const char *argv[] = {
        "qemu", "-netdev", "type=tap,id=n0,ifname=tap0,queues=2,vnet_hdr=on", NULL
    };
    g_autofree char *fds = NULL;
    g_autofree char *out = tap_rewrite(argv, "5:tap0 9:tap1 12:tap0", &fds);

    g_assert_cmpstr(out, ==, "qemu -netdev type=tap,id=n0,fds=3:4");
    g_assert_cmpstr(fds, ==, "5->3 12->4");
}

static void test_tap_nic_and_two_netdevs(void)
{
    const char *argv[] = {
        "qemu", "-nic", "tap,ifname=tapA,model=virtio-net-pci,script=/etc/up",
        "-netdev", "tap,id=n1,ifname=tapB", NULL
    };
    g_autofree char *fds = NULL;
    g_autofree char *out = tap_rewrite(argv, "6:tapB 8:tapA", &fds);

    g_assert_cmpstr(out, ==, "qemu -nic tap,model=virtio-net-pci,fd=3 "
                    "-netdev tap,id=n1,fd=4");
    g_assert_cmpstr(fds, ==, "8->3 6->4");
}

static void test_tap_source_fd_numbers(void)
{
    /* libvirt style, as --same-args copies it: the numbers are the source's. */
    const char *argv[] = {
        "qemu", "-netdev", "tap,id=n0,fds=21:22,vhost=off",
        "-netdev", "tap,id=n1,fd=30", NULL
    };
    g_autofree char *fds = NULL;
    g_autofree char *out = tap_rewrite(argv, "21:tap0 22:tap0 30:tap9", &fds);

    g_assert_cmpstr(out, ==, "qemu -netdev tap,id=n0,vhost=off,fds=3:4 "
                    "-netdev tap,id=n1,fd=5");
    g_assert_cmpstr(fds, ==, "21->3 22->4 30->5");
}

static void test_tap_errors(void)
{
    const char *no_match[] = { "qemu", "-netdev", "tap,id=n0,ifname=tapX", NULL };
    const char *queues[] = { "qemu", "-netdev", "tap,id=n0,ifname=tap0,queues=2", NULL };
    const char *no_name[] = { "qemu", "-netdev", "tap,id=n0,script=no", NULL };
    const char *helper[] = { "qemu", "-netdev", "tap,id=n0,helper=/usr/lib/h", NULL };
    const char *vhostfd[] = { "qemu", "-netdev", "tap,id=n0,fd=5,vhostfd=6", NULL };
    const char *bad_fd[] = { "qemu", "-netdev", "tap,id=n0,fd=6", NULL };
    g_autofree char *e1 = tap_rewrite(no_match, "5:tap0", NULL);
    g_autofree char *e2 = tap_rewrite(queues, "5:tap0 6:", NULL);
    g_autofree char *e3 = tap_rewrite(no_name, "5:tap0", NULL);
    g_autofree char *e4 = tap_rewrite(helper, "5:tap0", NULL);
    g_autofree char *e5 = tap_rewrite(vhostfd, "5:tap0", NULL);
    g_autofree char *e6 = tap_rewrite(bad_fd, "5:tap0", NULL);

    g_assert_true(g_str_has_prefix(e1, "ERROR: tap netdev 'n0': the source holds 0 "));
    g_assert_nonnull(strstr(e1, "tapX"));
    g_assert_nonnull(strstr(e2, "holds 1 queue fd(s) of tap tap0, the destination asks for 2"));
    g_assert_nonnull(strstr(e2, "detached"));
    g_assert_nonnull(strstr(e3, "names no ifname="));
    g_assert_nonnull(strstr(e4, "helper="));
    g_assert_nonnull(strstr(e5, "vhostfd="));
    g_assert_nonnull(strstr(e6, "'6' is not a tap fd of the source"));
}

static void test_tap_leaves_other_netdevs(void)
{
    const char *argv[] = {
        "qemu", "-netdev", "user,id=u0", "-name", "tap,ifname=x", NULL
    };
    g_autofree char *out = tap_rewrite(argv, "5:tap0", NULL);

    g_assert_cmpstr(out, ==, "qemu -netdev user,id=u0 -name tap,ifname=x");
}

static void test_downscripts(void)
{
    const char *dflt[] = { "qemu", "-netdev", "tap,id=n0,ifname=tap0,script=no", NULL };
    const char *given[] = { "qemu", "-nic", "tap,ifname=tap0,downscript=/bin/down", NULL };
    const char *none[] = { "qemu", "-netdev", "tap,id=n0,ifname=tap0,downscript=no",
                           "-netdev", "tap,id=n1,fd=5", "-netdev", "user,id=u", NULL };
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;

    g_assert_false(tap_check_source_downscripts(dflt, &e1));
    g_assert_nonnull(strstr(e1->message, "tap netdev 'n0' (ifname tap0) runs "
                                         "downscript /etc/qemu-ifdown"));
    g_assert_nonnull(strstr(e1->message, "downscript=no"));
    g_assert_false(tap_check_source_downscripts(given, &e2));
    g_assert_nonnull(strstr(e2->message, "-nic tap (ifname tap0) runs downscript /bin/down"));
    g_assert_true(tap_check_source_downscripts(none, &e3));
}

static const char net_unix[] =
    "Num       RefCount Protocol Flags    Type St Inode Path\n"
    "0000000000000000: 00000002 00000000 00010000 0001 01 1001 /run/vm/console.sock\n"
    "0000000000000000: 00000003 00000000 00000000 0001 03 1002 /run/vm/console.sock\n"
    "0000000000000000: 00000002 00000000 00010000 0001 01 1003 @abstract\n"
    "0000000000000000: 00000002 00000000 00000000 0002 01 1004 /run/dgram\n"
    "0000000000000000: 00000002 00000000 00010000 0001 01 1005 rel/qga.sock\n"
    "0000000000000000: 00000002 00000000 00010000 0001 01 1006 /run/vm/with space\n"
    "0000000000000000: 00000003 00000000 00000000 0001 03 1007\n";

static void test_parse_net_unix(void)
{
    g_autoptr(GHashTable) t = socket_parse_net_unix(net_unix);

    g_assert_cmpuint(g_hash_table_size(t), ==, 3);
    g_assert_cmpstr(g_hash_table_lookup(t, "1001"), ==, "/run/vm/console.sock");
    g_assert_cmpstr(g_hash_table_lookup(t, "1005"), ==, "rel/qga.sock");
    g_assert_cmpstr(g_hash_table_lookup(t, "1006"), ==, "/run/vm/with space");
    g_assert_null(g_hash_table_lookup(t, "1002"));     /* connected */
    g_assert_null(g_hash_table_lookup(t, "1003"));     /* abstract */
}

static GArray *source_files(void)
{
    static const struct { int fd; const char *link; } files[] = {
        { 0, "/dev/null" }, { 9, "socket:[1001]" }, { 10, "socket:[1002]" },
        { 11, "socket:[1005]" }, { 12, "socket:[1099]" }, { 14, "socket:[1006]" },
        { 15, "/dev/net/tun" },
    };
    GArray *a = g_array_new(FALSE, TRUE, sizeof(SourceFile));

    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        SourceFile f = { files[i].fd, g_strdup(files[i].link),
                         g_strdup(files[i].fd == 15 ? "iff:\ttap3\n" : "") };
        g_array_append_val(a, f);
    }
    return a;
}

static void test_find_listeners_and_taps(void)
{
    GArray *files = source_files();
    GArray *taps = tap_source_taps(files);
    SocketHandover s;

    socket_handover_init(&s);
    socket_find_listeners(&s, files, net_unix, "/srv/vm1");
    g_assert_cmpuint(s.listeners->len, ==, 3);
    g_assert_cmpint(g_array_index(s.listeners, SourceListener, 0).fd, ==, 9);
    g_assert_cmpstr(g_array_index(s.listeners, SourceListener, 1).path, ==,
                    "/srv/vm1/rel/qga.sock");
    g_assert_cmpuint(taps->len, ==, 1);
    g_assert_cmpstr(g_array_index(taps, SourceTap, 0).ifname, ==, "tap3");
    socket_handover_clear(&s);
    tap_source_taps_free(taps);
    source_files_free(files);
}

static void test_socket_rewrite(void)
{
    const char *argv[] = {
        "qemu",
        "-chardev", "socket,id=con,path=/run/vm/console.sock,server=on,wait=on",
        "-chardev", "socket,id=hb,path=/run/vm/console.sock",          /* client */
        "-chardev", "socket,id=other,path=/run/other.sock,server=on",  /* not the source's */
        "-qmp", "unix:/run/vm/extra.qmp,server=on,wait=off",           /* skipped */
        "-monitor", "unix:rel/qga.sock,server,nowait",
        "-serial", "chardev:con",
        "-chardev", "socket,id=lv,fd=14,server=on,wait=off",          /* source's fd */
        "-chardev", "socket,id=lv2,fd=13,server=on", NULL
    };
    g_autoptr(GPtrArray) a = args_of(argv);
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    GArray *files = source_files();
    g_autofree char *out = NULL, *fds = NULL;
    FdHandover h;
    SocketHandover s;
    g_autofree char *net = g_strconcat(net_unix,
        "0000000000000000: 00000002 00000000 00010000 0001 01 1099 /run/vm/extra.qmp\n",
        NULL);

    fd_handover_init(&h);
    socket_handover_init(&s);
    socket_find_listeners(&s, files, net, "/srv/vm1");
    socket_rewrite_args(&s, a, "/srv/vm1", "/run/vm/../vm/extra.qmp", &h, notes);
    out = joined(a);
    fds = handed(&h);
    g_assert_cmpstr(out, ==,
        "qemu -chardev socket,id=con,server=on,fd=3,wait=off "
        "-chardev socket,id=hb,path=/run/vm/console.sock "
        "-chardev socket,id=other,path=/run/other.sock,server=on "
        "-qmp unix:/run/vm/extra.qmp,server=on,wait=off "
        "-chardev socket,id=cpr-update-sock11,server,fd=4,wait=off "
        "-monitor chardev:cpr-update-sock11 -serial chardev:con "
        "-chardev socket,id=lv,server=on,fd=5,wait=off "
        "-chardev socket,id=lv2,fd=13,server=on");
    g_assert_cmpstr(fds, ==, "9->3 11->4 14->5");
    g_assert_cmpuint(s.paths->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(s.paths, 1), ==, "/srv/vm1/rel/qga.sock");
    g_assert_cmpuint(notes->len, ==, 3);
    socket_handover_clear(&s);
    fd_handover_clear(&h);
    source_files_free(files);
}

static void test_preflight(void)
{
    const char *user[] = { "qemu", "-netdev", "user,id=u0", "-nic", "user", NULL };
    const char *fwd[] = { "qemu", "-netdev",
                          "user,id=u0,hostfwd=tcp::2222-:22,hostfwd=tcp::80-:80", NULL };
    const char *tap[] = { "qemu", "-netdev", "tap,id=n0,ifname=tap0", NULL };
    g_autoptr(GPtrArray) a = args_of(user), b = args_of(fwd), c = args_of(tap);
    g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;

    g_assert_true(preflight_check(a, w, NULL));
    g_assert_cmpuint(w->len, ==, 2);
    g_assert_nonnull(strstr(g_ptr_array_index(w, 0), "user netdev 'u0'"));
    g_assert_nonnull(strstr(g_ptr_array_index(w, 0), "will be reset"));
    g_assert_nonnull(strstr(g_ptr_array_index(w, 1), "-nic user"));
    g_assert_false(preflight_check(b, w, &err));
    g_assert_nonnull(strstr(err->message, "hostfwd=tcp::2222-:22"));
    g_assert_nonnull(strstr(err->message, "tap NIC"));
    g_ptr_array_set_size(w, 0);
    g_assert_true(preflight_check(c, w, NULL));
    g_assert_cmpuint(w->len, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/handover/opts-split-join", test_opts_split_join);
    g_test_add_func("/handover/fdinfo-ifname", test_fdinfo_ifname);
    g_test_add_func("/handover/tap-single-queue", test_tap_single_queue);
    g_test_add_func("/handover/tap-multi-queue", test_tap_multi_queue_in_fd_order);
    g_test_add_func("/handover/tap-nic-and-netdevs", test_tap_nic_and_two_netdevs);
    g_test_add_func("/handover/tap-source-fd-numbers", test_tap_source_fd_numbers);
    g_test_add_func("/handover/tap-errors", test_tap_errors);
    g_test_add_func("/handover/tap-other-netdevs", test_tap_leaves_other_netdevs);
    g_test_add_func("/handover/downscripts", test_downscripts);
    g_test_add_func("/handover/parse-net-unix", test_parse_net_unix);
    g_test_add_func("/handover/find-listeners-taps", test_find_listeners_and_taps);
    g_test_add_func("/handover/socket-rewrite", test_socket_rewrite);
    g_test_add_func("/handover/preflight", test_preflight);
    return g_test_run();
}
