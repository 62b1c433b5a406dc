/* The update's phase timeline in cpr-update's report; see update-timeline.h. */
#include "update-timeline.h"
#include "phase-timeline.h"

static const char *const trace_events[] = {
    "runstate_set", "migrate_set_state", "cpr_state_load", "loadvm_state_setup",
    "qemu_loadvm_state_post_main", NULL
};

static char *dest_trace_path(const Update *u)
{
    return u->run_dir ? g_build_filename(u->run_dir, "trace.log", NULL) : NULL;
}

void update_timeline_dest_args(const Update *u, GPtrArray *argv)
{
    if (!u->opt->timeline) {
        return;
    }
    /* After the guest's own arguments: a -D of theirs (--same-args) loses. */
    g_ptr_array_add(argv, g_strdup("-msg"));
    g_ptr_array_add(argv, g_strdup("timestamp=on"));
    g_ptr_array_add(argv, g_strdup("-D"));
    g_ptr_array_add(argv, dest_trace_path(u));
    for (int i = 0; trace_events[i]; i++) {
        g_ptr_array_add(argv, g_strdup("-trace"));
        g_ptr_array_add(argv, g_strdup(trace_events[i]));
    }
}

/* The timeline from the logs; FALSE with @errp set if a log is unusable. */
static gboolean read_timeline(const Update *u, Timeline *tl, GError **errp)
{
    g_autofree char *dest = dest_trace_path(u);

    timeline_init(tl);
    if (!dest) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "the destination was never started");
        return FALSE;
    }
    return timeline_add_trace(tl, dest, FALSE, errp) &&
           (!u->opt->source_log ||
            timeline_add_trace(tl, u->opt->source_log, TRUE, errp));
}

void update_timeline_json(const Update *u, JsonBuilder *b)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dest = dest_trace_path(u);
    Timeline tl;

    if (!u->opt->timeline) {
        return;
    }
    if (dest) {
        json_builder_set_member_name(b, "destination_trace");
        json_builder_add_string_value(b, dest);
    }
    json_builder_set_member_name(b, "timeline");
    if (read_timeline(u, &tl, &err)) {
        json_builder_add_value(b, timeline_to_json(&tl));
    } else {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, err->message);
        json_builder_end_object(b);
    }
}

void update_timeline_print(const Update *u, FILE *out)
{
    g_autoptr(GError) err = NULL;
    Timeline tl;

    if (!u->opt->timeline) {
        return;
    }
    if (!read_timeline(u, &tl, &err)) {
        fprintf(out, "  timeline: %s\n", err->message);
        return;
    }
    timeline_print_text(&tl, out);
}
