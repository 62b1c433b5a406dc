/*
 * The pre-flight checks of the two QEMU binaries, run as tools:
 *
 * - machine-type: `DEST -machine help` must list the source's versioned
 *   type, and the destination's -machine (an alias such as "pc", or none:
 *   the default) must select that very type;
 * - vmstate: `BIN -M TYPE -nodefaults -dump-vmstate FILE` for the source's
 *   binary (/proc/PID/exe) and the destination's, compared by QEMU's
 *   scripts/vmstate-static-checker.py.  Findings about device types the
 *   VM does not have are listed as ignored; any other refuses the update.
 *
 * Outputs are cached per binary (path, inode, size, mtime) and machine
 * type in $XDG_CACHE_HOME/cpr-update (~/.cache/cpr-update), so only the
 * first update after a binary changes pays for the dumps and the checker.
 */
#ifndef BINARY_COMPAT_H
#define BINARY_COMPAT_H

#include "compat-check.h"

/*
 * The VM's device types, asked for only when the checker has findings
 * (it costs a few QMP commands); NULL with @errp set if unknown, and then
 * every finding counts.
 */
typedef GHashTable *(*VmTypesFunc)(gpointer opaque, GError **errp);

/* @source_exe: what to run for the source binary (/proc/PID/exe). */
void binary_compat_check(Compat *c, const char *source_exe,
                         GPtrArray *dest_argv, const char *dest_cwd,
                         VmTypesFunc vm_types, gpointer opaque,
                         const CompatOptions *o);

/*
 * A fact about binary @exe kept in the same cache under @what: what was
 * stored for this very binary, or NULL.
 */
char *binary_compat_cache_get(const char *exe, const char *what);
void binary_compat_cache_put(const char *exe, const char *what, const char *text);

#endif
