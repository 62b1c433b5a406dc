/* When the source stops its guest; see source-late-stop.h. */
#include "source-late-stop.h"

void source_late_stop_read(SourceLateStop *ls, JsonNode *capabilities)
{
    JsonArray *list;

    ls->state = LATE_STOP_ABSENT;
    ls->changed = FALSE;
    if (!capabilities || !JSON_NODE_HOLDS_ARRAY(capabilities)) {
        return;
    }
    list = json_node_get_array(capabilities);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonNode *n = json_array_get_element(list, i);
        JsonObject *c = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
        const char *name = c ? json_object_get_string_member_with_default(
                                   c, "capability", NULL) : NULL;

        if (g_strcmp0(name, SOURCE_LATE_STOP_CAPABILITY) == 0) {
            ls->state = json_object_get_boolean_member_with_default(c, "state", FALSE)
                        ? LATE_STOP_ON : LATE_STOP_OFF;
            return;
        }
    }
}

static gboolean set_capability(QmpClient *src, gboolean on, int timeout_ms,
                               GError **errp)
{
    g_autofree char *args = g_strdup_printf(
        "{\"capabilities\":[{\"capability\":\"%s\",\"state\":%s}]}",
        SOURCE_LATE_STOP_CAPABILITY, on ? "true" : "false");
    g_autoptr(JsonNode) r = qmp_client_execute_json(src, "migrate-set-capabilities",
                                                     args, timeout_ms, errp);

    return r != NULL;
}

gboolean source_late_stop_enable(SourceLateStop *ls, QmpClient *src,
                                 int timeout_ms, GError **errp)
{
    if (ls->state != LATE_STOP_OFF) {
        return TRUE;
    }
    /* Restored even if the reply is lost: it may have been set. */
    ls->changed = TRUE;
    if (!set_capability(src, TRUE, timeout_ms, errp)) {
        return FALSE;
    }
    ls->state = LATE_STOP_ON;
    return TRUE;
}

gboolean source_late_stop_restore(SourceLateStop *ls, QmpClient *src,
                                  int timeout_ms)
{
    if (!ls->changed || !set_capability(src, FALSE, timeout_ms, NULL)) {
        return !ls->changed;
    }
    ls->changed = FALSE;
    ls->state = LATE_STOP_OFF;
    return TRUE;
}
