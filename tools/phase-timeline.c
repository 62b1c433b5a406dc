/* Phases of a live update from trace and heartbeat logs; see phase-timeline.h. */
#include "phase-timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *what;
} phases[PHASE_COUNT] = {
    [PHASE_SOURCE_CPR_SAVED] = { "source_cpr_saved", "source: migration starts (CPR state sent)" },
    [PHASE_DEST_CPR_LOADED] = { "dest_cpr_loaded", "destination: CPR state read" },
    [PHASE_HB_LAST_SOURCE] = { "hb_last_source", "guest: last heartbeat through the source" },
    [PHASE_SOURCE_STOP] = { "source_stop", "source: guest stopped (finish-migrate)" },
    [PHASE_SOURCE_COMPLETE] = { "source_complete", "source: migration completed" },
    [PHASE_DEST_LOAD_START] = { "dest_load_start", "destination: state load starts" },
    [PHASE_DEST_LOAD_END] = { "dest_load_end", "destination: state loaded" },
    [PHASE_DEST_RUNNING] = { "dest_running", "destination: guest running" },
    [PHASE_HB_FIRST_DEST] = { "hb_first_dest", "guest: first heartbeat through the destination" },
};

const char *phase_name(Phase p)
{
    return phases[p].name;
}

const char *phase_description(Phase p)
{
    return phases[p].what;
}

void timeline_init(Timeline *tl)
{
    memset(tl, 0, sizeof(*tl));
}

gboolean trace_event_parse(const char *line, TraceEvent *ev)
{
    const char *p = line, *end;
    gint64 sec = 0, usec = 0;
    int ndigits = 0;
    size_t len;

    /* TID@ */
    if (!g_ascii_isdigit(*p)) {
        return FALSE;
    }
    while (g_ascii_isdigit(*p)) {
        p++;
    }
    if (*p++ != '@' || !g_ascii_isdigit(*p)) {
        return FALSE;
    }
    /* SECONDS.MICROS: (exactly six digits after the point) */
    for (; g_ascii_isdigit(*p) && ndigits < 12; p++, ndigits++) {
        sec = sec * 10 + (*p - '0');
    }
    if (*p++ != '.') {
        return FALSE;
    }
    for (ndigits = 0; g_ascii_isdigit(*p) && ndigits < 7; p++, ndigits++) {
        usec = usec * 10 + (*p - '0');
    }
    if (ndigits != 6 || *p++ != ':') {
        return FALSE;
    }
    end = p + strcspn(p, " \n");
    len = end - p;
    if (len == 0 || len >= sizeof(ev->event)) {
        return FALSE;
    }
    memcpy(ev->event, p, len);
    ev->event[len] = '\0';
    ev->args = *end == ' ' ? end + 1 : end;
    ev->t_us = sec * G_USEC_PER_SEC + usec;
    return TRUE;
}

/* Keep the first time an event is seen. */
static void seen(Timeline *tl, Phase p, gint64 t_us)
{
    if (!tl->t_us[p]) {
        tl->t_us[p] = t_us;
    }
}

static gboolean is_source_stop(const TraceEvent *ev)
{
    const char *to = strstr(ev->args, "new_state");

    return g_str_equal(ev->event, "runstate_set") && to && strstr(to, "(finish-migrate)");
}

/*
 * A source may have migrated before (a failed update, then another try):
 * its last stop is this update's, with the CPR state saved before it and
 * the completion after it.
 */
static void source_events(Timeline *tl, const GArray *events)
{
    int stop = -1;

    for (guint i = 0; i < events->len; i++) {
        if (is_source_stop(&g_array_index(events, TraceEvent, i))) {
            stop = i;
        }
    }
    if (stop < 0) {
        return;
    }
    tl->t_us[PHASE_SOURCE_STOP] = g_array_index(events, TraceEvent, stop).t_us;
    for (int i = stop; i-- > 0; ) {
        const TraceEvent *ev = &g_array_index(events, TraceEvent, i);

        if (g_str_equal(ev->event, "cpr_state_save")) {
            tl->t_us[PHASE_SOURCE_CPR_SAVED] = ev->t_us;
            break;
        }
    }
    for (guint i = stop; i < events->len; i++) {
        const TraceEvent *ev = &g_array_index(events, TraceEvent, i);

        if (g_str_equal(ev->event, "migrate_set_state") &&
            g_str_has_suffix(ev->args, "new state completed")) {
            tl->t_us[PHASE_SOURCE_COMPLETE] = ev->t_us;
            break;
        }
    }
}

static void dest_event(Timeline *tl, const TraceEvent *ev)
{
    if (g_str_equal(ev->event, "cpr_state_load")) {
        seen(tl, PHASE_DEST_CPR_LOADED, ev->t_us);
    } else if (g_str_equal(ev->event, "loadvm_state_setup")) {
        seen(tl, PHASE_DEST_LOAD_START, ev->t_us);
    } else if (g_str_equal(ev->event, "qemu_loadvm_state_post_main")) {
        seen(tl, PHASE_DEST_LOAD_END, ev->t_us);
    } else if (g_str_equal(ev->event, "runstate_set") &&
               strstr(ev->args, "new_state") &&
               strstr(strstr(ev->args, "new_state"), "(running)")) {
        seen(tl, PHASE_DEST_RUNNING, ev->t_us);
    }
}

/* The lines of the log at @path, or NULL with @errp set. */
static GStrv read_lines(const char *path, GError **errp)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, errp)) {
        return NULL;
    }
    return g_strsplit(text, "\n", -1);
}

gboolean timeline_add_trace(Timeline *tl, const char *path, gboolean is_source,
                            GError **errp)
{
    g_auto(GStrv) lines = read_lines(path, errp);
    g_autoptr(GArray) events = g_array_new(FALSE, FALSE, sizeof(TraceEvent));
    int nevents = 0;

    if (!lines) {
        return FALSE;
    }
    for (int i = 0; lines[i]; i++) {
        TraceEvent ev;

        g_strchomp(lines[i]);
        if (!trace_event_parse(lines[i], &ev)) {
            continue;           /* QEMU's other messages share the log */
        }
        nevents++;
        if (is_source) {
            g_array_append_val(events, ev);
        } else {
            dest_event(tl, &ev);
        }
    }
    source_events(tl, events);
    if (!nevents) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: no trace events (QEMU started without -msg timestamp=on "
                    "-trace ...?)", path);
        return FALSE;
    }
    return TRUE;
}

typedef struct {
    gint64 t_us;
    int conn;
} Beat;

/* hbmon's "MS CONN HB seq=..." lines, on the wall clock. */
static GArray *read_beats(const char *path, GError **errp)
{
    g_auto(GStrv) lines = read_lines(path, errp);
    g_autoptr(GArray) beats = g_array_new(FALSE, FALSE, sizeof(Beat));
    gint64 t0 = 0;

    if (!lines) {
        return NULL;
    }
    for (int i = 0; lines[i]; i++) {
        double ms;
        int conn, off = 0;
        long long real;

        if (sscanf(lines[i], "# hbmon t0 realtime_us=%lld", &real) == 1) {
            t0 = real;
        } else if (sscanf(lines[i], "%lf %d %n", &ms, &conn, &off) == 2 && off &&
                   g_str_has_prefix(lines[i] + off, "HB seq=")) {
            Beat b = { .t_us = (gint64)(ms * 1000.0 + 0.5), .conn = conn };

            g_array_append_val(beats, b);
        }
    }
    if (!t0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: no '# hbmon t0' line (not an hbmon log?)", path);
        return NULL;
    }
    for (guint i = 0; i < beats->len; i++) {
        g_array_index(beats, Beat, i).t_us += t0;
    }
    return g_steal_pointer(&beats);
}

gboolean timeline_add_heartbeat(Timeline *tl, const char *path, GError **errp)
{
    g_autoptr(GArray) beats = read_beats(path, errp);
    gint64 stop = tl->t_us[PHASE_SOURCE_STOP];
    int src_conn = -1;
    guint first = 0;

    if (!beats) {
        return FALSE;
    }
    /* The source's connection: that of the last beat before the stop. */
    for (guint i = 0; i < beats->len; i++) {
        const Beat *b = &g_array_index(beats, Beat, i);

        if (stop && b->t_us > stop) {
            break;
        }
        src_conn = b->conn;
    }
    if (!stop && beats->len) {
        /* No stop known: the last switch of connection in the log. */
        int last = g_array_index(beats, Beat, beats->len - 1).conn;

        src_conn = -1;
        for (guint i = beats->len; i-- > 0; ) {
            if (g_array_index(beats, Beat, i).conn != last) {
                src_conn = g_array_index(beats, Beat, i).conn;
                break;
            }
        }
    }
    if (src_conn < 0) {
        return TRUE;            /* no beat through the source: nothing to place */
    }
    for (guint i = 0; i < beats->len; i++) {
        const Beat *b = &g_array_index(beats, Beat, i);

        if (b->conn == src_conn) {
            tl->t_us[PHASE_HB_LAST_SOURCE] = b->t_us;
            first = i + 1;
        }
    }
    for (guint i = first; i < beats->len; i++) {
        const Beat *b = &g_array_index(beats, Beat, i);

        if (b->conn > src_conn) {
            tl->t_us[PHASE_HB_FIRST_DEST] = b->t_us;
            break;
        }
    }
    return TRUE;
}

Phase timeline_reference(const Timeline *tl)
{
    static const Phase candidates[] = {
        PHASE_SOURCE_STOP, PHASE_DEST_LOAD_START, PHASE_DEST_CPR_LOADED,
    };

    for (guint i = 0; i < G_N_ELEMENTS(candidates); i++) {
        if (tl->t_us[candidates[i]]) {
            return candidates[i];
        }
    }
    return PHASE_COUNT;
}

gboolean timeline_ms(const Timeline *tl, Phase p, double *ms)
{
    Phase ref = timeline_reference(tl);

    if (ref == PHASE_COUNT || !tl->t_us[p]) {
        return FALSE;
    }
    *ms = (tl->t_us[p] - tl->t_us[ref]) / 1000.0;
    return TRUE;
}

/*
 * A source with cpr-late-stop sends the stream's setup sections while the
 * guest still runs, so the destination's load can start before the stop:
 * only the part of the load inside the pause counts.
 */
static gint64 span_start(const Timeline *tl, Phase from)
{
    if (from == PHASE_DEST_LOAD_START &&
        tl->t_us[PHASE_SOURCE_STOP] > tl->t_us[from]) {
        return tl->t_us[PHASE_SOURCE_STOP];
    }
    return tl->t_us[from];
}

static gboolean span_ms(const Timeline *tl, Phase from, Phase to, double *ms)
{
    if (!tl->t_us[from] || !tl->t_us[to]) {
        return FALSE;
    }
    *ms = (tl->t_us[to] - span_start(tl, from)) / 1000.0;
    return TRUE;
}

static const struct {
    const char *name, *what;
    Phase from, to;
} spans[] = {
    { "stop_to_running_ms", "source stop -> destination running",
      PHASE_SOURCE_STOP, PHASE_DEST_RUNNING },
    { "stop_to_first_heartbeat_ms", "source stop -> first heartbeat",
      PHASE_SOURCE_STOP, PHASE_HB_FIRST_DEST },
    { "running_to_first_heartbeat_ms", "destination running -> first heartbeat",
      PHASE_DEST_RUNNING, PHASE_HB_FIRST_DEST },
    { "dest_load_ms", "destination state load (in the pause)",
      PHASE_DEST_LOAD_START, PHASE_DEST_LOAD_END },
    { "heartbeat_gap_ms", "guest-visible pause (heartbeat gap)",
      PHASE_HB_LAST_SOURCE, PHASE_HB_FIRST_DEST },
};

static int by_time(gconstpointer a, gconstpointer b, gpointer tl_)
{
    const Timeline *tl = tl_;
    gint64 ta = tl->t_us[*(const Phase *)a], tb = tl->t_us[*(const Phase *)b];

    return ta < tb ? -1 : ta > tb;
}

void timeline_print_text(const Timeline *tl, FILE *out)
{
    Phase order[PHASE_COUNT];
    int n = 0;

    Phase ref = timeline_reference(tl);

    if (ref == PHASE_COUNT) {
        fprintf(out, "timeline: no phase of the update in the trace logs\n");
        return;
    }
    for (Phase p = 0; p < PHASE_COUNT; p++) {
        if (tl->t_us[p]) {
            order[n++] = p;
        }
    }
    g_qsort_with_data(order, n, sizeof(order[0]), by_time, (gpointer)tl);
    fprintf(out, "timeline (ms from %s, host clock):\n",
            ref == PHASE_SOURCE_STOP ? "the source's stop" : phase_description(ref));
    for (int i = 0; i < n; i++) {
        double ms = 0;

        timeline_ms(tl, order[i], &ms);
        fprintf(out, "  %10.3f  %s\n", ms, phase_description(order[i]));
    }
    for (guint i = 0; i < G_N_ELEMENTS(spans); i++) {
        double ms;

        if (span_ms(tl, spans[i].from, spans[i].to, &ms)) {
            fprintf(out, "  %-44s %8.3f ms\n", spans[i].what, ms);
        }
    }
}

static void add_ms(JsonBuilder *b, const char *name, gboolean known, double ms)
{
    json_builder_set_member_name(b, name);
    if (known) {
        json_builder_add_double_value(b, ms);
    } else {
        json_builder_add_null_value(b);
    }
}

JsonNode *timeline_to_json(const Timeline *tl)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    Phase ref = timeline_reference(tl);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "reference");
    if (ref == PHASE_COUNT) {
        json_builder_add_null_value(b);
    } else {
        json_builder_add_string_value(b, phase_name(ref));
    }
    for (Phase p = 0; p < PHASE_COUNT; p++) {
        double ms = 0;
        gboolean known = timeline_ms(tl, p, &ms);

        add_ms(b, phase_name(p), known, ms);
    }
    for (guint i = 0; i < G_N_ELEMENTS(spans); i++) {
        double ms = 0;
        gboolean known = span_ms(tl, spans[i].from, spans[i].to, &ms);

        add_ms(b, spans[i].name, known, ms);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
