/* Parsing for the pre-flight compatibility check; see compat-parse.h. */
#include "compat-parse.h"
#include "qemu-args.h"

#include <string.h>

#define ALIAS_MARK " (alias of "
#define DEFAULT_MARK " (default)"

gboolean machine_types_parse(const char *help, MachineTypes *mt)
{
    g_auto(GStrv) lines = g_strsplit(help ? help : "", "\n", -1);
    gboolean header = FALSE;

    mt->resolved = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    mt->default_type = NULL;
    for (int i = 0; lines[i]; i++) {
        const char *line = lines[i], *alias;
        g_autofree char *name = NULL;
        size_t n;

        if (g_str_equal(line, "Supported machines are:")) {
            header = TRUE;
            continue;
        }
        if (!header || !*line || g_ascii_isspace(*line)) {
            continue;
        }
        n = strcspn(line, " ");
        name = g_strndup(line, n);
        /* "pc    Standard PC ... (alias of pc-i440fx-10.0)" */
        alias = strstr(line, ALIAS_MARK);
        if (alias) {
            const char *target = alias + strlen(ALIAS_MARK);
            size_t len = strcspn(target, ")");

            g_hash_table_replace(mt->resolved, g_steal_pointer(&name),
                                 g_strndup(target, len));
            continue;
        }
        if (strstr(line, DEFAULT_MARK)) {
            g_free(mt->default_type);
            mt->default_type = g_strdup(name);
        }
        g_hash_table_replace(mt->resolved, g_strdup(name), g_strdup(name));
    }
    return header;
}

const char *machine_types_resolve(const MachineTypes *mt, const char *name)
{
    return name && mt->resolved ? g_hash_table_lookup(mt->resolved, name) : NULL;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

char *machine_types_list(const MachineTypes *mt)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, mt->resolved);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_ptr_array_add(names, key);
    }
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(", ", (char **)names->pdata);
}

void machine_types_clear(MachineTypes *mt)
{
    g_clear_pointer(&mt->resolved, g_hash_table_unref);
    g_clear_pointer(&mt->default_type, g_free);
}

char *machine_type_from_args(GPtrArray *argv)
{
    char *type = NULL;

    for (guint i = 1; i + 1 < argv->len; i++) {
        const char *name = qemu_args_option_name(g_ptr_array_index(argv, i));
        g_autoptr(GPtrArray) elems = NULL;
        const char *t;

        if (!name || !qemu_args_takes_arg(name)) {
            continue;
        }
        i++;
        if (!g_str_equal(name, "M") && !g_str_equal(name, "machine")) {
            continue;
        }
        elems = qemu_opts_split(g_ptr_array_index(argv, i));
        t = qemu_opts_get(elems, "type");
        if (!t && !strchr(g_ptr_array_index(elems, 0), '=')) {
            t = g_ptr_array_index(elems, 0);
        }
        if (t && *t) {
            g_free(type);
            type = g_strdup(t);
        }
    }
    return type;
}

char *machine_type_from_qom(const char *qom_type)
{
    if (g_str_has_suffix(qom_type, "-machine")) {
        return g_strndup(qom_type, strlen(qom_type) - strlen("-machine"));
    }
    return g_strdup(qom_type);
}

char *qom_child_type(const char *prop_type)
{
    size_t len;

    if (!prop_type || !g_str_has_prefix(prop_type, "child<") ||
        !g_str_has_suffix(prop_type, ">")) {
        return NULL;
    }
    len = strlen(prop_type) - strlen("child<") - 1;
    return len ? g_strndup(prop_type + strlen("child<"), len) : NULL;
}

#define QTREE_DEV "dev: "

void qtree_device_types(const char *qtree, GHashTable *types)
{
    g_auto(GStrv) lines = g_strsplit(qtree ? qtree : "", "\n", -1);

    for (int i = 0; lines[i]; i++) {
        const char *line = lines[i] + strspn(lines[i], " ");
        size_t len;

        if (!g_str_has_prefix(line, QTREE_DEV)) {
            continue;
        }
        line += strlen(QTREE_DEV);
        len = strcspn(line, ",");
        if (len && line[len] == ',') {
            g_hash_table_add(types, g_strndup(line, len));
        }
    }
}

/* The schema entity called @name (schema names are opaque, e.g. "123"). */
static JsonObject *schema_entity(JsonArray *schema, const char *name)
{
    for (guint i = 0; name && i < json_array_get_length(schema); i++) {
        JsonNode *n = json_array_get_element(schema, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;

        if (o && !g_strcmp0(json_object_get_string_member_with_default(o, "name", NULL),
                            name)) {
            return o;
        }
    }
    return NULL;
}

static gboolean array_has_string(JsonArray *a, const char *key, const char *value)
{
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonNode *n = json_array_get_element(a, i);

        if (!key && JSON_NODE_HOLDS_VALUE(n) &&
            json_node_get_value_type(n) == G_TYPE_STRING &&
            g_str_equal(json_node_get_string(n), value)) {
            return TRUE;
        }
        if (key && JSON_NODE_HOLDS_OBJECT(n) &&
            !g_strcmp0(json_object_get_string_member_with_default(
                           json_node_get_object(n), key, NULL), value)) {
            return TRUE;
        }
    }
    return FALSE;
}

static JsonArray *member_array(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

gboolean qmp_schema_result_enum_has(JsonNode *schema, const char *command,
                                    const char *member, const char *value,
                                    gboolean *has_member)
{
    JsonArray *all, *members;
    JsonObject *cmd, *ret, *type = NULL;

    *has_member = FALSE;
    if (!schema || !JSON_NODE_HOLDS_ARRAY(schema)) {
        return FALSE;
    }
    all = json_node_get_array(schema);
    cmd = schema_entity(all, command);
    ret = cmd ? schema_entity(all, json_object_get_string_member_with_default(
                                       cmd, "ret-type", NULL)) : NULL;
    members = member_array(ret, "members");
    for (guint i = 0; members && i < json_array_get_length(members); i++) {
        JsonObject *m = json_array_get_object_element(members, i);

        if (m && !g_strcmp0(json_object_get_string_member_with_default(m, "name", NULL),
                            member)) {
            *has_member = TRUE;
            type = schema_entity(all, json_object_get_string_member_with_default(
                                          m, "type", NULL));
            break;
        }
    }
    /* Enum values: "values" (strings), and since 6.2 also "members". */
    return type && (array_has_string(member_array(type, "values"), NULL, value) ||
                    array_has_string(member_array(type, "members"), "name", value));
}

#define SECTION_MARK "Section \""

void vmstate_findings_classify(const char *output, GHashTable *vm_types,
                               GPtrArray *matter, GPtrArray *ignored)
{
    g_auto(GStrv) lines = g_strsplit(output ? output : "", "\n", -1);

    for (int i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        const char *sec = strstr(line, SECTION_MARK);
        g_autofree char *section = NULL;

        if (!*line) {
            continue;
        }
        if (sec == line) {
            sec += strlen(SECTION_MARK);
            section = g_strndup(sec, strcspn(sec, "\""));
        }
        if (section && vm_types && !g_hash_table_contains(vm_types, section)) {
            g_ptr_array_add(ignored, g_strdup_printf(
                "%s (ignored: this VM has no %s device)", line, section));
        } else {
            g_ptr_array_add(matter, g_strdup(line));
        }
    }
}
