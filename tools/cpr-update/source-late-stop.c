/* When the source stops its guest; see source-late-stop.h. */
#include "source-late-stop.h"

LateStopState source_late_stop_state(JsonNode *capabilities)
{
    JsonArray *list;

    if (!capabilities || !JSON_NODE_HOLDS_ARRAY(capabilities)) {
        return LATE_STOP_ABSENT;
    }
    list = json_node_get_array(capabilities);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonNode *n = json_array_get_element(list, i);
        JsonObject *c = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
        const char *name = c ? json_object_get_string_member_with_default(
                                   c, "capability", NULL) : NULL;

        if (g_strcmp0(name, SOURCE_LATE_STOP_CAPABILITY) == 0) {
            return json_object_get_boolean_member_with_default(c, "state", FALSE)
                   ? LATE_STOP_ON : LATE_STOP_OFF;
        }
    }
    return LATE_STOP_ABSENT;
}

gboolean source_late_stop_set(QmpClient *src, gboolean on, int timeout_ms,
                              GError **errp)
{
    g_autofree char *args = g_strdup_printf(
        "{\"capabilities\":[{\"capability\":\"%s\",\"state\":%s}]}",
        SOURCE_LATE_STOP_CAPABILITY, on ? "true" : "false");
    g_autoptr(JsonNode) r = qmp_client_execute_json(src, "migrate-set-capabilities",
                                                     args, timeout_ms, errp);

    return r != NULL;
}
