/* The live-update state machine; see update.h. */
#include "update.h"
#include "compat-check.h"
#include "migration-cancel.h"
#include "preflight.h"
#include "source-late-stop.h"
#include "source-monitor.h"
#include "supervise.h"
#include "tap-handover.h"
#include "update-timeline.h"
#include "vmdesc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parameters that must match on the destination; others are source-only. */
static const char *const copied_parameters[] = {
    "multifd-channels", "multifd-compression", "multifd-zlib-level",
    "multifd-zstd-level", "zero-page-detection", "tls-creds", "tls-hostname",
    "tls-authz", NULL
};

static void fail(Update *u, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void fail(Update *u, const char *fmt, ...)
{
    va_list ap;

    if (u->error) {
        return;
    }
    va_start(ap, fmt);
    u->error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static void warn_all(Update *u, guint from)
{
    for (guint i = from; i < u->warnings->len; i++) {
        fprintf(stderr, "cpr-update: warning: %s\n",
                (char *)g_ptr_array_index(u->warnings, i));
    }
}

/*
 * Start step @name.  FALSE if the destination has already died: the
 * failure is then named after the step it would have broken.
 */
static gboolean begin_step(Update *u, const char *name)
{
    const char *kill_at = g_getenv("CPR_UPDATE_TEST_KILL_DEST_AT");

    u->step = name;
    UpdateStep s = { .name = name, .start_us = g_get_monotonic_time() };
    g_array_append_val(u->steps, s);
    if (u->opt->verbose) {
        fprintf(stderr, "cpr-update: %s\n", name);
    }
    /* Test hook: make the destination die exactly here. */
    if (kill_at && g_str_equal(kill_at, name) && u->dest.pid) {
        kill(u->dest.pid, SIGKILL);
        while (dest_process_alive(&u->dest)) {
            g_usleep(1000);
        }
    }
    if (u->dest.pid && !dest_process_alive(&u->dest)) {
        g_autofree char *why = dest_process_describe_exit(&u->dest);
        fail(u, "%s", why);
        return FALSE;
    }
    return TRUE;
}

static void end_step(Update *u)
{
    UpdateStep *s = &g_array_index(u->steps, UpdateStep, u->steps->len - 1);

    s->ms = (g_get_monotonic_time() - s->start_us) / 1000;
    s->done = TRUE;
}

/* Ctrl-C or SIGTERM seen?  The fd stays readable for the QMP client. */
static gboolean interrupted(Update *u)
{
    struct pollfd pfd = { .fd = u->opt->abort_fd, .events = POLLIN };

    return u->opt->abort_fd >= 0 && poll(&pfd, 1, 0) == 1;
}

/*
 * Run a command on the destination; if it fails and the destination has
 * died meanwhile, say that rather than "connection closed".
 */
static JsonNode *dst_cmd(Update *u, const char *cmd, const char *args)
{
    g_autoptr(GError) err = NULL;
    JsonNode *ret = qmp_client_execute_json(u->dst, cmd, args,
                                            u->opt->step_timeout_ms, &err);

    if (!ret) {
        if (!dest_process_alive(&u->dest)) {
            g_autofree char *why = dest_process_describe_exit(&u->dest);
            fail(u, "%s", why);
        } else {
            fail(u, "destination: %s", err->message);
        }
    }
    return ret;
}

static JsonNode *src_cmd(Update *u, const char *cmd, const char *args)
{
    g_autoptr(GError) err = NULL;
    JsonNode *ret = qmp_client_execute_json(u->src, cmd, args,
                                            u->opt->step_timeout_ms, &err);

    if (!ret) {
        fail(u, "source: %s", err->message);
    }
    return ret;
}

static char *run_status(Update *u, gboolean is_dest)
{
    g_autoptr(JsonNode) r = is_dest ? dst_cmd(u, "query-status", NULL)
                                    : src_cmd(u, "query-status", NULL);

    return qmp_reply_string(r, "status");
}

static char *node_to_json(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();

    json_generator_set_root(gen, node);
    return json_generator_to_data(gen, NULL);
}

static gboolean connect_source(Update *u)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *status = NULL;
    g_autoptr(JsonNode) params = NULL, caps = NULL;

    if (!begin_step(u, "connect-source")) {
        return FALSE;
    }
    u->src = source_monitor_connect(u->opt->source_qmp, u->opt->greeting_timeout_ms,
                                    u->opt->step_timeout_ms, &err);
    if (!u->src) {
        fail(u, "source monitor %s: %s", u->opt->source_qmp, err->message);
        return FALSE;
    }
    qmp_client_set_abort_fd(u->src, u->opt->abort_fd);
    status = run_status(u, FALSE);
    if (!status) {
        return FALSE;
    }
    if (!g_str_equal(status, "running") && !g_str_equal(status, "paused")) {
        fail(u, "source is '%s'; it must be running or paused", status);
        return FALSE;
    }
    u->was_running = g_str_equal(status, "running");
    params = src_cmd(u, "query-migrate-parameters", NULL);
    u->orig_mode = qmp_reply_string(params, "mode");
    if (u->orig_mode && g_str_equal(u->orig_mode, "cpr-transfer")) {
        /* What an update killed before it could roll back leaves behind. */
        g_ptr_array_add(u->warnings, g_strdup(
            "the source's migration mode is already cpr-transfer (left by an "
            "interrupted update?); a failed update leaves it so"));
        warn_all(u, u->warnings->len - 1);
    }
    caps = src_cmd(u, "query-migrate-capabilities", NULL);
    source_late_stop_read(&u->late_stop, caps);
    vmdesc_read(&u->vmdesc, u->src, u->opt->keep_vmdesc, u->opt->step_timeout_ms);
    end_step(u);
    return params != NULL && caps != NULL;
}

/* First, before anything touches the guest: what the update would break. */
static gboolean preflight(Update *u)
{
    g_autoptr(GError) err = NULL;
    guint nwarn = u->warnings->len;

    if (!begin_step(u, "preflight")) {
        return FALSE;
    }
    if (!preflight_check(u->dest_argv, u->warnings, &err)) {
        fail(u, "%s", err->message);
        return FALSE;
    }
    warn_all(u, nwarn);
    end_step(u);
    return TRUE;
}

static CompatOptions compat_options(Update *u)
{
    return (CompatOptions) {
        .timeout_ms = u->opt->step_timeout_ms,
        .abort_fd = u->opt->abort_fd,
        .vmstate_checker = u->opt->vmstate_checker,
    };
}

/* Any failed pre-flight check refuses the update (compat-check.h). */
static gboolean compat_verdict(Update *u, guint from)
{
    g_autofree char *failed = compat_failures(&u->compat);
    guint nwarn = u->warnings->len;

    compat_collect_warnings(&u->compat, from, u->warnings);
    warn_all(u, nwarn);
    if (interrupted(u)) {
        fail(u, "interrupted");
        return FALSE;
    }
    if (failed) {
        fail(u, "%s", failed);
        return FALSE;
    }
    end_step(u);
    return TRUE;
}

/* Can the new binary take this VM?  Asked of the source and both binaries. */
static gboolean check_compatibility(Update *u)
{
    CompatOptions o = compat_options(u);

    if (!begin_step(u, "compat")) {
        return FALSE;
    }
    compat_check_source(&u->compat, u->src, qmp_client_peer_pid(u->src),
                        u->dest_argv, u->opt->dest_cwd, &o);
    return compat_verdict(u, 0);
}

/* The destination, started in precreate, answers and reports a version. */
static gboolean check_destination(Update *u)
{
    CompatOptions o = compat_options(u);
    guint from = u->compat.checks->len;

    if (!begin_step(u, "check-destination")) {
        return FALSE;
    }
    compat_check_destination(&u->compat, u->dst, &o);
    return compat_verdict(u, from);
}

/*
 * Tap NICs and listening sockets the destination takes over from the
 * source (tap-handover.h, socket-handover.h): its arguments rewritten and
 * the source's fds duplicated, ready to be inherited at launch.
 */
static gboolean hand_over_files(Update *u)
{
    g_autoptr(GError) err = NULL;
    SourceProcess src;
    GArray *taps;
    gboolean ok;
    guint nwarn = u->warnings->len;

    if (!begin_step(u, "handover")) {
        return FALSE;
    }
    u->source_pid = qmp_client_peer_pid(u->src);
    if (u->source_pid <= 0) {
        fail(u, "cannot identify the source process on %s (no peer credentials)",
             u->opt->source_qmp);
        return FALSE;
    }
    source_process_read(&src, u->source_pid, u->warnings);
    taps = tap_source_taps(src.files);
    ok = (!src.argv ||
          tap_check_source_downscripts((const char *const *)src.argv, &err)) &&
         tap_rewrite_args(u->dest_argv, taps, &u->fds, u->tap_fds, u->notes, &err);
    if (ok) {
        socket_find_listeners(&u->sockets, src.files, src.net_unix, src.cwd);
        socket_rewrite_args(&u->sockets, u->dest_argv, u->opt->dest_cwd,
                            u->opt->source_qmp, &u->fds, u->notes);
        ok = fd_handover_take(&u->fds, u->source_pid, &err);
    }
    tap_source_taps_free(taps);
    source_process_clear(&src);
    warn_all(u, nwarn);
    if (!ok) {
        fail(u, "%s", err->message);
        return FALSE;
    }
    /* A dry run's destination accepts nothing: leave the source's flags. */
    if (!u->opt->check_only) {
        socket_handover_nonblocking(&u->sockets, &u->fds);
    }
    if (u->opt->verbose) {
        for (guint i = 0; i < u->notes->len; i++) {
            fprintf(stderr, "cpr-update: %s\n", (char *)g_ptr_array_index(u->notes, i));
        }
    }
    end_step(u);
    return TRUE;
}

static gboolean make_run_dir(Update *u)
{
    g_autofree char *tmpl = g_build_filename(u->opt->run_parent,
                                             "cpr-update.XXXXXX", NULL);

    if (!g_mkdtemp_full(tmpl, 0700)) {
        fail(u, "cannot create a run directory in %s: %s",
             u->opt->run_parent, g_strerror(errno));
        return FALSE;
    }
    u->run_dir = g_steal_pointer(&tmpl);
    u->dst_qmp = g_build_filename(u->run_dir, "qmp.sock", NULL);
    u->mig_sock = g_build_filename(u->run_dir, "migration.sock", NULL);
    u->cpr_sock = g_build_filename(u->run_dir, "cpr.sock", NULL);
    return TRUE;
}

static gboolean launch_destination(Update *u)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) source_fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) target_fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autofree char *log = NULL;
    gboolean ok;

    if (!begin_step(u, "launch")) {
        return FALSE;
    }
    if (!make_run_dir(u)) {
        return FALSE;
    }
    for (guint i = 0; i < u->dest_argv->len; i++) {
        g_ptr_array_add(argv, g_strdup(g_ptr_array_index(u->dest_argv, i)));
    }
    g_ptr_array_add(argv, g_strdup("-precreate"));
    g_ptr_array_add(argv, g_strdup("-incoming"));
    g_ptr_array_add(argv, g_strdup("defer"));
    g_ptr_array_add(argv, g_strdup("-qmp"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off", u->dst_qmp));
    vmdesc_add_dest_args(&u->vmdesc, argv);
    update_timeline_dest_args(u, argv);
    log = g_build_filename(u->run_dir, "qemu.log", NULL);
    fd_handover_spawn_fds(&u->fds, source_fds, target_fds);
    ok = dest_process_start(&u->dest, argv, u->opt->dest_cwd, log, source_fds,
                            target_fds, &err);
    if (!ok) {
        fail(u, "cannot start %s: %s",
             (char *)g_ptr_array_index(u->opt->dest_argv, 0), err->message);
        return FALSE;
    }
    end_step(u);

    /* Wait for its monitor; notice at once if it exits instead. */
    if (!begin_step(u, "connect-destination")) {
        return FALSE;
    }
    gint64 deadline = g_get_monotonic_time() + u->opt->step_timeout_ms * 1000LL;
    for (;;) {
        g_clear_error(&err);
        if (!dest_process_alive(&u->dest)) {
            g_autofree char *why = dest_process_describe_exit(&u->dest);
            fail(u, "%s", why);
            return FALSE;
        }
        if (g_file_test(u->dst_qmp, G_FILE_TEST_EXISTS)) {
            u->dst = qmp_client_connect(u->dst_qmp, u->opt->step_timeout_ms, &err);
            if (u->dst) {
                break;
            }
        }
        if (interrupted(u)) {
            fail(u, "interrupted");
            return FALSE;
        }
        if (g_get_monotonic_time() > deadline) {
            fail(u, "destination monitor did not come up in time%s%s",
                 err ? ": " : "", err ? err->message : "");
            return FALSE;
        }
        g_usleep(10 * 1000);
    }
    qmp_client_set_abort_fd(u->dst, u->opt->abort_fd);
    end_step(u);
    return TRUE;
}

/* Copy the capabilities and the parameters that matter on the destination. */
static gboolean configure_destination(Update *u)
{
    g_autoptr(JsonNode) caps = NULL, params = NULL, ret = NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) caps_arg = NULL, params_arg = NULL;
    g_autofree char *caps_json = NULL, *params_json = NULL;
    JsonArray *list;
    JsonObject *po;

    if (!begin_step(u, "configure")) {
        return FALSE;
    }
    caps = src_cmd(u, "query-migrate-capabilities", NULL);
    params = src_cmd(u, "query-migrate-parameters", NULL);
    if (!caps || !JSON_NODE_HOLDS_ARRAY(caps) || !params ||
        !JSON_NODE_HOLDS_OBJECT(params)) {
        fail(u, "source: unexpected reply to query-migrate-capabilities/parameters");
        return FALSE;
    }

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "capabilities");
    json_builder_begin_array(b);
    list = json_node_get_array(caps);
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);
        const char *name = c ? json_object_get_string_member_with_default(c, "capability", NULL) : NULL;

        /* events: set below; cpr-late-stop: the source's own business. */
        if (name && !g_str_equal(name, "events") &&
            !g_str_equal(name, SOURCE_LATE_STOP_CAPABILITY) &&
            json_object_get_boolean_member_with_default(c, "state", FALSE)) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "capability");
            json_builder_add_string_value(b, name);
            json_builder_set_member_name(b, "state");
            json_builder_add_boolean_value(b, TRUE);
            json_builder_end_object(b);
        }
    }
    /* cpr-update follows the destination with events, not polling alone. */
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "capability");
    json_builder_add_string_value(b, "events");
    json_builder_set_member_name(b, "state");
    json_builder_add_boolean_value(b, TRUE);
    json_builder_end_object(b);
    json_builder_end_array(b);
    json_builder_end_object(b);
    caps_arg = json_builder_get_root(b);
    caps_json = node_to_json(caps_arg);
    ret = dst_cmd(u, "migrate-set-capabilities", caps_json);
    if (!ret) {
        return FALSE;
    }
    g_clear_pointer(&ret, json_node_unref);

    po = json_node_get_object(params);
    json_builder_reset(b);
    json_builder_begin_object(b);
    for (int i = 0; copied_parameters[i]; i++) {
        JsonNode *v = json_object_get_member(po, copied_parameters[i]);

        if (!v || (json_node_get_value_type(v) == G_TYPE_STRING &&
                   !*json_node_get_string(v))) {
            continue;
        }
        json_builder_set_member_name(b, copied_parameters[i]);
        json_builder_add_value(b, json_node_copy(v));
    }
    json_builder_end_object(b);
    params_arg = json_builder_get_root(b);
    params_json = node_to_json(params_arg);
    ret = dst_cmd(u, "migrate-set-parameters", params_json);
    end_step(u);
    return ret != NULL;
}

static char *channel_json(const char *type, const char *addr_json)
{
    return g_strdup_printf("{\"channel-type\":\"%s\",\"addr\":%s}", type, addr_json);
}

static char *unix_addr(const char *path)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) n = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "transport");
    json_builder_add_string_value(b, "socket");
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "unix");
    json_builder_set_member_name(b, "path");
    json_builder_add_string_value(b, path);
    json_builder_end_object(b);
    n = json_builder_get_root(b);
    return node_to_json(n);
}

static char *main_addr(Update *u, const char *port)
{
    if (!u->opt->tcp) {
        return unix_addr(u->mig_sock);
    }
    return g_strdup_printf("{\"transport\":\"socket\",\"type\":\"inet\","
                           "\"host\":\"127.0.0.1\",\"port\":\"%s\"}", port);
}

/* The TCP port the destination really listens on (query-migrate). */
static char *listening_port(Update *u)
{
    g_autoptr(JsonNode) mig = dst_cmd(u, "query-migrate", NULL);
    JsonArray *addrs;
    JsonObject *a;

    if (!mig || !JSON_NODE_HOLDS_OBJECT(mig) ||
        !json_object_has_member(json_node_get_object(mig), "socket-address")) {
        fail(u, "destination: query-migrate reports no socket-address");
        return NULL;
    }
    addrs = json_object_get_array_member(json_node_get_object(mig), "socket-address");
    a = addrs && json_array_get_length(addrs) ?
        json_array_get_object_element(addrs, 0) : NULL;
    if (!a || !json_object_has_member(a, "port")) {
        fail(u, "destination: query-migrate reports no port");
        return NULL;
    }
    return g_strdup(json_object_get_string_member(a, "port"));
}

static gboolean listen_destination(Update *u, char **port_out)
{
    g_autofree char *maddr = main_addr(u, "0");
    g_autofree char *caddr = unix_addr(u->cpr_sock);
    g_autofree char *m = channel_json("main", maddr);
    g_autofree char *c = channel_json("cpr", caddr);
    g_autofree char *args = g_strdup_printf("{\"channels\":[%s,%s]}", m, c);
    g_autoptr(JsonNode) ret = NULL;

    if (!begin_step(u, "listen")) {
        return FALSE;
    }
    ret = dst_cmd(u, "migrate-incoming", args);
    if (!ret) {
        return FALSE;
    }
    if (u->opt->tcp) {
        *port_out = listening_port(u);
        if (!*port_out) {
            return FALSE;
        }
        u->main_channel_desc = g_strdup_printf("tcp:127.0.0.1:%s", *port_out);
    } else {
        u->main_channel_desc = g_strdup_printf("unix:%s", u->mig_sock);
    }
    end_step(u);
    return TRUE;
}

static gboolean exit_precreate(Update *u)
{
    g_autoptr(JsonNode) ret = NULL;

    if (!begin_step(u, "precreate-exit")) {
        return FALSE;
    }
    ret = dst_cmd(u, "precreate-exit", NULL);
    end_step(u);
    return ret != NULL;
}

/*
 * --check ends here: the destination, configured and listening as for
 * the update, is told to quit while still in precreate; the source was
 * only queried.
 */
static gboolean end_dry_run(Update *u)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = NULL;
    gint64 deadline;

    if (!begin_step(u, "dry-run-quit")) {
        return FALSE;
    }
    r = qmp_client_execute(u->dst, "quit", NULL, u->opt->step_timeout_ms, &err);
    if (!r && !g_error_matches(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CLOSED)) {
        fail(u, "destination: %s", err->message);
        return FALSE;
    }
    deadline = g_get_monotonic_time() + u->opt->step_timeout_ms * 1000LL;
    while (dest_process_alive(&u->dest)) {
        if (g_get_monotonic_time() > deadline) {
            fail(u, "the destination did not quit in time");
            return FALSE;
        }
        g_usleep(10 * 1000);
    }
    compat_add(&u->compat, "dry-run", COMPAT_OK,
               "destination configured, main channel %s and cpr channel "
               "listening, quit in precreate", u->main_channel_desc);
    end_step(u);
    return TRUE;
}

/*
 * A shorter pause: the source stops the guest after its migration
 * thread's setup where it can (source-late-stop.h), unless --early-stop,
 * and builds no vmstate description (vmdesc.h), unless --keep-vmdesc.
 */
static gboolean shorten_source_pause(Update *u)
{
    g_autoptr(GError) err = NULL;

    if (!u->opt->early_stop &&
        !source_late_stop_enable(&u->late_stop, u->src, u->opt->step_timeout_ms, &err)) {
        fail(u, "source: cannot set %s: %s", SOURCE_LATE_STOP_CAPABILITY,
             err->message);
        return FALSE;
    }
    if (!vmdesc_suppress_source(&u->vmdesc, u->src, u->opt->step_timeout_ms, &err)) {
        fail(u, "source: cannot set the machine's %s: %s", VMDESC_PROPERTY,
             err->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean start_migration(Update *u, const char *port)
{
    g_autofree char *maddr = main_addr(u, port);
    g_autofree char *caddr = unix_addr(u->cpr_sock);
    g_autofree char *m = channel_json("main", maddr);
    g_autofree char *c = channel_json("cpr", caddr);
    g_autofree char *args = g_strdup_printf("{\"channels\":[%s,%s]}", m, c);
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL;

    if (!begin_step(u, "source-mode")) {
        return FALSE;
    }
    u->mode_changed = TRUE;
    r1 = src_cmd(u, "migrate-set-parameters", "{\"mode\":\"cpr-transfer\"}");
    if (!r1 || !shorten_source_pause(u)) {
        return FALSE;
    }
    end_step(u);

    if (!begin_step(u, "migrate")) {
        return FALSE;
    }
    tap_attach_detached_queues(&u->fds, u->tap_fds, u->reattached_queues);
    if (u->reattached_queues->len) {
        g_ptr_array_add(u->notes, g_strdup_printf(
            "%u tap queue(s) the guest does not use attached again for the "
            "handover", u->reattached_queues->len));
        if (u->opt->verbose) {
            fprintf(stderr, "cpr-update: %s\n",
                    (char *)g_ptr_array_index(u->notes, u->notes->len - 1));
        }
    }
    u->migrate_issued = TRUE;
    r2 = src_cmd(u, "migrate", args);
    end_step(u);
    return r2 != NULL;
}

static void show_progress(Update *u, const char *status, gint64 since_us,
                          char **last_status)
{
    double secs = (g_get_monotonic_time() - since_us) / 1e6;

    if (u->opt->progress) {
        fprintf(stderr, "\r\033[Kcpr-update: transfer %s (%.1f s)", status, secs);
    } else if (g_strcmp0(status, *last_status)) {
        fprintf(stderr, "cpr-update: transfer %s (%.1f s)\n", status, secs);
    }
    if (g_strcmp0(status, *last_status)) {
        g_free(*last_status);
        *last_status = g_strdup(status);
    }
}

/*
 * The source failed: did the destination die?  It may exit a moment after
 * the source notices (a refused connection), so give it a short while.
 * TRUE, with the destination's own error recorded, if it did.
 */
static gboolean dest_died_meanwhile(Update *u)
{
    gint64 deadline = g_get_monotonic_time() +
                      MIN(u->opt->step_timeout_ms, 3000) * 1000LL;

    while (dest_process_alive(&u->dest)) {
        if (g_get_monotonic_time() > deadline || interrupted(u)) {
            return FALSE;
        }
        g_usleep(20 * 1000);
    }
    g_autofree char *why = dest_process_describe_exit(&u->dest);
    fail(u, "%s", why);
    return TRUE;
}

/* Follow the source until the migration completes. */
static gboolean follow_transfer(Update *u)
{
    gint64 start = g_get_monotonic_time();
    gint64 deadline = start + u->opt->migrate_timeout_ms * 1000LL;
    g_autofree char *last = NULL;

    if (!begin_step(u, "transfer")) {
        return FALSE;
    }
    for (;;) {
        g_autoptr(JsonNode) mig = src_cmd(u, "query-migrate", NULL);
        g_autofree char *status = qmp_reply_string(mig, "status");

        if (!status) {
            fail(u, "source: query-migrate has no status");
            break;
        }
        show_progress(u, status, start, &last);
        if (g_str_equal(status, "completed")) {
            u->handed_over = TRUE;
            u->source_migrate = json_object_ref(json_node_get_object(mig));
            break;
        }
        if (g_str_equal(status, "failed") || g_str_equal(status, "cancelled")) {
            g_autofree char *desc = qmp_reply_string(mig, "error-desc");

            /* A dying destination makes the source fail first: blame it. */
            if (dest_died_meanwhile(u)) {
                break;
            }
            fail(u, "source: migration %s%s%s", status, desc ? ": " : "",
                 desc ? desc : "");
            break;
        }
        if (!dest_process_alive(&u->dest)) {
            g_autofree char *why = dest_process_describe_exit(&u->dest);
            fail(u, "%s", why);
            break;
        }
        if (interrupted(u)) {
            fail(u, "interrupted");
            break;
        }
        if (g_get_monotonic_time() > deadline) {
            fail(u, "migration did not complete in %d s",
                 u->opt->migrate_timeout_ms / 1000);
            break;
        }
        g_usleep(20 * 1000);
    }
    if (u->opt->progress) {
        fprintf(stderr, "\n");
    }
    end_step(u);
    return u->handed_over;
}

/*
 * The destination's run state once it is @want, or the last one seen when
 * the step's time runs out: it leaves 'inmigrate' a little after the
 * source reports completed, so one early look is not enough.
 */
static char *wait_dest_status(Update *u, const char *want)
{
    gint64 deadline = g_get_monotonic_time() + u->opt->step_timeout_ms * 1000LL;

    for (;;) {
        char *status = run_status(u, TRUE);

        if (!status || g_str_equal(status, want) ||
            g_get_monotonic_time() > deadline || interrupted(u)) {
            return status;
        }
        g_free(status);
        g_usleep(20 * 1000);
    }
}

/*
 * Quit the source.  As it exits it unlinks the paths of its listening
 * sockets, which the destination now serves: keep each under a hidden
 * hard link meanwhile and put it back once the source is gone.
 */
static gboolean quit_source(Update *u)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) r = NULL;
    guint nwarn = u->warnings->len;
    gboolean ok = TRUE;

    if (!begin_step(u, "quit-source")) {
        return FALSE;
    }
    socket_paths_hold(&u->sockets, u->warnings);
    r = qmp_client_execute(u->src, "quit", NULL, u->opt->step_timeout_ms, &err);
    if (!r && !g_error_matches(err, QMP_CLIENT_ERROR, QMP_CLIENT_ERROR_CLOSED)) {
        fail(u, "source: %s", err->message);
        ok = FALSE;
    } else if (u->sockets.hidden->len &&
               !fd_handover_wait_source_exit(&u->fds, u->opt->step_timeout_ms)) {
        g_ptr_array_add(u->warnings, g_strdup_printf(
            "the source did not exit within %d s: its listening socket paths "
            "are unlinked whenever it does", u->opt->step_timeout_ms / 1000));
    }
    socket_paths_restore(&u->sockets, u->warnings);
    warn_all(u, nwarn);
    if (ok) {
        end_step(u);
    }
    return ok;
}

/*
 * The destination's pid to --pidfile and systemd (supervise.h), before
 * the source quits: a supervisor must not see its main process exit
 * while it still names the source.
 */
static gboolean announce_destination(Update *u)
{
    g_autoptr(GError) err = NULL;
    guint nwarn = u->warnings->len;

    if (!supervise_wanted(u->opt->pidfile)) {
        return TRUE;
    }
    if (!begin_step(u, "supervise")) {
        return FALSE;
    }
    if (!supervise_announce(u->opt->pidfile, u->dest.pid, u->warnings, &err)) {
        fail(u, "%s; source not quit", err->message);
        return FALSE;
    }
    warn_all(u, nwarn);
    end_step(u);
    return TRUE;
}

/*
 * The destination describes its stream again, as the source did before
 * cpr-update turned that off: a later migration's destination may expect
 * the description.  Only a warning if it cannot: the guest has moved.
 */
static void restore_dest_vmdesc(Update *u)
{
    g_autoptr(GError) err = NULL;

    if (!vmdesc_restore_dest(&u->vmdesc, u->dst, u->opt->step_timeout_ms, &err)) {
        g_autofree char *w = g_strdup_printf(
            "the destination's %s stays on: %s", VMDESC_PROPERTY, err->message);

        g_ptr_array_add(u->warnings, g_steal_pointer(&w));
        warn_all(u, u->warnings->len - 1);
    }
}

static gboolean verify_and_finish(Update *u)
{
    g_autofree char *dst = NULL, *src = NULL;
    const char *want = u->was_running ? "running" : "paused";

    if (!begin_step(u, "verify")) {
        return FALSE;
    }
    dst = wait_dest_status(u, want);
    if (!dst) {
        return FALSE;
    }
    if (!g_str_equal(dst, want)) {
        fail(u, "destination is '%s', expected '%s'", dst, want);
        return FALSE;
    }
    src = run_status(u, FALSE);
    if (!src) {
        return FALSE;
    }
    if (!g_str_equal(src, "postmigrate")) {
        fail(u, "source is '%s', expected 'postmigrate'", src);
        return FALSE;
    }
    restore_dest_vmdesc(u);
    end_step(u);

    return announce_destination(u) && (u->opt->keep_source || quit_source(u));
}

static void remove_run_dir(Update *u)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;

    if (!u->run_dir || !(dir = g_dir_open(u->run_dir, 0, NULL))) {
        return;
    }
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(u->run_dir, name, NULL);
        unlink(p);
    }
    rmdir(u->run_dir);
}

/* Put everything back on the source: the guest must keep running there. */
static int rollback(Update *u)
{
    g_autoptr(GError) err = NULL;
    gboolean ok = TRUE, resume = TRUE;

    if (!u->src) {
        goto cleanup_dest;      /* never reached the source: nothing to undo */
    }
    qmp_client_set_abort_fd(u->src, -1);
    if (u->migrate_issued) {
        switch (migration_cancel(u->src, &u->dest, u->opt->step_timeout_ms,
                                 &u->source_migrate)) {
        case CANCEL_TOO_LATE:   /* the guest moved after all */
            u->handed_over = TRUE;
            return UPDATE_FAILED_AFTER_HANDOVER;
        case CANCEL_UNSETTLED:
            ok = FALSE;
            break;
        case CANCEL_BOTH_STOPPED:
            u->outcome = g_strdup("guest stopped: the source completed after the "
                                  "destination was killed; 'cont' on the source "
                                  "resumes it");
            ok = FALSE;
            resume = FALSE;
            break;
        case CANCEL_SOURCE_KEPT:
            break;
        }
    }
    /* The source's tap queues as it left them. */
    tap_detach_queues(u->reattached_queues);
    ok = source_late_stop_restore(&u->late_stop, u->src, u->opt->step_timeout_ms) && ok;
    ok = vmdesc_restore_source(&u->vmdesc, u->src, u->opt->step_timeout_ms) && ok;
    if (u->orig_mode && u->mode_changed) {
        g_autofree char *args = g_strdup_printf("{\"mode\":\"%s\"}", u->orig_mode);
        g_autoptr(JsonNode) r = qmp_client_execute_json(u->src, "migrate-set-parameters",
                                                        args, u->opt->step_timeout_ms,
                                                        NULL);
        ok = ok && r;
    }
    if (u->was_running && resume) {
        g_autoptr(JsonNode) st = qmp_client_execute(u->src, "query-status", NULL,
                                                    u->opt->step_timeout_ms, &err);
        g_autofree char *status = qmp_reply_string(st, "status");

        if (status && !g_str_equal(status, "running")) {
            g_autoptr(JsonNode) r = qmp_client_execute(u->src, "cont", NULL,
                                                       u->opt->step_timeout_ms, NULL);
            g_autoptr(JsonNode) st2 = qmp_client_execute(u->src, "query-status", NULL,
                                                         u->opt->step_timeout_ms, NULL);
            g_free(status);
            status = qmp_reply_string(st2, "status");
        }
        ok = ok && status && g_str_equal(status, "running");
        g_free(u->outcome);
        u->outcome = g_strdup_printf("guest %s on the source",
                                     ok ? "still running" : "NOT confirmed running");
    } else if (resume) {
        u->outcome = g_strdup("guest left paused on the source, as it was");
    }

cleanup_dest:
    dest_process_kill(&u->dest);
    remove_run_dir(u);
    if (!u->outcome) {
        u->outcome = g_strdup("source untouched");
    }
    return ok ? UPDATE_ROLLED_BACK : UPDATE_ROLLBACK_FAILED;
}

void update_init(Update *u, const UpdateOptions *opt)
{
    memset(u, 0, sizeof(*u));
    u->opt = opt;
    u->steps = g_array_new(FALSE, TRUE, sizeof(UpdateStep));
    u->t0_us = g_get_monotonic_time();
    u->dest_argv = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < opt->dest_argv->len; i++) {
        g_ptr_array_add(u->dest_argv, g_strdup(g_ptr_array_index(opt->dest_argv, i)));
    }
    compat_init(&u->compat);
    fd_handover_init(&u->fds);
    socket_handover_init(&u->sockets);
    u->tap_fds = g_array_new(FALSE, FALSE, sizeof(int));
    u->reattached_queues = g_array_new(FALSE, FALSE, sizeof(int));
    u->warnings = g_ptr_array_new_with_free_func(g_free);
    u->notes = g_ptr_array_new_with_free_func(g_free);
}

/* Everything up to a destination waiting in precreate, as --check sees it. */
static gboolean prepare_destination(Update *u, char **port)
{
    return preflight(u) && connect_source(u) && check_compatibility(u) &&
           hand_over_files(u) && launch_destination(u) && check_destination(u) &&
           configure_destination(u) && listen_destination(u, port);
}

int update_run(Update *u)
{
    g_autofree char *port = NULL;
    gboolean ready = prepare_destination(u, &port);

    if (ready && u->opt->check_only) {
        if (end_dry_run(u)) {
            remove_run_dir(u);
            u->outcome = g_strdup("check passed: an update would be attempted; "
                                  "source untouched");
            return UPDATE_OK;
        }
    } else if (ready && exit_precreate(u) && start_migration(u, port) &&
               follow_transfer(u)) {
        if (verify_and_finish(u)) {
            u->outcome = g_strdup(u->opt->keep_source ?
                                  "guest running on the destination; source kept" :
                                  "guest running on the destination; source quit");
            return UPDATE_OK;
        }
    }
    if (u->handed_over) {
        u->outcome = g_strdup("the source handed over: destination left as it is");
        return UPDATE_FAILED_AFTER_HANDOVER;
    }
    int rc = rollback(u);
    if (rc == UPDATE_FAILED_AFTER_HANDOVER) {
        u->outcome = g_strdup("the source handed over: destination left as it is");
    }
    return rc;
}

void update_clear(Update *u)
{
    qmp_client_free(u->src);
    qmp_client_free(u->dst);
    dest_process_clear(&u->dest);
    g_array_unref(u->tap_fds);
    g_array_unref(u->reattached_queues);
    fd_handover_clear(&u->fds);
    socket_handover_clear(&u->sockets);
    g_ptr_array_unref(u->dest_argv);
    g_ptr_array_unref(u->warnings);
    g_ptr_array_unref(u->notes);
    g_free(u->run_dir);
    g_free(u->dst_qmp);
    g_free(u->mig_sock);
    g_free(u->cpr_sock);
    g_free(u->main_channel_desc);
    g_free(u->orig_mode);
    compat_clear(&u->compat);
    g_free(u->error);
    g_free(u->outcome);
    if (u->source_migrate) {
        json_object_unref(u->source_migrate);
    }
    g_array_free(u->steps, TRUE);
}

int update_source_pid(const char *source_qmp, int greeting_ms, int timeout_ms,
                      GError **errp)
{
    g_autoptr(QmpClient) c = source_monitor_connect(source_qmp, greeting_ms,
                                                    timeout_ms, errp);

    return c ? qmp_client_peer_pid(c) : -1;
}
