/*
 * timeline: the phases of one live update, from both QEMU processes'
 * trace logs and hbmon's heartbeat log, relative to the source's stop.
 *
 *   timeline --source SRC.trace --destination DST.trace [--heartbeat HB.log] [--json]
 *
 * The QEMUs must run with -msg timestamp=on -D FILE and -trace for the
 * events named in phase-timeline.h.
 */
#include "phase-timeline.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    g_autofree char *src = NULL, *dst = NULL, *hb = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "source", 's', 0, G_OPTION_ARG_FILENAME, &src,
          "The source QEMU's trace log", "FILE" },
        { "destination", 'd', 0, G_OPTION_ARG_FILENAME, &dst,
          "The destination QEMU's trace log", "FILE" },
        { "heartbeat", 'b', 0, G_OPTION_ARG_FILENAME, &hb,
          "hbmon's log of the guest's heartbeat", "FILE" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;
    Timeline tl;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx, "Phases of a live update on the host's clock.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 1 || !src || !dst) {
        fprintf(stderr, "timeline: %s\n",
                err ? err->message : "--source FILE and --destination FILE are required");
        return 2;
    }
    timeline_init(&tl);
    if (!timeline_add_trace(&tl, src, TRUE, &err) ||
        !timeline_add_trace(&tl, dst, FALSE, &err) ||
        (hb && !timeline_add_heartbeat(&tl, hb, &err))) {
        fprintf(stderr, "timeline: %s\n", err->message);
        return 1;
    }
    if (json) {
        g_autoptr(JsonNode) root = timeline_to_json(&tl);
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *text = NULL;

        json_generator_set_root(gen, root);
        text = json_generator_to_data(gen, NULL);
        printf("%s\n", text);
    } else {
        timeline_print_text(&tl, stdout);
    }
    return 0;
}
