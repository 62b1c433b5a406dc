/*
 * What cpr-update knows about QEMU's command line: which options take an
 * argument, and QEMU's "key=value,key=value" option strings, where a
 * comma inside a value is written twice.
 */
#ifndef QEMU_ARGS_H
#define QEMU_ARGS_H

#include <glib.h>

/* "-foo" or "--foo" -> "foo"; NULL if @arg is not an option. */
const char *qemu_args_option_name(const char *arg);

/* Whether option @name (without dashes) takes an argument. */
gboolean qemu_args_takes_arg(const char *name);

/*
 * Split an option string into its elements ("key=value", or a bare word
 * such as the backend type in "socket,id=x"), with ",," unescaped.
 */
GPtrArray *qemu_opts_split(const char *spec);

/* The reverse: elements joined with ",", commas in them doubled. */
char *qemu_opts_join(GPtrArray *elems);

/* The value of @key in @elems ("" for a bare "key"), or NULL. */
const char *qemu_opts_get(GPtrArray *elems, const char *key);

/* Remove every element with key @key ("key=..." or a bare "key"). */
void qemu_opts_remove(GPtrArray *elems, const char *key);

/* Whether a boolean option value means on (on, yes, true, or bare). */
gboolean qemu_opts_is_true(const char *value);

#endif
