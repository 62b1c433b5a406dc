/* Pre-flight checks; see preflight.h. */
#include "preflight.h"
#include "fd-handover.h"
#include "qemu-args.h"

static gboolean is_user_net(const char *name, GPtrArray *elems)
{
    if (!g_str_equal(name, "netdev") && !g_str_equal(name, "nic") &&
        !g_str_equal(name, "net")) {
        return FALSE;
    }
    return g_str_equal(g_ptr_array_index(elems, 0), "user") ||
           g_strcmp0(qemu_opts_get(elems, "type"), "user") == 0;
}

gboolean preflight_check(GPtrArray *dest_argv, GPtrArray *warnings,
                         GError **errp)
{
    for (guint i = 1; i + 1 < dest_argv->len; i++) {
        const char *name = qemu_args_option_name(g_ptr_array_index(dest_argv, i));
        g_autoptr(GPtrArray) elems = NULL;
        g_autofree char *label = NULL;
        const char *id, *rule = NULL;

        if (!name || !qemu_args_takes_arg(name)) {
            continue;
        }
        elems = qemu_opts_split(g_ptr_array_index(dest_argv, ++i));
        if (!is_user_net(name, elems)) {
            continue;
        }
        id = qemu_opts_get(elems, "id");
        label = id ? g_strdup_printf("user netdev '%s'", id)
                   : g_strdup_printf("-%s user", name);
        /* The first rule, as written (qemu_opts_get gives the last). */
        for (guint j = 0; j < elems->len && !rule; j++) {
            const char *e = g_ptr_array_index(elems, j);
            if (g_str_has_prefix(e, "hostfwd=")) {
                rule = e;
            }
        }
        if (rule) {
            g_set_error(errp, HANDOVER_ERROR, 0,
                        "%s has %s: the destination cannot set up host "
                        "forwarding while the source holds that port; give the "
                        "guest a tap NIC (-netdev tap), which cpr-update hands "
                        "over with its connections", label, rule);
            return FALSE;
        }
        g_ptr_array_add(warnings, g_strdup_printf(
            "%s is user networking (slirp): the guest's TCP connections through "
            "it will be reset by the update (their host sockets belong to the "
            "source QEMU); a tap NIC keeps them", label));
    }
    return TRUE;
}
