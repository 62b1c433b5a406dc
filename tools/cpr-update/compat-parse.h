/*
 * What the pre-flight compatibility check reads from QEMU, parsed:
 * `QEMU -machine help`, the -machine option of a command line, QOM child
 * property types, query-qmp-schema, and the findings of QEMU's
 * scripts/vmstate-static-checker.py.  No I/O here (unit-tested).
 */
#ifndef COMPAT_PARSE_H
#define COMPAT_PARSE_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* The machine types a QEMU binary offers. */
typedef struct {
    GHashTable *resolved;   /* name or alias -> versioned type it runs */
    char *default_type;     /* what no -machine selects (resolved), or NULL */
} MachineTypes;

/* From the output of `QEMU -machine help`; FALSE if it is not that. */
gboolean machine_types_parse(const char *help, MachineTypes *mt);

/* The versioned type @name selects, or NULL if the binary lacks it. */
const char *machine_types_resolve(const MachineTypes *mt, const char *name);

/* The types offered, sorted, comma-separated (for messages). */
char *machine_types_list(const MachineTypes *mt);

void machine_types_clear(MachineTypes *mt);

/*
 * The machine type a command line asks for (argv[0] is the binary):
 * the last -M/-machine "TYPE,..." or "type=TYPE"; NULL for the default.
 */
char *machine_type_from_args(GPtrArray *argv);

/* "pc-i440fx-10.0-machine" (QOM type of /machine) -> "pc-i440fx-10.0". */
char *machine_type_from_qom(const char *qom_type);

/* "child<virtio-net-pci>" -> "virtio-net-pci"; NULL for anything else. */
char *qom_child_type(const char *prop_type);

/* Add the device types of HMP `info qtree` output ("dev: TYPE, id ...") to @types. */
void qtree_device_types(const char *qtree, GHashTable *types);

/*
 * In a query-qmp-schema reply: whether @command's result object has
 * member @member whose enum type has @value.  *@has_member says whether
 * the member exists at all.
 */
gboolean qmp_schema_result_enum_has(JsonNode *schema, const char *command,
                                    const char *member, const char *value,
                                    gboolean *has_member);

/*
 * Sort the checker's output lines: a finding about a section (device
 * type) the VM has goes to @matter; one about a device type the VM does
 * not have goes to @ignored, with the reason.  With @vm_types NULL every
 * finding matters.
 */
void vmstate_findings_classify(const char *output, GHashTable *vm_types,
                               GPtrArray *matter, GPtrArray *ignored);

#endif
