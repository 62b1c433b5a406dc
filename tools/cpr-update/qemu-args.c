/* QEMU command-line knowledge; see qemu-args.h. */
#include "qemu-args.h"

#include <string.h>

/*
 * QEMU options without an argument.  Every other option takes exactly
 * one, which is how QEMU's own option table (HAS_ARG) works.
 */
static const char *const no_arg_options[] = {
    "S", "daemonize", "nographic", "nodefaults", "no-reboot", "no-shutdown",
    "snapshot", "enable-kvm", "preconfig", "precreate", "no-user-config",
    "nouserconfig", "full-screen", "s", "usb", "only-migratable",
    "no-hpet", "no-acpi", "win2k-hack", "rtc-td-hack", "no-fd-bootchk",
    "no-quit", "alt-grab", "ctrl-grab", "enable-sync-profile", "xen-attach",
    "version", "help", "h", "semihosting", "singlestep", "enable-fips",
    "old-param", NULL
};

const char *qemu_args_option_name(const char *arg)
{
    if (arg[0] != '-' || arg[1] == '\0') {
        return NULL;
    }
    return arg[1] == '-' ? arg + 2 : arg + 1;
}

gboolean qemu_args_takes_arg(const char *name)
{
    return !g_strv_contains(no_arg_options, name);
}

GPtrArray *qemu_opts_split(const char *spec)
{
    GPtrArray *elems = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = spec; *p; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',') {
            g_ptr_array_add(elems, g_string_free(cur, FALSE));
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_ptr_array_add(elems, g_string_free(cur, FALSE));
    return elems;
}

char *qemu_opts_join(GPtrArray *elems)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < elems->len; i++) {
        const char *e = g_ptr_array_index(elems, i);

        if (i) {
            g_string_append_c(out, ',');
        }
        for (const char *p = e; *p; p++) {
            g_string_append_c(out, *p);
            if (*p == ',') {
                g_string_append_c(out, ',');
            }
        }
    }
    return g_string_free(out, FALSE);
}

/* Does element @e have key @key?  Sets *@value to what follows "=". */
static gboolean has_key(const char *e, const char *key, const char **value)
{
    size_t n = strlen(key);

    if (strncmp(e, key, n) != 0 || (e[n] != '=' && e[n] != '\0')) {
        return FALSE;
    }
    *value = e[n] == '=' ? e + n + 1 : e + n;
    return TRUE;
}

const char *qemu_opts_get(GPtrArray *elems, const char *key)
{
    const char *value = NULL;

    /* The last occurrence wins, as in QEMU. */
    for (guint i = 0; i < elems->len; i++) {
        const char *v;

        if (has_key(g_ptr_array_index(elems, i), key, &v)) {
            value = v;
        }
    }
    return value;
}

void qemu_opts_remove(GPtrArray *elems, const char *key)
{
    for (guint i = 0; i < elems->len;) {
        const char *v;

        if (has_key(g_ptr_array_index(elems, i), key, &v)) {
            g_ptr_array_remove_index(elems, i);
        } else {
            i++;
        }
    }
}

gboolean qemu_opts_is_true(const char *value)
{
    return value && (!*value || g_str_equal(value, "on") ||
                     g_str_equal(value, "yes") || g_str_equal(value, "true"));
}
