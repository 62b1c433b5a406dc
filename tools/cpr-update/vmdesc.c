/* Suppressing the vmstate description; see vmdesc.h. */
#include "vmdesc.h"

#include <json-glib/json-glib.h>

VmdescState vmdesc_state(QmpClient *c, int timeout_ms)
{
    g_autoptr(JsonNode) r = qmp_client_execute_json(
        c, "qom-get", "{\"path\":\"/machine\",\"property\":\"" VMDESC_PROPERTY "\"}",
        timeout_ms, NULL);

    if (!r || json_node_get_value_type(r) != G_TYPE_BOOLEAN) {
        return VMDESC_UNKNOWN;
    }
    return json_node_get_boolean(r) ? VMDESC_SUPPRESSED : VMDESC_SENT;
}

gboolean vmdesc_set_suppressed(QmpClient *c, gboolean suppressed, int timeout_ms,
                               GError **errp)
{
    g_autofree char *args = g_strdup_printf(
        "{\"path\":\"/machine\",\"property\":\"" VMDESC_PROPERTY "\",\"value\":%s}",
        suppressed ? "true" : "false");
    g_autoptr(JsonNode) r = qmp_client_execute_json(c, "qom-set", args, timeout_ms,
                                                     errp);

    return r != NULL;
}

void vmdesc_add_dest_args(GPtrArray *argv)
{
    g_ptr_array_add(argv, g_strdup("-machine"));
    g_ptr_array_add(argv, g_strdup(VMDESC_PROPERTY "=on"));
}
