/* Writing a tool's JSON summary; see json-summary.h. */
#include "json-summary.h"

#include <stdio.h>

int json_summary_write(JsonNode *root, const char *path, const char *prog)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    text = json_generator_to_data(gen, NULL);
    if (!path) {
        printf("%s\n", text);
        return 0;
    }
    if (!g_file_set_contents(path, text, -1, &err)) {
        fprintf(stderr, "%s: %s\n", prog, err->message);
        return 1;
    }
    return 0;
}
