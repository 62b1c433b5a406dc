/*
 * disk-check: after a live update, is every record the guest was told is
 * durable on its disk image?
 *
 *   disk-check --image FILE --console LOG [--disk NAME] [--format raw|qcow2]
 *              [--summary FILE]
 *
 * LOG is the guest's serial console as hbmon logs it (the guest reports
 * "DISK NAME seq=N" once a record's O_DIRECT|O_SYNC write returned; NAME is
 * the guest's name for the disk, default vda).  A raw
 * image is read directly; a qcow2 image is first checked with
 * `qemu-img check` and converted to a temporary raw file with `qemu-img
 * convert`.  The format is detected from the image when not given.  The
 * image must not be in use.  Prints (or writes) a JSON summary; exits 0
 * when nothing is lost and the image is clean, 1 otherwise, 2 on bad usage.
 */
#include "disk-verify.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    gboolean ran;
    gboolean clean;
    int exit_status;
    char *output;
} ImgCheck;

static gboolean read_console(DiskVerify *v, const char *path, GError **err)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, err)) {
        return FALSE;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        disk_verify_console_line(v, *l);
    }
    return TRUE;
}

static gboolean read_slots(DiskVerify *v, const char *path, GError **err)
{
    FILE *f = fopen(path, "rb");
    struct disk_record r;

    if (!f) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot read %s: %s", path, g_strerror(errno));
        return FALSE;
    }
    while (fread(&r, sizeof(r), 1, f) == 1) {
        disk_verify_slot(v, &r);
    }
    if (ferror(f)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_IO, "error reading %s", path);
        fclose(f);
        return FALSE;
    }
    fclose(f);
    return TRUE;
}

static gboolean detect_format(const char *path, char **format, GError **err)
{
    char magic[4] = { 0 };
    FILE *f = fopen(path, "rb");

    if (!f) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot read %s: %s", path, g_strerror(errno));
        return FALSE;
    }
    *format = g_strdup(fread(magic, 4, 1, f) == 1 && !memcmp(magic, "QFI\xfb", 4)
                       ? "qcow2" : "raw");
    fclose(f);
    return TRUE;
}

/* Run a qemu-img command; FALSE only if it could not be run at all. */
static gboolean qemu_img(const char *const *argv, int *status, char **output, GError **err)
{
    g_autofree char *out = NULL, *errout = NULL;
    int wait_status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &out, &errout, &wait_status, err)) {
        return FALSE;
    }
    *status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128;
    if (output) {
        *output = g_strstrip(g_strconcat(out, errout, NULL));
    }
    return TRUE;
}

/* qcow2: `qemu-img check` (exit 0 = clean), then a raw copy to read. */
static char *qcow2_to_raw(const char *image, ImgCheck *check, GError **err)
{
    const char *check_argv[] = { "qemu-img", "check", "-f", "qcow2", image, NULL };
    g_autofree char *tmpdir = NULL, *convert_out = NULL;
    char *raw;
    int status;

    if (!qemu_img(check_argv, &check->exit_status, &check->output, err)) {
        return NULL;
    }
    check->ran = TRUE;
    check->clean = check->exit_status == 0;
    tmpdir = g_dir_make_tmp("disk-check.XXXXXX", err);
    if (!tmpdir) {
        return NULL;
    }
    raw = g_build_filename(tmpdir, "image.raw", NULL);
    const char *convert_argv[] = { "qemu-img", "convert", "-f", "qcow2", "-O", "raw",
                                   image, raw, NULL };
    if (!qemu_img(convert_argv, &status, &convert_out, err)) {
        g_rmdir(tmpdir);
        g_free(raw);
        return NULL;
    }
    if (status != 0) {
        g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                    "qemu-img convert of %s failed: %s", image, convert_out);
        g_rmdir(tmpdir);
        g_free(raw);
        return NULL;
    }
    return raw;
}

static void remove_tmp_raw(const char *raw)
{
    g_autofree char *dir = g_path_get_dirname(raw);

    g_unlink(raw);
    g_rmdir(dir);
}

static JsonNode *summary(const DiskVerify *v, const char *image, const char *format,
                         const ImgCheck *check, gboolean ok)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    JsonNode *verify = disk_verify_to_json(v);
    JsonObject *vo = json_node_get_object(verify);
    GList *members = json_object_get_members(vo);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "image");
    json_builder_add_string_value(b, image);
    json_builder_set_member_name(b, "format");
    json_builder_add_string_value(b, format);
    for (GList *m = members; m; m = m->next) {
        if (!strcmp(m->data, "ok")) {
            continue;
        }
        json_builder_set_member_name(b, m->data);
        json_builder_add_value(b, json_node_copy(json_object_get_member(vo, m->data)));
    }
    g_list_free(members);
    json_node_unref(verify);
    json_builder_set_member_name(b, "ok");      /* records and qemu-img check */
    json_builder_add_boolean_value(b, ok);
    if (check->ran) {
        json_builder_set_member_name(b, "qemu_img_check");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "clean");
        json_builder_add_boolean_value(b, check->clean);
        json_builder_set_member_name(b, "exit_status");
        json_builder_add_int_value(b, check->exit_status);
        json_builder_set_member_name(b, "output");
        json_builder_add_string_value(b, check->output);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

int main(int argc, char **argv)
{
    g_autofree char *image = NULL, *console = NULL, *format = NULL, *summary_path = NULL;
    g_autofree char *disk = NULL;
    GOptionEntry entries[] = {
        { "image", 'i', 0, G_OPTION_ARG_FILENAME, &image, "The guest's disk image", "FILE" },
        { "console", 'c', 0, G_OPTION_ARG_FILENAME, &console,
          "The guest's serial console log (hbmon --log)", "LOG" },
        { "disk", 'd', 0, G_OPTION_ARG_STRING, &disk,
          "The guest's name for this disk (default vda)", "NAME" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
          "raw or qcow2 (default: detected)", "FMT" },
        { "summary", 0, 0, G_OPTION_ARG_FILENAME, &summary_path,
          "Write the JSON summary to FILE (default stdout)", "FILE" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL, *raw = NULL;
    ImgCheck check = { 0 };
    DiskVerify v;
    gboolean ok;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_summary(ctx, "Check the demo guest's disk records on its image.");
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 1 || !image || !console) {
        fprintf(stderr, "disk-check: %s\n",
                err ? err->message : "--image FILE and --console LOG are required");
        return 2;
    }
    if (format && strcmp(format, "raw") && strcmp(format, "qcow2")) {
        fprintf(stderr, "disk-check: --format must be raw or qcow2, not '%s'\n", format);
        return 2;
    }
    if (disk && (!*disk || strlen(disk) >= sizeof(v.disk) || strchr(disk, ' '))) {
        fprintf(stderr, "disk-check: --disk wants a device name like vda, not '%s'\n", disk);
        return 2;
    }
    disk_verify_init(&v, disk ? disk : "vda");
    if (!read_console(&v, console, &err) || (!format && !detect_format(image, &format, &err))) {
        fprintf(stderr, "disk-check: %s\n", err->message);
        return 1;
    }
    if (!strcmp(format, "qcow2") && !(raw = qcow2_to_raw(image, &check, &err))) {
        fprintf(stderr, "disk-check: %s\n", err->message);
        return 1;
    }
    ok = read_slots(&v, raw ? raw : image, &err);
    if (raw) {
        remove_tmp_raw(raw);
    }
    if (!ok) {
        fprintf(stderr, "disk-check: %s\n", err->message);
        return 1;
    }
    ok = disk_verify_ok(&v) && (!check.ran || check.clean);
    root = summary(&v, image, format, &check, ok);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    text = json_generator_to_data(gen, NULL);
    if (summary_path) {
        if (!g_file_set_contents(summary_path, text, -1, &err)) {
            fprintf(stderr, "disk-check: %s\n", err->message);
            return 1;
        }
    } else {
        printf("%s\n", text);
    }
    g_free(check.output);
    return ok ? 0 : 1;
}
