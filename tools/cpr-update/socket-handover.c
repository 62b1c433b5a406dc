/* Listening UNIX socket handover; see socket-handover.h. */
#include "socket-handover.h"
#include "qemu-args.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SO_ACCEPTCON_FLAG 0x10000   /* "Flags" of a listening socket */
#define UNIX_STREAM_TYPE 1

void socket_handover_init(SocketHandover *s)
{
    s->listeners = g_array_new(FALSE, TRUE, sizeof(SourceListener));
    s->used = g_array_new(FALSE, FALSE, sizeof(int));
    s->paths = g_ptr_array_new_with_free_func(g_free);
    s->hidden = g_ptr_array_new_with_free_func(g_free);
}

void socket_handover_clear(SocketHandover *s)
{
    for (guint i = 0; s->listeners && i < s->listeners->len; i++) {
        g_free(g_array_index(s->listeners, SourceListener, i).path);
    }
    g_clear_pointer(&s->listeners, g_array_unref);
    g_clear_pointer(&s->used, g_array_unref);
    g_clear_pointer(&s->paths, g_ptr_array_unref);
    g_clear_pointer(&s->hidden, g_ptr_array_unref);
}

GHashTable *socket_parse_net_unix(const char *text)
{
    GHashTable *by_inode = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                 g_free, g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    /* "Num RefCount Protocol Flags Type St Inode [Path]"; line 0 is that. */
    for (int i = 1; lines[i]; i++) {
        unsigned int refs, proto, flags, type, state;
        unsigned long long inode;
        int path_at = 0;

        if (sscanf(lines[i], "%*[0-9a-fA-F]: %x %x %x %x %x %llu %n",
                   &refs, &proto, &flags, &type, &state, &inode, &path_at) < 6 ||
            !path_at) {
            continue;
        }
        const char *path = lines[i] + path_at;
        if ((flags & SO_ACCEPTCON_FLAG) && type == UNIX_STREAM_TYPE &&
            path[0] && path[0] != '@') {
            g_hash_table_insert(by_inode, g_strdup_printf("%llu", inode),
                                g_strdup(path));
        }
    }
    return by_inode;
}

void socket_find_listeners(SocketHandover *s, GArray *source_files,
                           const char *net_unix, const char *source_cwd)
{
    g_autoptr(GHashTable) by_inode = socket_parse_net_unix(net_unix);

    for (guint i = 0; i < source_files->len; i++) {
        SourceFile *f = &g_array_index(source_files, SourceFile, i);
        g_autofree char *inode = NULL;
        const char *path;

        if (!g_str_has_prefix(f->link, "socket:[")) {
            continue;
        }
        inode = g_strndup(f->link + 8, strcspn(f->link + 8, "]"));
        path = g_hash_table_lookup(by_inode, inode);
        if (path) {
            SourceListener l = {
                .fd = f->fd,
                .path = g_canonicalize_filename(path, source_cwd),
            };
            g_array_append_val(s->listeners, l);
        }
    }
}

static const SourceListener *listener_at(SocketHandover *s, const char *path,
                                         const char *cwd)
{
    g_autofree char *abs = g_canonicalize_filename(path, cwd);

    for (guint i = 0; i < s->listeners->len; i++) {
        const SourceListener *l = &g_array_index(s->listeners, SourceListener, i);
        if (g_str_equal(l->path, abs)) {
            return l;
        }
    }
    return NULL;
}

/* Record @l as handed over; its number in the destination. */
static int hand_over(SocketHandover *s, const SourceListener *l, FdHandover *h)
{
    if (!g_ptr_array_find_with_equal_func(s->paths, l->path, g_str_equal, NULL)) {
        g_ptr_array_add(s->paths, g_strdup(l->path));
        g_array_append_val(s->used, l->fd);
    }
    return fd_handover_add(h, l->fd);
}

/*
 * A server socket's options without its address and its wait: fd=N with
 * wait=off (the source had its first client already; the destination
 * must not stop at startup to wait for another).
 */
static void use_fd(GPtrArray *elems, int target)
{
    qemu_opts_remove(elems, "path");
    qemu_opts_remove(elems, "wait");
    qemu_opts_remove(elems, "nowait");
    g_ptr_array_add(elems, g_strdup_printf("fd=%d", target));
    g_ptr_array_add(elems, g_strdup("wait=off"));
}

static gboolean same_file(const char *path, const char *other, const char *cwd)
{
    g_autofree char *a = NULL, *b = NULL;

    if (!other) {
        return FALSE;
    }
    a = g_canonicalize_filename(path, cwd);
    b = g_canonicalize_filename(other, NULL);
    return g_str_equal(a, b);
}

static const SourceListener *listener_fd(SocketHandover *s, const char *fd)
{
    guint64 n;

    if (!fd || !g_ascii_string_to_unsigned(fd, 10, 0, G_MAXINT, &n, NULL)) {
        return NULL;
    }
    for (guint i = 0; i < s->listeners->len; i++) {
        const SourceListener *l = &g_array_index(s->listeners, SourceListener, i);
        if (l->fd == (int)n) {
            return l;
        }
    }
    return NULL;
}

/*
 * -chardev socket,path=P,server=on,...: P becomes fd=N in place.  A server
 * chardev already given by fd=N (libvirt does so, and --same-args copies
 * it) names the source's fd: mapped to the destination's number.
 */
static void rewrite_chardev(SocketHandover *s, char **arg, const char *cwd,
                            const char *skip, FdHandover *h, GPtrArray *notes)
{
    g_autoptr(GPtrArray) elems = qemu_opts_split(*arg);
    const char *path = qemu_opts_get(elems, "path");
    const SourceListener *l;
    g_autofree char *label = NULL;

    if (!g_str_equal(g_ptr_array_index(elems, 0), "socket") ||
        !qemu_opts_is_true(qemu_opts_get(elems, "server"))) {
        return;
    }
    if (path) {
        l = same_file(path, skip, cwd) ? NULL : listener_at(s, path, cwd);
    } else {
        l = listener_fd(s, qemu_opts_get(elems, "fd"));
        qemu_opts_remove(elems, "fd");
    }
    if (!l) {
        return;
    }
    label = g_strdup_printf("-chardev %s", qemu_opts_get(elems, "id") ?: "");
    use_fd(elems, hand_over(s, l, h));
    g_ptr_array_add(notes, g_strdup_printf("%s: the source's listening socket %s "
                                           "handed over as fd=%s", label, l->path,
                                           qemu_opts_get(elems, "fd")));
    g_free(*arg);
    *arg = qemu_opts_join(elems);
}

/*
 * -qmp/-monitor/-serial/... unix:P,server=on,...: a new -chardev with the
 * source's fd, inserted before the option, which now names it.  TRUE if
 * rewritten.
 */
static gboolean rewrite_unix_spec(SocketHandover *s, GPtrArray *argv, guint i,
                                  const char *cwd, const char *skip,
                                  FdHandover *h, GPtrArray *notes)
{
    const char *arg = g_ptr_array_index(argv, i + 1);
    g_autoptr(GPtrArray) elems = NULL;
    const char *path;
    const SourceListener *l;
    g_autofree char *id = NULL;

    if (!g_str_has_prefix(arg, "unix:")) {
        return FALSE;
    }
    elems = qemu_opts_split(arg + 5);
    path = g_ptr_array_index(elems, 0);
    if (!qemu_opts_is_true(qemu_opts_get(elems, "server")) ||
        same_file(path, skip, cwd) || !(l = listener_at(s, path, cwd))) {
        return FALSE;
    }
    /* The path is the implied first element: it becomes the backend. */
    g_free(g_ptr_array_index(elems, 0));
    g_ptr_array_index(elems, 0) = g_strdup("socket");
    id = g_strdup_printf("cpr-update-sock%d", l->fd);
    g_ptr_array_insert(elems, 1, g_strdup_printf("id=%s", id));
    use_fd(elems, hand_over(s, l, h));
    g_ptr_array_add(notes, g_strdup_printf("%s unix:%s: the source's listening "
                                           "socket handed over as chardev %s, fd=%s",
                                           (char *)g_ptr_array_index(argv, i),
                                           l->path, id, qemu_opts_get(elems, "fd")));
    g_free(g_ptr_array_index(argv, i + 1));
    g_ptr_array_index(argv, i + 1) = g_strdup_printf("chardev:%s", id);
    g_ptr_array_insert(argv, i, qemu_opts_join(elems));
    g_ptr_array_insert(argv, i, g_strdup("-chardev"));
    return TRUE;
}

static gboolean is_unix_spec_option(const char *name)
{
    static const char *const names[] = {
        "qmp", "qmp-pretty", "monitor", "serial", "parallel", NULL
    };
    return g_strv_contains(names, name);
}

void socket_rewrite_args(SocketHandover *s, GPtrArray *argv, const char *dest_cwd,
                         const char *skip, FdHandover *h, GPtrArray *notes)
{
    g_autofree char *cwd = dest_cwd ? g_strdup(dest_cwd) : g_get_current_dir();

    for (guint i = 1; i < argv->len; i++) {
        const char *name = qemu_args_option_name(g_ptr_array_index(argv, i));

        if (!name || !qemu_args_takes_arg(name) || i + 1 >= argv->len) {
            continue;
        }
        if (g_str_equal(name, "chardev")) {
            rewrite_chardev(s, (char **)&g_ptr_array_index(argv, i + 1), cwd,
                            skip, h, notes);
        } else if (is_unix_spec_option(name) &&
                   rewrite_unix_spec(s, argv, i, cwd, skip, h, notes)) {
            i += 2;     /* past the inserted -chardev */
        }
        i++;
    }
}

void socket_handover_nonblocking(SocketHandover *s, FdHandover *h)
{
    for (guint i = 0; i < h->fds->len; i++) {
        HandedFd *f = &g_array_index(h->fds, HandedFd, i);
        int fl;

        for (guint j = 0; j < s->used->len; j++) {
            if (g_array_index(s->used, int, j) == f->source_fd && f->local_fd >= 0 &&
                (fl = fcntl(f->local_fd, F_GETFL)) >= 0) {
                fcntl(f->local_fd, F_SETFL, fl | O_NONBLOCK);
            }
        }
    }
}

static char *hidden_name(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *name = g_strdup_printf(".%s.cpr-update-%d", base, (int)getpid());

    return g_build_filename(dir, name, NULL);
}

void socket_paths_hold(SocketHandover *s, GPtrArray *warnings)
{
    for (guint i = 0; i < s->paths->len; i++) {
        const char *path = g_ptr_array_index(s->paths, i);
        g_autofree char *hidden = hidden_name(path);

        unlink(hidden);     /* a leftover of an earlier run */
        if (link(path, hidden) < 0) {
            g_ptr_array_add(warnings, g_strdup_printf(
                "cannot keep %s across the source's exit (link: %s): the "
                "source's exit unlinks it", path, g_strerror(errno)));
            hidden[0] = '\0';
        }
        g_ptr_array_add(s->hidden, g_steal_pointer(&hidden));
    }
}

void socket_paths_restore(SocketHandover *s, GPtrArray *warnings)
{
    for (guint i = 0; i < s->hidden->len; i++) {
        const char *path = g_ptr_array_index(s->paths, i);
        const char *hidden = g_ptr_array_index(s->hidden, i);
        struct stat st;

        if (!*hidden) {
            continue;
        }
        if (lstat(path, &st) < 0 && errno == ENOENT) {
            /* Atomic: the path is back as the same socket file. */
            if (rename(hidden, path) < 0) {
                g_ptr_array_add(warnings, g_strdup_printf(
                    "cannot put %s back (rename from %s: %s)", path, hidden,
                    g_strerror(errno)));
            }
            continue;
        }
        /* Still there (the source kept it, or did not exit): not needed. */
        unlink(hidden);
    }
    g_ptr_array_set_size(s->hidden, 0);
}
