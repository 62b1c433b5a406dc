/* The pre-flight checks of the two QEMU binaries; see binary-compat.h. */
#include "binary-compat.h"
#include "compat-parse.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECKER_NAME "vmstate-static-checker.py"
/* -machine help answers at once; a binary that does not is no QEMU. */
#define MACHINE_HELP_TIMEOUT_MS 10000
/* Findings quoted in the one-line error. */
#define FINDINGS_IN_ERROR 3

typedef struct {
    char *dir;
    gboolean scratch;       /* no cache: a temporary directory, removed */
} Cache;

static void cache_open(Cache *cache)
{
    const char *xdg = g_getenv("XDG_CACHE_HOME");
    g_autofree char *dir = xdg && *xdg ? g_build_filename(xdg, "cpr-update", NULL)
                                       : g_build_filename(g_get_home_dir(), ".cache",
                                                          "cpr-update", NULL);

    cache->scratch = FALSE;
    if (g_mkdir_with_parents(dir, 0700) == 0 && access(dir, W_OK) == 0) {
        cache->dir = g_steal_pointer(&dir);
        return;
    }
    cache->scratch = TRUE;
    cache->dir = g_dir_make_tmp("cpr-update-check.XXXXXX", NULL);
}

static void cache_close(Cache *cache)
{
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (cache->scratch && cache->dir && (d = g_dir_open(cache->dir, 0, NULL))) {
        while ((name = g_dir_read_name(d))) {
            g_autofree char *p = g_build_filename(cache->dir, name, NULL);
            unlink(p);
        }
        rmdir(cache->dir);
    }
    g_clear_pointer(&cache->dir, g_free);
}

/*
 * A name for what @stat_path is now: its path as shown (@label), inode,
 * size and modification time.  A rebuilt or replaced binary gets a new one.
 */
static char *binary_key(const char *label, const char *stat_path, GError **errp)
{
    struct stat st;
    g_autofree char *text = NULL;
    g_autofree char *sum = NULL;

    if (stat(stat_path, &st) < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "%s: %s", stat_path, g_strerror(errno));
        return NULL;
    }
    text = g_strdup_printf("%s\n%lu:%lu\n%lld\n%lld.%09ld", label,
                           (unsigned long)st.st_dev, (unsigned long)st.st_ino,
                           (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                           st.st_mtim.tv_nsec);
    sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
    return g_strndup(sum, 20);
}

static gboolean aborted(int abort_fd)
{
    struct pollfd pfd = { .fd = abort_fd, .events = POLLIN };

    return abort_fd >= 0 && poll(&pfd, 1, 0) == 1;
}

/*
 * Run @argv (in @cwd) with stdout and stderr in *@output, within
 * @timeout_ms; its wait status in *@status.  FALSE if it could not be
 * started, timed out or was interrupted (then killed).
 */
static gboolean run_tool(const char *const *argv, const char *cwd, int timeout_ms,
                         int abort_fd, char **output, int *status, GError **errp)
{
    g_autofree char *out_path = NULL;
    int fd = g_file_open_tmp("cpr-update-tool.XXXXXX", &out_path, errp);
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000LL;
    gboolean ok = TRUE;
    GPid pid;

    if (fd < 0) {
        return FALSE;
    }
    if (!g_spawn_async_with_pipes_and_fds(cwd, argv, NULL,
                                          G_SPAWN_DO_NOT_REAP_CHILD |
                                          G_SPAWN_STDIN_FROM_DEV_NULL,
                                          NULL, NULL, -1, fd, fd, NULL, NULL, 0,
                                          &pid, NULL, NULL, NULL, errp)) {
        close(fd);
        unlink(out_path);
        return FALSE;
    }
    close(fd);
    while (waitpid(pid, status, WNOHANG) == 0) {
        if (aborted(abort_fd) || g_get_monotonic_time() > deadline) {
            g_set_error(errp, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s",
                        aborted(abort_fd) ? "interrupted" : "timed out");
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            ok = FALSE;
            break;
        }
        g_usleep(5 * 1000);
    }
    g_spawn_close_pid(pid);
    if (!g_file_get_contents(out_path, output, NULL, NULL)) {
        *output = g_strdup("");
    }
    unlink(out_path);
    return ok;
}

static char *describe_status(int status)
{
    if (WIFEXITED(status)) {
        return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
    }
    return g_strdup_printf("killed by signal %d", WTERMSIG(status));
}

/* The last non-empty line of @text, for messages. */
static char *last_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (int i = g_strv_length(lines) - 1; i >= 0; i--) {
        if (*g_strstrip(lines[i])) {
            return g_strdup(lines[i]);
        }
    }
    return g_strdup("no output");
}

/* `BIN -machine help`, from the cache or run (and cached when it parses). */
static char *machine_help(Cache *cache, const char *bin, const char *key,
                          const char *cwd, const CompatOptions *o, GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/%s.machines", cache->dir, key);
    const char *argv[] = { bin, "-machine", "help", NULL };
    char *out = NULL;
    int status;
    MachineTypes mt;
    gboolean parsed;

    if (g_file_get_contents(path, &out, NULL, NULL)) {
        return out;
    }
    if (!run_tool(argv, cwd, MIN(o->timeout_ms, MACHINE_HELP_TIMEOUT_MS),
                  o->abort_fd, &out, &status, errp)) {
        g_free(out);
        return NULL;
    }
    parsed = machine_types_parse(out, &mt);
    machine_types_clear(&mt);
    if (!WIFEXITED(status) || WEXITSTATUS(status) || !parsed) {
        g_autofree char *how = describe_status(status);
        g_autofree char *last = last_line(out);

        g_set_error(errp, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s: %s", how, last);
        g_free(out);
        return NULL;
    }
    g_file_set_contents(path, out, -1, NULL);
    return out;
}

/* The -dump-vmstate file of @bin for @type, from the cache or made. */
static char *vmstate_dump(Cache *cache, const char *bin, const char *key,
                          const char *type, const char *cwd,
                          const CompatOptions *o, gboolean *cached, GError **errp)
{
    g_autofree char *path = g_strdup_printf("%s/%s-%s.vmstate.json", cache->dir,
                                            key, type);
    g_autofree char *tmp = g_strdup_printf("%s.%d.tmp", path, (int)getpid());
    const char *argv[] = { bin, "-M", type, "-nodefaults", "-display", "none",
                           "-dump-vmstate", tmp, NULL };
    g_autofree char *out = NULL;
    struct stat st;
    int status;

    *cached = g_file_test(path, G_FILE_TEST_IS_REGULAR);
    if (*cached) {
        return g_steal_pointer(&path);
    }
    if (!run_tool(argv, cwd, o->timeout_ms, o->abort_fd, &out, &status, errp)) {
        unlink(tmp);
        return NULL;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) || stat(tmp, &st) < 0 ||
        !st.st_size || rename(tmp, path) < 0) {
        g_autofree char *how = describe_status(status);
        g_autofree char *last = last_line(out);

        unlink(tmp);
        g_set_error(errp, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                    "%s -M %s -dump-vmstate %s: %s", bin, type, how, last);
        return NULL;
    }
    return g_steal_pointer(&path);
}

/* The checker: --vmstate-checker, else beside our build or installation. */
static char *find_checker(const CompatOptions *o, gboolean *given)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *bindir = self ? g_path_get_dirname(self) : NULL;
    const char *rel[] = { "../qemu/scripts/" CHECKER_NAME,
                          "../share/cpr-update/" CHECKER_NAME, NULL };

    *given = o->vmstate_checker != NULL;
    if (*given) {
        return g_file_test(o->vmstate_checker, G_FILE_TEST_IS_REGULAR) ?
               g_strdup(o->vmstate_checker) : NULL;
    }
    for (int i = 0; bindir && rel[i]; i++) {
        g_autofree char *p = g_build_filename(bindir, rel[i], NULL);

        if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
            return g_canonicalize_filename(p, NULL);
        }
    }
    return NULL;
}

/* The checker's output for the two dumps ("STATUS\n" first), cached. */
static char *checker_output(Cache *cache, const char *python, const char *checker,
                            const char *src_dump, const char *dst_dump,
                            const char *cache_name, const CompatOptions *o,
                            GError **errp)
{
    g_autofree char *path = g_build_filename(cache->dir, cache_name, NULL);
    const char *argv[] = { python, checker, "-s", src_dump, "-d", dst_dump, NULL };
    g_autofree char *out = NULL;
    char *text = NULL;
    int status;

    if (g_file_get_contents(path, &text, NULL, NULL)) {
        return text;
    }
    if (!run_tool(argv, NULL, o->timeout_ms, o->abort_fd, &out, &status, errp)) {
        return NULL;
    }
    /* Exit status = number of findings (capped at 255); tracebacks are not. */
    if (!WIFEXITED(status) || strstr(out, "Traceback")) {
        g_autofree char *how = describe_status(status);
        g_autofree char *last = last_line(out);

        g_set_error(errp, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s: %s", how, last);
        return NULL;
    }
    text = g_strdup_printf("%d\n%s", WEXITSTATUS(status), out);
    g_file_set_contents(path, text, -1, NULL);
    return text;
}

/* The binary dest_argv[0] names, as QEMU would be found from @cwd. */
static char *dest_binary(GPtrArray *dest_argv, const char *cwd)
{
    const char *bin = g_ptr_array_index(dest_argv, 0);

    if (!strchr(bin, '/')) {
        return g_find_program_in_path(bin);
    }
    return g_path_is_absolute(bin) || !cwd ? g_strdup(bin)
                                           : g_build_filename(cwd, bin, NULL);
}

/* Machine type check; TRUE if the vmstate check can go on. */
static gboolean check_machine(Compat *c, Cache *cache, const char *bin,
                              const char *key, GPtrArray *dest_argv,
                              const char *cwd, const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *help = machine_help(cache, bin, key, cwd, o, &err);
    g_autofree char *asked = machine_type_from_args(dest_argv);
    g_autofree char *list = NULL;
    const char *src = c->source_machine, *dst;
    MachineTypes mt;

    if (!help) {
        /* Not a QEMU we can ask: its own start, next, will tell. */
        compat_add(c, "machine-type", COMPAT_WARNING,
                   "cannot list the machine types of %s (%s): not checked",
                   bin, err->message);
        return FALSE;
    }
    machine_types_parse(help, &mt);
    list = machine_types_list(&mt);
    dst = machine_types_resolve(&mt, asked ? asked : mt.default_type);
    if (!machine_types_resolve(&mt, src)) {
        compat_add(c, "machine-type", COMPAT_FAILED,
                   "the destination %s has no machine type %s (the source's); "
                   "it has: %s", bin, src, list);
    } else if (!dst) {
        compat_add(c, "machine-type", COMPAT_FAILED,
                   "the destination's arguments select machine type '%s', which "
                   "%s does not have; the source runs %s",
                   asked ? asked : "(default)", bin, src);
    } else if (!g_str_equal(dst, src)) {
        compat_add(c, "machine-type", COMPAT_FAILED,
                   "the destination would run machine type %s (-machine %s), the "
                   "source runs %s: give the destination -machine %s",
                   dst, asked ? asked : "not given: the default", src, src);
    } else {
        compat_add(c, "machine-type", COMPAT_OK, "%s on both (destination: -machine %s)",
                   src, asked ? asked : "default");
    }
    machine_types_clear(&mt);
    return ((CompatCheck *)g_ptr_array_index(c->checks, c->checks->len - 1))->result
           == COMPAT_OK;
}

static void check_vmstate(Compat *c, Cache *cache, const char *source_exe,
                          const char *dst_bin, const char *dst_key,
                          const char *cwd, VmTypesFunc vm_types_func,
                          gpointer opaque, const CompatOptions *o)
{
    g_autoptr(GHashTable) vm_types = NULL;
    g_autoptr(GError) walk_err = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *python = g_find_program_in_path("python3");
    gboolean given, src_cached = FALSE, dst_cached = FALSE;
    g_autofree char *checker = find_checker(o, &given);
    g_autofree char *src_label = g_file_read_link(source_exe, NULL);
    g_autofree char *src_key = NULL, *src_dump = NULL, *dst_dump = NULL;
    g_autofree char *name = NULL, *result = NULL, *checker_key = NULL;
    g_autoptr(GPtrArray) matter = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func(g_free);
    const char *type = c->source_machine, *out;
    gint64 t0 = g_get_monotonic_time();
    CompatCheck *k;

    if (!checker || !python) {
        compat_add(c, "vmstate", given ? COMPAT_FAILED : COMPAT_WARNING,
                   "device state not compared: %s",
                   !checker ? (given ? "--vmstate-checker: no such file"
                                     : "QEMU's " CHECKER_NAME " not found "
                                       "(give it with --vmstate-checker)")
                            : "python3 not found");
        return;
    }
    src_key = binary_key(src_label ? src_label : source_exe, source_exe, &err);
    src_dump = src_key ? vmstate_dump(cache, source_exe, src_key, type, NULL, o,
                                      &src_cached, &err) : NULL;
    dst_dump = src_dump ? vmstate_dump(cache, dst_bin, dst_key, type, cwd, o,
                                       &dst_cached, &err) : NULL;
    if (!dst_dump) {
        compat_add(c, "vmstate", COMPAT_FAILED, "cannot dump the device state "
                   "descriptions: %s", err->message);
        return;
    }
    /* A different checker script may find other things. */
    checker_key = binary_key(checker, checker, NULL);
    name = g_strdup_printf("%s-%s-%s-%s.checker", src_key, dst_key, type,
                           checker_key ? checker_key : "x");
    result = checker_output(cache, python, checker, src_dump, dst_dump, name, o, &err);
    if (!result) {
        compat_add(c, "vmstate", COMPAT_WARNING, "device state not compared: %s "
                   "failed: %s", checker, err->message);
        return;
    }
    out = strchr(result, '\n');
    out = out ? out + 1 : "";
    if (*out) {
        vm_types = vm_types_func(opaque, &walk_err);
    }
    vmstate_findings_classify(out, vm_types, matter, ignored);
    if (matter->len) {
        g_autoptr(GString) first = g_string_new(NULL);

        for (guint i = 0; i < matter->len && i < FINDINGS_IN_ERROR; i++) {
            g_string_append_printf(first, "%s%s", i ? "; " : "",
                                   (char *)g_ptr_array_index(matter, i));
        }
        k = compat_add(c, "vmstate", COMPAT_FAILED,
                       "device state of %s differs for this VM's devices "
                       "(%u finding(s)): %s%s", type, matter->len, first->str,
                       matter->len > FINDINGS_IN_ERROR ? "; ..." : "");
    } else {
        k = compat_add(c, "vmstate", COMPAT_OK,
                       "%s: no difference for this VM's devices (%u finding(s) "
                       "ignored; %s, %" G_GINT64_FORMAT " ms)", type, ignored->len,
                       src_cached && dst_cached ? "dumps cached" : "dumped",
                       (g_get_monotonic_time() - t0) / 1000);
    }
    for (guint i = 0; i < matter->len; i++) {
        g_ptr_array_add(k->notes, g_strdup(g_ptr_array_index(matter, i)));
    }
    for (guint i = 0; i < ignored->len; i++) {
        g_ptr_array_add(k->notes, g_strdup(g_ptr_array_index(ignored, i)));
    }
    if (walk_err) {
        g_ptr_array_add(k->notes, g_strdup_printf(
            "the VM's devices could not be listed (%s): every finding counted",
            walk_err->message));
    }
}

void binary_compat_check(Compat *c, const char *source_exe,
                         GPtrArray *dest_argv, const char *dest_cwd,
                         VmTypesFunc vm_types, gpointer opaque,
                         const CompatOptions *o)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *bin = dest_binary(dest_argv, dest_cwd);
    g_autofree char *key = bin ? binary_key(bin, bin, &err) : NULL;
    Cache cache;

    if (!key) {
        compat_add(c, "machine-type", COMPAT_WARNING,
                   "cannot find the destination binary %s (%s): not checked",
                   (char *)g_ptr_array_index(dest_argv, 0),
                   err ? err->message : "not in PATH");
        compat_add(c, "vmstate", COMPAT_SKIPPED, "no destination binary to compare");
        return;
    }
    cache_open(&cache);
    if (!cache.dir) {
        compat_add(c, "vmstate", COMPAT_WARNING, "no cache or temporary directory: "
                   "not checked");
    } else if (check_machine(c, &cache, bin, key, dest_argv, dest_cwd, o)) {
        check_vmstate(c, &cache, source_exe, bin, key, dest_cwd, vm_types, opaque, o);
    } else {
        compat_add(c, "vmstate", COMPAT_SKIPPED, "needs the machine type check");
    }
    cache_close(&cache);
}

/* The cache file for @what about @exe (/proc/PID/exe named by its target). */
static char *fact_path(Cache *cache, const char *exe, const char *what)
{
    g_autofree char *label = g_file_read_link(exe, NULL);
    g_autofree char *key = binary_key(label ? label : exe, exe, NULL);

    if (!key || !cache->dir || cache->scratch) {
        return NULL;
    }
    return g_strdup_printf("%s/%s.%s", cache->dir, key, what);
}

char *binary_compat_cache_get(const char *exe, const char *what)
{
    Cache cache;
    g_autofree char *path = NULL;
    char *text = NULL;

    cache_open(&cache);
    path = fact_path(&cache, exe, what);
    if (path && !g_file_get_contents(path, &text, NULL, NULL)) {
        text = NULL;
    }
    cache_close(&cache);
    return text;
}

void binary_compat_cache_put(const char *exe, const char *what, const char *text)
{
    Cache cache;
    g_autofree char *path = NULL;

    cache_open(&cache);
    path = fact_path(&cache, exe, what);
    if (path) {
        g_file_set_contents(path, text, -1, NULL);
    }
    cache_close(&cache);
}
