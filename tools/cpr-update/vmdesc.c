/* Suppressing the vmstate description; see vmdesc.h. */
#include "vmdesc.h"

#include <json-glib/json-glib.h>

static gboolean set_suppressed(QmpClient *c, gboolean suppressed, int timeout_ms,
                               GError **errp)
{
    g_autofree char *args = g_strdup_printf(
        "{\"path\":\"/machine\",\"property\":\"" VMDESC_PROPERTY "\",\"value\":%s}",
        suppressed ? "true" : "false");
    g_autoptr(JsonNode) r = qmp_client_execute_json(c, "qom-set", args, timeout_ms,
                                                     errp);

    return r != NULL;
}

void vmdesc_read(Vmdesc *v, QmpClient *src, gboolean keep, int timeout_ms)
{
    g_autoptr(JsonNode) r = qmp_client_execute_json(
        src, "qom-get", "{\"path\":\"/machine\",\"property\":\"" VMDESC_PROPERTY "\"}",
        timeout_ms, NULL);

    v->keep = keep;
    v->changed = FALSE;
    if (!r || json_node_get_value_type(r) != G_TYPE_BOOLEAN) {
        v->source = VMDESC_UNKNOWN;
    } else {
        v->source = json_node_get_boolean(r) ? VMDESC_SUPPRESSED : VMDESC_SENT;
    }
}

gboolean vmdesc_sent(const Vmdesc *v)
{
    return v->source == VMDESC_UNKNOWN || (v->source == VMDESC_SENT && v->keep);
}

void vmdesc_add_dest_args(const Vmdesc *v, GPtrArray *argv)
{
    if (!vmdesc_sent(v)) {
        g_ptr_array_add(argv, g_strdup("-machine"));
        g_ptr_array_add(argv, g_strdup(VMDESC_PROPERTY "=on"));
    }
}

gboolean vmdesc_suppress_source(Vmdesc *v, QmpClient *src, int timeout_ms,
                                GError **errp)
{
    if (v->source != VMDESC_SENT || v->keep) {
        return TRUE;
    }
    /* Restored even if the reply is lost: it may have been set. */
    v->changed = TRUE;
    return set_suppressed(src, TRUE, timeout_ms, errp);
}

gboolean vmdesc_restore_source(Vmdesc *v, QmpClient *src, int timeout_ms)
{
    return !v->changed || set_suppressed(src, FALSE, timeout_ms, NULL);
}

gboolean vmdesc_restore_dest(const Vmdesc *v, QmpClient *dst, int timeout_ms,
                             GError **errp)
{
    return !v->changed || set_suppressed(dst, FALSE, timeout_ms, errp);
}
