/* Tap NIC handover; see tap-handover.h. */
#include "tap-handover.h"
#include "qemu-args.h"

#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* QEMU's default downscript (DEFAULT_NETWORK_DOWN_SCRIPT). */
#define DEFAULT_DOWNSCRIPT "/etc/qemu-ifdown"

/* Options of a tap netdev that open or set up the interface itself. */
static const char *const opening_options[] = {
    "ifname", "script", "downscript", "vnet_hdr", "queues", "fd", "fds", NULL
};

char *tap_fdinfo_ifname(const char *fdinfo)
{
    g_auto(GStrv) lines = g_strsplit(fdinfo, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "iff:")) {
            return g_strstrip(g_strdup(lines[i] + 4));
        }
    }
    return NULL;
}

GArray *tap_source_taps(GArray *source_files)
{
    GArray *taps = g_array_new(FALSE, TRUE, sizeof(SourceTap));

    for (guint i = 0; i < source_files->len; i++) {
        SourceFile *f = &g_array_index(source_files, SourceFile, i);
        SourceTap t = { .fd = f->fd };

        if (!g_str_equal(f->link, "/dev/net/tun")) {
            continue;
        }
        t.ifname = tap_fdinfo_ifname(f->fdinfo);
        if (!t.ifname) {
            t.ifname = g_strdup("");
        }
        g_array_append_val(taps, t);
    }
    return taps;
}

void tap_source_taps_free(GArray *taps)
{
    for (guint i = 0; taps && i < taps->len; i++) {
        g_free(g_array_index(taps, SourceTap, i).ifname);
    }
    if (taps) {
        g_array_free(taps, TRUE);
    }
}

static gboolean is_net_option(const char *name)
{
    return name && (g_str_equal(name, "netdev") || g_str_equal(name, "nic") ||
                    g_str_equal(name, "net"));
}

/* Is this netdev/nic/net option string a tap?  Its type is first. */
static gboolean is_tap(GPtrArray *elems)
{
    const char *type = qemu_opts_get(elems, "type");

    return g_str_equal(g_ptr_array_index(elems, 0), "tap") ||
           g_strcmp0(type, "tap") == 0;
}

/* "netdev 'n0'" or "-nic tap" for messages. */
static char *label_of(const char *option, GPtrArray *elems)
{
    const char *id = qemu_opts_get(elems, "id");

    return id ? g_strdup_printf("tap netdev '%s'", id)
              : g_strdup_printf("-%s tap", option);
}

gboolean tap_check_source_downscripts(const char *const *source_argv,
                                      GError **errp)
{
    for (int i = 1; source_argv[i]; i++) {
        const char *name = qemu_args_option_name(source_argv[i]);
        g_autoptr(GPtrArray) elems = NULL;
        g_autofree char *label = NULL;
        const char *script;

        if (!is_net_option(name) || !source_argv[i + 1]) {
            continue;
        }
        elems = qemu_opts_split(source_argv[++i]);
        if (!is_tap(elems) || qemu_opts_get(elems, "fd") ||
            qemu_opts_get(elems, "fds") || qemu_opts_get(elems, "helper")) {
            continue;       /* QEMU runs no script for these */
        }
        script = qemu_opts_get(elems, "downscript");
        if (!script) {
            script = DEFAULT_DOWNSCRIPT;
        }
        if (!*script || g_str_equal(script, "no")) {
            continue;
        }
        label = label_of(name, elems);
        g_set_error(errp, HANDOVER_ERROR, 0,
                    "the source's %s (ifname %s) runs downscript %s when the "
                    "source quits, which would take the interface down under "
                    "the destination; start the VM with downscript=no on its "
                    "tap netdevs (and remove the interface yourself when done)",
                    label, qemu_opts_get(elems, "ifname") ?: "chosen by QEMU",
                    script);
        return FALSE;
    }
    return TRUE;
}

static const SourceTap *tap_by_fd(GArray *taps, int fd)
{
    for (guint i = 0; i < taps->len; i++) {
        if (g_array_index(taps, SourceTap, i).fd == fd) {
            return &g_array_index(taps, SourceTap, i);
        }
    }
    return NULL;
}

static gboolean has_detached_queue(GArray *taps)
{
    for (guint i = 0; i < taps->len; i++) {
        if (!*g_array_index(taps, SourceTap, i).ifname) {
            return TRUE;
        }
    }
    return FALSE;
}

/* Source fd numbers of "N" or "N1:N2:...": FALSE if one is no tap. */
static gboolean parse_source_fds(const char *list, GArray *taps, GArray *out,
                                 const char *label, GError **errp)
{
    g_auto(GStrv) nums = g_strsplit(list, ":", -1);

    for (int i = 0; nums[i]; i++) {
        guint64 n;

        if (!g_ascii_string_to_unsigned(nums[i], 10, 0, G_MAXINT, &n, NULL) ||
            !tap_by_fd(taps, (int)n)) {
            g_set_error(errp, HANDOVER_ERROR, 0,
                        "%s: '%s' is not a tap fd of the source", label, nums[i]);
            return FALSE;
        }
        int fd = (int)n;
        g_array_append_val(out, fd);
    }
    return TRUE;
}

/* The source's queue fds of interface @ifname, by fd number. */
static gboolean find_queues(const char *ifname, GPtrArray *elems, GArray *taps,
                            GArray *out, const char *label, GError **errp)
{
    const char *q = qemu_opts_get(elems, "queues");
    guint64 want = 1;

    if (q && !g_ascii_string_to_unsigned(q, 10, 1, 1024, &want, NULL)) {
        g_set_error(errp, HANDOVER_ERROR, 0,
                    "%s: bad queues=%s", label, q);
        return FALSE;
    }
    /* QEMU opens the queues in order, so fd numbers follow queue order. */
    for (guint i = 0; i < taps->len; i++) {
        const SourceTap *t = &g_array_index(taps, SourceTap, i);
        if (g_str_equal(t->ifname, ifname)) {
            g_array_append_val(out, t->fd);
        }
    }
    if (out->len == want) {
        return TRUE;
    }
    g_set_error(errp, HANDOVER_ERROR, 0,
                "%s: the source holds %u queue fd(s) of tap %s, the destination "
                "asks for %" G_GUINT64_FORMAT "%s", label, out->len, ifname, want,
                has_detached_queue(taps) ?
                " (the source has tap queues detached from their interface, "
                "as when the guest uses fewer queues than queues=: those "
                "cannot be handed over)" : "");
    return FALSE;
}

static gboolean rewrite_one(const char *option, char **arg, GArray *taps,
                            FdHandover *h, GArray *handed, GPtrArray *notes,
                            GError **errp)
{
    g_autoptr(GPtrArray) elems = qemu_opts_split(*arg);
    g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autofree char *label = NULL;
    g_autoptr(GString) targets = g_string_new(NULL);
    g_autofree char *ifname = NULL, *given = NULL;

    if (!is_tap(elems)) {
        return TRUE;
    }
    label = label_of(option, elems);
    if (qemu_opts_get(elems, "helper")) {
        g_set_error(errp, HANDOVER_ERROR, 0,
                    "%s: helper= taps cannot be handed over; name the "
                    "interface with ifname=", label);
        return FALSE;
    }
    if (qemu_opts_get(elems, "vhostfd") || qemu_opts_get(elems, "vhostfds")) {
        g_set_error(errp, HANDOVER_ERROR, 0,
                    "%s: vhostfd=/vhostfds= cannot be handed over (a vhost-net "
                    "device belongs to the process that set it up); use vhost=on",
                    label);
        return FALSE;
    }
    /* Copies: the options are removed below. */
    ifname = g_strdup(qemu_opts_get(elems, "ifname"));
    given = g_strdup(qemu_opts_get(elems, "fds") ?: qemu_opts_get(elems, "fd"));
    if (given) {
        if (!parse_source_fds(given, taps, fds, label, errp)) {
            return FALSE;
        }
    } else if (ifname && *ifname) {
        if (!find_queues(ifname, elems, taps, fds, label, errp)) {
            return FALSE;
        }
    } else {
        g_set_error(errp, HANDOVER_ERROR, 0,
                    "%s names no ifname=: cpr-update cannot tell which of the "
                    "source's taps it is", label);
        return FALSE;
    }
    for (int i = 0; opening_options[i]; i++) {
        qemu_opts_remove(elems, opening_options[i]);
    }
    for (guint i = 0; i < fds->len; i++) {
        g_string_append_printf(targets, "%s%d", i ? ":" : "",
                               fd_handover_add(h, g_array_index(fds, int, i)));
    }
    g_array_append_vals(handed, fds->data, fds->len);
    g_ptr_array_add(elems, g_strdup_printf("%s=%s", fds->len > 1 ? "fds" : "fd",
                                           targets->str));
    g_ptr_array_add(notes, g_strdup_printf("%s: the source's tap fd(s) %s%s "
                                           "handed over as %s=%s", label,
                                           given ? given : "of ",
                                           given ? "" : ifname,
                                           fds->len > 1 ? "fds" : "fd",
                                           targets->str));
    g_free(*arg);
    *arg = qemu_opts_join(elems);
    return TRUE;
}

gboolean tap_rewrite_args(GPtrArray *argv, GArray *source_taps,
                          FdHandover *h, GArray *handed, GPtrArray *notes,
                          GError **errp)
{
    for (guint i = 1; i < argv->len; i++) {
        const char *name = qemu_args_option_name(g_ptr_array_index(argv, i));

        if (!name || !qemu_args_takes_arg(name) || i + 1 >= argv->len) {
            continue;
        }
        i++;
        if (is_net_option(name) &&
            !rewrite_one(name, (char **)&g_ptr_array_index(argv, i), source_taps,
                         h, handed, notes, errp)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* TUNSETQUEUE on one queue: 0 or -1 (errno set). */
static int set_queue(int fd, short flag)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = flag;
    return ioctl(fd, TUNSETQUEUE, &ifr);
}

void tap_attach_detached_queues(FdHandover *h, GArray *handed, GArray *attached)
{
    for (guint i = 0; i < handed->len; i++) {
        int fd = fd_handover_local(h, g_array_index(handed, int, i));

        /* EINVAL unless it was detached (or the tap has a single queue). */
        if (fd >= 0 && set_queue(fd, IFF_ATTACH_QUEUE) == 0) {
            g_array_append_val(attached, fd);
        }
    }
}

void tap_detach_queues(GArray *attached)
{
    for (guint i = 0; i < attached->len; i++) {
        set_queue(g_array_index(attached, int, i), IFF_DETACH_QUEUE);
    }
    g_array_set_size(attached, 0);
}
