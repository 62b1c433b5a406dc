/* The final report; see report.h. */
#include <stdio.h>

#include "report.h"
#include "update-timeline.h"

static gint64 step_ms(const UpdateStep *s)
{
    return s->done ? s->ms : (g_get_monotonic_time() - s->start_us) / 1000;
}

static gint64 source_int(const Update *u, const char *name)
{
    if (!u->source_migrate || !json_object_has_member(u->source_migrate, name)) {
        return -1;
    }
    return json_object_get_int_member(u->source_migrate, name);
}

static const char *result_name(const Update *u, int rc)
{
    switch (rc) {
    case UPDATE_OK:
        return u->opt->check_only ? "checked" : "completed";
    case UPDATE_ROLLED_BACK:
        return "rolled-back";
    case UPDATE_FAILED_AFTER_HANDOVER:
        return "failed-after-handover";
    default:
        return "rollback-failed";
    }
}

/* The pre-flight checks, one line each, their notes below. */
static void print_checks(const Update *u, FILE *out)
{
    for (guint i = 0; i < u->compat.checks->len; i++) {
        const CompatCheck *k = g_ptr_array_index(u->compat.checks, i);

        fprintf(out, "  %-20s %-8s %s\n", k->name, compat_result_name(k->result),
                k->detail);
        for (guint j = 0; j < k->notes->len; j++) {
            fprintf(out, "  %-20s %-8s   %s\n", "", "", (char *)g_ptr_array_index(k->notes, j));
        }
    }
}

void report_print_text(const Update *u, int rc, FILE *out)
{
    gint64 total = (g_get_monotonic_time() - u->t0_us) / 1000;

    if (rc != UPDATE_OK) {
        fprintf(out, "cpr-update: failed at step %s: %s; %s\n",
                u->step ? u->step : "start", u->error ? u->error : "unknown error",
                u->outcome ? u->outcome : "");
        if (u->opt->check_only) {
            print_checks(u, out);
        }
        return;
    }
    if (u->opt->check_only) {
        fprintf(out, "cpr-update: %s\n", u->outcome);
        print_checks(u, out);
        fprintf(out, "  total              %" G_GINT64_FORMAT " ms\n", total);
        return;
    }
    fprintf(out, "cpr-update: live update completed: %s\n", u->outcome);
    fprintf(out, "  destination        pid %d, monitor %s\n", u->dest.pid, u->dst_qmp);
    fprintf(out, "  main channel       %s\n", u->main_channel_desc);
    fprintf(out, "  downtime           %" G_GINT64_FORMAT " ms (source-reported)\n",
            source_int(u, "downtime"));
    fprintf(out, "  source total time  %" G_GINT64_FORMAT " ms (source-reported)\n",
            source_int(u, "total-time"));
    fprintf(out, "  source stop        %s\n", u->late_stop.state == LATE_STOP_ON ?
            "after its setup (cpr-late-stop)" : "at the main channel's connect");
    fprintf(out, "  vmstate description %s\n",
            vmdesc_sent(&u->vmdesc) ? "sent" : "not sent");
    fprintf(out, "  total              %" G_GINT64_FORMAT " ms\n", total);
    fprintf(out, "  steps             ");
    for (guint i = 0; i < u->steps->len; i++) {
        const UpdateStep *s = &g_array_index(u->steps, UpdateStep, i);
        fprintf(out, " %s %" G_GINT64_FORMAT " ms%s", s->name, step_ms(s),
                i + 1 < u->steps->len ? "," : "\n");
    }
    update_timeline_print(u, out);
}

void report_print_json(const Update *u, int rc, FILE *out)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "result");
    json_builder_add_string_value(b, result_name(u, rc));
    json_builder_set_member_name(b, "exit_code");
    json_builder_add_int_value(b, rc);
    json_builder_set_member_name(b, "outcome");
    json_builder_add_string_value(b, u->outcome ? u->outcome : "");
    if (rc != UPDATE_OK) {
        json_builder_set_member_name(b, "failed_step");
        json_builder_add_string_value(b, u->step ? u->step : "start");
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, u->error ? u->error : "");
    }
    if (u->dest.pid && !u->dest.reaped) {
        json_builder_set_member_name(b, "destination");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "pid");
        json_builder_add_int_value(b, u->dest.pid);
        json_builder_set_member_name(b, "monitor");
        json_builder_add_string_value(b, u->dst_qmp);
        json_builder_end_object(b);
    }
    if (u->main_channel_desc) {
        json_builder_set_member_name(b, "main_channel");
        json_builder_add_string_value(b, u->main_channel_desc);
    }
    if (u->source_migrate) {
        json_builder_set_member_name(b, "downtime_ms");
        json_builder_add_int_value(b, source_int(u, "downtime"));
        json_builder_set_member_name(b, "source_total_time_ms");
        json_builder_add_int_value(b, source_int(u, "total-time"));
        json_builder_set_member_name(b, "source_stop");
        json_builder_add_string_value(b, u->late_stop.state == LATE_STOP_ON ?
                                      "late" : "at-connect");
        json_builder_set_member_name(b, "vmdesc_sent");
        json_builder_add_boolean_value(b, vmdesc_sent(&u->vmdesc));
    }
    json_builder_set_member_name(b, "warnings");
    json_builder_begin_array(b);
    for (guint i = 0; i < u->warnings->len; i++) {
        json_builder_add_string_value(b, g_ptr_array_index(u->warnings, i));
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "handover");
    json_builder_begin_array(b);
    for (guint i = 0; i < u->notes->len; i++) {
        json_builder_add_string_value(b, g_ptr_array_index(u->notes, i));
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "checks");
    json_builder_begin_array(b);
    for (guint i = 0; i < u->compat.checks->len; i++) {
        const CompatCheck *k = g_ptr_array_index(u->compat.checks, i);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, k->name);
        json_builder_set_member_name(b, "result");
        json_builder_add_string_value(b, compat_result_name(k->result));
        json_builder_set_member_name(b, "detail");
        json_builder_add_string_value(b, k->detail);
        json_builder_set_member_name(b, "notes");
        json_builder_begin_array(b);
        for (guint j = 0; j < k->notes->len; j++) {
            json_builder_add_string_value(b, g_ptr_array_index(k->notes, j));
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    update_timeline_json(u, b);
    json_builder_set_member_name(b, "total_ms");
    json_builder_add_int_value(b, (g_get_monotonic_time() - u->t0_us) / 1000);
    json_builder_set_member_name(b, "steps");
    json_builder_begin_array(b);
    for (guint i = 0; i < u->steps->len; i++) {
        const UpdateStep *s = &g_array_index(u->steps, UpdateStep, i);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, s->name);
        json_builder_set_member_name(b, "ms");
        json_builder_add_int_value(b, step_ms(s));
        json_builder_set_member_name(b, "done");
        json_builder_add_boolean_value(b, s->done);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    fprintf(out, "%s\n", text);
}
