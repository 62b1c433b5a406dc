/* Rewriting the source's command line; see same-args.h. */
#include "same-args.h"
#include "qemu-args.h"

#include <string.h>

/* Options dropped whole, whatever their argument. */
static const char *const dropped_options[] = {
    "incoming", "S", "daemonize", "pidfile", "preconfig", "precreate", NULL
};

static gboolean in_list(const char *const *list, const char *name)
{
    return g_strv_contains(list, name);
}

/*
 * The option cpr-update gives a destination when the source sends no
 * vmstate description (vmdesc.h).  It adds it again whenever the source
 * (read at run time) leaves the description out, so repeating it would
 * only pile up copies over a series of updates.
 */
static gboolean is_vmdesc_option(const char *name, const char *arg)
{
    return arg && g_str_equal(name, "machine") &&
           g_str_equal(arg, "suppress-vmdesc=on");
}

/* The path= (or unix:PATH) of a chardev or monitor specification. */
static char *socket_path_of(const char *spec)
{
    g_auto(GStrv) parts = NULL;

    if (g_str_has_prefix(spec, "unix:")) {
        const char *p = spec + 5;
        const char *comma = strchr(p, ',');
        return comma ? g_strndup(p, comma - p) : g_strdup(p);
    }
    parts = g_strsplit(spec, ",", -1);
    for (int i = 0; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], "path=")) {
            return g_strdup(parts[i] + 5);
        }
    }
    return NULL;
}

static char *option_value(const char *spec, const char *key)
{
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    g_autofree char *prefix = g_strconcat(key, "=", NULL);

    for (int i = 0; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], prefix)) {
            return g_strdup(parts[i] + strlen(prefix));
        }
    }
    return NULL;
}

static gboolean same_path(const char *a, const char *b)
{
    g_autofree char *ca = NULL, *cb = NULL;

    if (!a || !b) {
        return FALSE;
    }
    ca = g_canonicalize_filename(a, NULL);
    cb = g_canonicalize_filename(b, NULL);
    return g_str_equal(ca, cb);
}

/* Ids of -chardev sockets at the source's QMP path. */
static GPtrArray *source_chardev_ids(const char *const *argv, const char *path)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    for (int i = 1; argv[i]; i++) {
        const char *name = qemu_args_option_name(argv[i]);

        if (name && g_str_equal(name, "chardev") && argv[i + 1]) {
            g_autofree char *p = socket_path_of(argv[i + 1]);

            if (same_path(p, path)) {
                char *id = option_value(argv[i + 1], "id");
                if (id) {
                    g_ptr_array_add(ids, id);
                }
            }
        }
    }
    return ids;
}

static gboolean is_source_monitor(const char *name, const char *arg,
                                  const char *path, GPtrArray *ids)
{
    if (g_str_equal(name, "qmp") || g_str_equal(name, "qmp-pretty") ||
        g_str_equal(name, "monitor")) {
        g_autofree char *p = socket_path_of(arg);
        g_autofree char *chardev = g_str_has_prefix(arg, "chardev:") ?
                                   g_strdup(arg + 8) : NULL;

        return same_path(p, path) ||
               (chardev && g_ptr_array_find_with_equal_func(ids, chardev,
                                                            g_str_equal, NULL));
    }
    if (g_str_equal(name, "mon") || g_str_equal(name, "chardev")) {
        g_autofree char *id = option_value(arg, g_str_equal(name, "mon") ?
                                                "chardev" : "id");
        if (!id && g_str_equal(name, "mon")) {
            /* -mon CHARDEV,mode=... : the first element is the chardev */
            g_auto(GStrv) parts = g_strsplit(arg, ",", 2);
            id = g_strdup(parts[0]);
        }
        return id && g_ptr_array_find_with_equal_func(ids, id, g_str_equal, NULL);
    }
    return FALSE;
}

GStrv same_args_split_cmdline(const char *buf, gsize len)
{
    GPtrArray *argv = g_ptr_array_new();
    gsize start = 0;

    for (gsize i = 0; i < len; i++) {
        if (buf[i] == '\0') {
            g_ptr_array_add(argv, g_strndup(buf + start, i - start));
            start = i + 1;
        }
    }
    if (start < len) {
        g_ptr_array_add(argv, g_strndup(buf + start, len - start));
    }
    if (argv->len == 0) {
        g_ptr_array_free(argv, TRUE);
        return NULL;
    }
    g_ptr_array_add(argv, NULL);
    return (GStrv)g_ptr_array_free(argv, FALSE);
}

GPtrArray *same_args_rewrite(const char *const *argv,
                             const char *source_qmp_path,
                             GPtrArray *dropped)
{
    GPtrArray *kept = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) ids = source_chardev_ids(argv, source_qmp_path);

    for (int i = 1; argv[i]; i++) {
        const char *name = qemu_args_option_name(argv[i]);
        const char *arg = NULL;
        gboolean drop;

        if (!name) {
            /* A bare word (e.g. a disk image): kept as is. */
            g_ptr_array_add(kept, g_strdup(argv[i]));
            continue;
        }
        if (qemu_args_takes_arg(name) && argv[i + 1]) {
            arg = argv[i + 1];
        }
        drop = in_list(dropped_options, name) || is_vmdesc_option(name, arg) ||
               (arg && is_source_monitor(name, arg, source_qmp_path, ids));
        if (drop) {
            if (dropped) {
                g_ptr_array_add(dropped, arg ? g_strdup_printf("%s %s", argv[i], arg)
                                             : g_strdup(argv[i]));
            }
        } else {
            g_ptr_array_add(kept, g_strdup(argv[i]));
            if (arg) {
                g_ptr_array_add(kept, g_strdup(arg));
            }
        }
        if (arg) {
            i++;
        }
    }
    return kept;
}
