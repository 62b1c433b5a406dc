/* The pre-flight compatibility check; see compat-check.h. */
#include "compat-check.h"
#include "binary-compat.h"
#include "compat-parse.h"

#include <stdarg.h>

static void check_free(gpointer p)
{
    CompatCheck *k = p;

    g_free(k->name);
    g_free(k->detail);
    g_ptr_array_unref(k->notes);
    g_free(k);
}

void compat_init(Compat *c)
{
    c->checks = g_ptr_array_new_with_free_func(check_free);
    c->source_machine = NULL;
    c->source_version = NULL;
}

void compat_clear(Compat *c)
{
    g_clear_pointer(&c->checks, g_ptr_array_unref);
    g_clear_pointer(&c->source_machine, g_free);
    g_clear_pointer(&c->source_version, g_free);
}

CompatCheck *compat_add(Compat *c, const char *name, CompatResult result,
                        const char *fmt, ...)
{
    CompatCheck *k = g_new0(CompatCheck, 1);
    va_list ap;

    va_start(ap, fmt);
    k->detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    k->name = g_strdup(name);
    k->result = result;
    k->notes = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(c->checks, k);
    return k;
}

const char *compat_result_name(CompatResult result)
{
    switch (result) {
    case COMPAT_OK:
        return "ok";
    case COMPAT_WARNING:
        return "warning";
    case COMPAT_FAILED:
        return "failed";
    default:
        return "skipped";
    }
}

char *compat_failures(const Compat *c)
{
    GString *s = NULL;

    for (guint i = 0; i < c->checks->len; i++) {
        CompatCheck *k = g_ptr_array_index(c->checks, i);

        if (k->result != COMPAT_FAILED) {
            continue;
        }
        if (!s) {
            s = g_string_new(k->detail);
        } else {
            g_string_append_printf(s, "; %s", k->detail);
        }
    }
    return s ? g_string_free(s, FALSE) : NULL;
}

void compat_collect_warnings(const Compat *c, guint from, GPtrArray *warnings)
{
    for (guint i = from; i < c->checks->len; i++) {
        CompatCheck *k = g_ptr_array_index(c->checks, i);

        if (k->result == COMPAT_WARNING) {
            g_ptr_array_add(warnings, g_strdup_printf("%s: %s", k->name, k->detail));
        }
    }
}

/* {"K1": "V1", "K2": "V2"} as JSON text (@k2 may be NULL). */
static char *string_args(const char *k1, const char *v1, const char *k2, const char *v2)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, k1);
    json_builder_add_string_value(b, v1);
    if (k2) {
        json_builder_set_member_name(b, k2);
        json_builder_add_string_value(b, v2);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

static JsonNode *qom_get(QmpClient *q, const char *path, const char *prop,
                         int timeout_ms, GError **errp)
{
    g_autofree char *args = string_args("path", path, "property", prop);

    return qmp_client_execute_json(q, "qom-get", args, timeout_ms, errp);
}

static const char *node_string(JsonNode *n)
{
    return n && JSON_NODE_HOLDS_VALUE(n) &&
           json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n) : NULL;
}

static char *version_string(JsonNode *v)
{
    JsonObject *o = v && JSON_NODE_HOLDS_OBJECT(v) ? json_node_get_object(v) : NULL;
    JsonObject *t = o && json_object_has_member(o, "qemu") ?
                    json_object_get_object_member(o, "qemu") : NULL;
    const char *pkg;

    if (!t) {
        return NULL;
    }
    pkg = json_object_get_string_member_with_default(o, "package", "");
    return g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "%s%s%s",
                           json_object_get_int_member_with_default(t, "major", 0),
                           json_object_get_int_member_with_default(t, "minor", 0),
                           json_object_get_int_member_with_default(t, "micro", 0),
                           *pkg ? " (" : "", pkg, *pkg ? ")" : "");
}

/* Guest RAM must be in shared memory backends: the new QEMU maps them. */
static void check_memory(Compat *c, QmpClient *src, const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = qmp_client_execute(src, "query-memdev", NULL,
                                               o->timeout_ms, &err);
    g_autoptr(GString) unshared = g_string_new(NULL);
    JsonArray *a;
    guint n;

    if (!r || !JSON_NODE_HOLDS_ARRAY(r)) {
        compat_add(c, "source-memory", COMPAT_FAILED, "source: query-memdev: %s",
                   err ? err->message : "not a list");
        return;
    }
    a = json_node_get_array(r);
    n = json_array_get_length(a);
    for (guint i = 0; i < n; i++) {
        JsonObject *m = json_array_get_object_element(a, i);

        if (m && !json_object_get_boolean_member_with_default(m, "share", FALSE)) {
            g_string_append_printf(unshared, "%s'%s'", unshared->len ? ", " : "",
                                   json_object_get_string_member_with_default(m, "id", "?"));
        }
    }
    if (!n) {
        compat_add(c, "source-memory", COMPAT_FAILED,
                   "the source has no memory backend: guest RAM must be shared "
                   "memory (-object memory-backend-memfd,id=ram0,size=...,share=on "
                   "-machine memory-backend=ram0)");
    } else if (unshared->len) {
        compat_add(c, "source-memory", COMPAT_FAILED,
                   "guest RAM backend %s is not shared: start the VM with share=on "
                   "on it (-object memory-backend-memfd,id=ram0,size=...,share=on "
                   "-machine memory-backend=ram0)", unshared->str);
    } else {
        compat_add(c, "source-memory", COMPAT_OK, "%u memory backend(s), all share=on", n);
    }
}

/* ROMs, video RAM and the like must be shared too. */
static void check_aux_ram(Compat *c, QmpClient *src, const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = qom_get(src, "/machine", "aux-ram-share", o->timeout_ms, &err);

    if (!r || !JSON_NODE_HOLDS_VALUE(r) ||
        json_node_get_value_type(r) != G_TYPE_BOOLEAN) {
        compat_add(c, "aux-ram-share", COMPAT_FAILED,
                   "the source's machine has no aux-ram-share property (%s): "
                   "cpr-transfer needs QEMU 10.0 or later",
                   err ? err->message : "not a boolean");
    } else if (!json_node_get_boolean(r)) {
        compat_add(c, "aux-ram-share", COMPAT_FAILED,
                   "the source runs with aux-ram-share=off: start the VM with "
                   "-machine aux-ram-share=on");
    } else {
        compat_add(c, "aux-ram-share", COMPAT_OK, "aux-ram-share=on");
    }
}

/*
 * QEMU 10.0 reports the blockers of the source's current mode (normal,
 * until cpr-update sets cpr-transfer, which a check never does): some of
 * those (QEMU's "normal" only ones) would not block cpr-transfer, so this
 * may refuse a VM that could go; it never lets a blocked one through.
 */
static void check_blockers(Compat *c, QmpClient *src, const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = qmp_client_execute(src, "query-migrate", NULL,
                                               o->timeout_ms, &err);
    JsonObject *m = r && JSON_NODE_HOLDS_OBJECT(r) ? json_node_get_object(r) : NULL;
    JsonNode *reasons = m ? json_object_get_member(m, "blocked-reasons") : NULL;
    const char *status = m ? json_object_get_string_member_with_default(m, "status", "none")
                           : NULL;
    g_autoptr(GString) why = g_string_new(NULL);

    if (!m) {
        compat_add(c, "migration-blockers", COMPAT_FAILED, "source: query-migrate: %s",
                   err ? err->message : "not an object");
        return;
    }
    for (guint i = 0; reasons && JSON_NODE_HOLDS_ARRAY(reasons) &&
                      i < json_array_get_length(json_node_get_array(reasons)); i++) {
        g_string_append_printf(why, "%s%s", why->len ? "; " : "",
                               json_array_get_string_element(json_node_get_array(reasons), i));
    }
    if (why->len) {
        compat_add(c, "migration-blockers", COMPAT_FAILED,
                   "the source cannot migrate: %s", why->str);
    } else if (!g_str_equal(status, "none") && !g_str_equal(status, "completed") &&
               !g_str_equal(status, "failed") && !g_str_equal(status, "cancelled")) {
        compat_add(c, "migration-blockers", COMPAT_FAILED,
                   "the source already has a migration in progress (status '%s')",
                   status);
    } else {
        compat_add(c, "migration-blockers", COMPAT_OK, "none reported");
    }
}

/* Asked of the schema (200 KB), once per source binary: the answer is cached. */
static void check_mode(Compat *c, QmpClient *src, const char *exe,
                       const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) schema = NULL;
    g_autofree char *cached = exe ? binary_compat_cache_get(exe, "cpr-transfer-mode")
                                  : NULL;
    gboolean has_mode;

    if (cached && g_str_equal(cached, "yes")) {
        compat_add(c, "cpr-transfer-mode", COMPAT_OK,
                   "the source's migration parameter mode accepts cpr-transfer");
        return;
    }
    schema = qmp_client_execute(src, "query-qmp-schema", NULL, o->timeout_ms, &err);
    if (!schema) {
        compat_add(c, "cpr-transfer-mode", COMPAT_FAILED,
                   "source: query-qmp-schema: %s", err->message);
    } else if (qmp_schema_result_enum_has(schema, "query-migrate-parameters", "mode",
                                          "cpr-transfer", &has_mode)) {
        compat_add(c, "cpr-transfer-mode", COMPAT_OK,
                   "the source's migration parameter mode accepts cpr-transfer");
        if (exe) {
            binary_compat_cache_put(exe, "cpr-transfer-mode", "yes");
        }
    } else {
        compat_add(c, "cpr-transfer-mode", COMPAT_FAILED,
                   "the source QEMU %s: cpr-transfer needs QEMU 10.0 or later",
                   has_mode ? "has no cpr-transfer migration mode"
                            : "has no migration mode parameter");
    }
}

/* The versioned machine type the source runs (an alias such as "pc" resolved). */
static void read_machine(Compat *c, QmpClient *src, const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) t = qom_get(src, "/machine", "type", o->timeout_ms, &err);
    g_autoptr(JsonNode) v = qmp_client_execute(src, "query-version", NULL,
                                               o->timeout_ms, NULL);

    c->source_version = version_string(v);
    if (node_string(t)) {
        c->source_machine = machine_type_from_qom(node_string(t));
    } else {
        compat_add(c, "machine-type", COMPAT_FAILED,
                   "source: cannot read its machine type (qom-get /machine type: %s)",
                   err ? err->message : "not a string");
    }
}

/* What vm_device_types() asks, when asked. */
typedef struct {
    QmpClient *src;
    const CompatOptions *o;
} WalkContext;

/* Where QEMU puts devices that hang on no bus (-device, and the board's). */
static const char *const device_containers[] = {
    "/machine", "/machine/peripheral", "/machine/peripheral-anon",
    "/machine/unattached", NULL
};

/*
 * The VM's device types, by the names -dump-vmstate gives its sections:
 * every device on a bus (HMP info qtree, one command), and the devices
 * QEMU keeps in its top containers (a few qom-list), which is where
 * bus-less devices go.  Walking the whole QOM tree would be a hundred
 * commands and take 0.6 s with a TCG guest running.
 */
static GHashTable *vm_device_types(gpointer opaque, GError **errp)
{
    WalkContext *w = opaque;
    g_autoptr(GHashTable) types = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                        g_free, NULL);
    g_autoptr(JsonNode) qtree = qmp_client_execute_json(
        w->src, "human-monitor-command", "{\"command-line\":\"info qtree\"}",
        w->o->timeout_ms, errp);

    if (!node_string(qtree)) {
        return NULL;
    }
    qtree_device_types(node_string(qtree), types);
    for (int i = 0; device_containers[i]; i++) {
        g_autofree char *args = string_args("path", device_containers[i], NULL, NULL);
        g_autoptr(JsonNode) r = qmp_client_execute_json(w->src, "qom-list", args,
                                                        w->o->timeout_ms, errp);
        JsonArray *props;

        if (!r || !JSON_NODE_HOLDS_ARRAY(r)) {
            return NULL;
        }
        props = json_node_get_array(r);
        for (guint j = 0; j < json_array_get_length(props); j++) {
            JsonObject *prop = json_array_get_object_element(props, j);
            char *type = prop ? qom_child_type(
                json_object_get_string_member_with_default(prop, "type", NULL)) : NULL;

            if (type) {
                g_hash_table_add(types, type);
            }
        }
    }
    return g_steal_pointer(&types);
}

void compat_check_source(Compat *c, QmpClient *src, int source_pid,
                         GPtrArray *dest_argv, const char *dest_cwd,
                         const CompatOptions *o)
{
    WalkContext walk = { .src = src, .o = o };
    g_autofree char *exe = source_pid > 0 ? g_strdup_printf("/proc/%d/exe", source_pid)
                                          : NULL;

    check_memory(c, src, o);
    check_aux_ram(c, src, o);
    check_blockers(c, src, o);
    check_mode(c, src, exe, o);
    read_machine(c, src, o);
    if (!c->source_machine) {
        compat_add(c, "vmstate", COMPAT_SKIPPED, "the source's machine type is unknown");
        return;
    }
    if (!exe) {
        compat_add(c, "machine-type", COMPAT_FAILED,
                   "cannot identify the source process (no peer credentials)");
        return;
    }
    binary_compat_check(c, exe, dest_argv, dest_cwd, vm_device_types, &walk, o);
}

void compat_check_destination(Compat *c, QmpClient *dst, const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) v = qmp_client_execute(dst, "query-version", NULL,
                                               o->timeout_ms, &err);
    g_autofree char *version = version_string(v);

    if (!version) {
        compat_add(c, "destination-start", COMPAT_FAILED,
                   "the destination does not report a version (query-version: %s)",
                   err ? err->message : "unexpected reply");
        return;
    }
    compat_add(c, "destination-start", COMPAT_OK,
               "started in precreate, answers QMP: QEMU %s (source: QEMU %s)",
               version, c->source_version ? c->source_version : "?");
}
