/* Unit tests for what the pre-flight compatibility check parses. */
#include "compat-parse.h"

#include <string.h>

/* The shape of QEMU 10.0's `-machine help` (shortened). */
static const char machine_help[] =
    "Supported machines are:\n"
    "microvm              microvm (i386)\n"
    "pc-i440fx-9.2        Standard PC (i440FX + PIIX, 1996)\n"
    "pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-10.0)\n"
    "pc-i440fx-10.0       Standard PC (i440FX + PIIX, 1996) (default)\n"
    "pc-i440fx-2.4        Standard PC (i440FX + PIIX, 1996) (deprecated)\n"
    "q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-10.0)\n"
    "pc-q35-10.0          Standard PC (Q35 + ICH9, 2009)\n"
    "none                 empty machine\n";

static void test_machine_help(void)
{
    MachineTypes mt;
    g_autofree char *list = NULL;

    g_assert_true(machine_types_parse(machine_help, &mt));
    g_assert_cmpstr(mt.default_type, ==, "pc-i440fx-10.0");
    g_assert_cmpstr(machine_types_resolve(&mt, "pc"), ==, "pc-i440fx-10.0");
    g_assert_cmpstr(machine_types_resolve(&mt, "q35"), ==, "pc-q35-10.0");
    g_assert_cmpstr(machine_types_resolve(&mt, "pc-q35-10.0"), ==, "pc-q35-10.0");
    g_assert_cmpstr(machine_types_resolve(&mt, "pc-i440fx-2.4"), ==, "pc-i440fx-2.4");
    g_assert_null(machine_types_resolve(&mt, "pc-i440fx-10.1"));
    g_assert_null(machine_types_resolve(&mt, "Standard"));
    list = machine_types_list(&mt);
    g_assert_cmpstr(list, ==, "microvm, none, pc, pc-i440fx-10.0, pc-i440fx-2.4, "
                    "pc-i440fx-9.2, pc-q35-10.0, q35");
    machine_types_clear(&mt);
}

static void test_machine_help_not_qemu(void)
{
    MachineTypes mt;

    g_assert_false(machine_types_parse("", &mt));
    g_assert_null(machine_types_resolve(&mt, "pc"));
    machine_types_clear(&mt);
    g_assert_false(machine_types_parse("qemu: -machine: invalid option\n", &mt));
    machine_types_clear(&mt);
    /* Debian's microvm-only build: the pc types are really missing. */
    g_assert_true(machine_types_parse("Supported machines are:\n"
                                      "microvm              microvm (i386) (default)\n"
                                      "none                 empty machine\n", &mt));
    g_assert_cmpstr(mt.default_type, ==, "microvm");
    g_assert_null(machine_types_resolve(&mt, "pc-i440fx-10.0"));
    machine_types_clear(&mt);
}

static char *type_of(const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (gpointer)args[i]);
    }
    return machine_type_from_args(argv);
}

static void test_machine_args(void)
{
    const char *plain[] = { "qemu", "-m", "1G", "-machine",
                            "pc,memory-backend=ram0,aux-ram-share=on", NULL };
    const char *keyed[] = { "qemu", "-machine", "type=q35,accel=tcg", NULL };
    const char *short_m[] = { "qemu", "-M", "pc-q35-10.0", "-nodefaults", NULL };
    const char *last_wins[] = { "qemu", "-M", "pc", "-machine", "q35", NULL };
    const char *props_only[] = { "qemu", "-machine", "aux-ram-share=on", NULL };
    const char *none[] = { "qemu", "-m", "1G", NULL };
    /* "-machine" as the value of another option is not the option. */
    const char *as_value[] = { "qemu", "-name", "-machine", "-m", "1G", NULL };
    const char *double_dash[] = { "qemu", "--machine", "pc", NULL };
    g_autofree char *a = type_of(plain), *b = type_of(keyed), *c = type_of(short_m);
    g_autofree char *d = type_of(last_wins), *e = type_of(props_only);
    g_autofree char *f = type_of(none), *g = type_of(as_value), *h = type_of(double_dash);

    g_assert_cmpstr(a, ==, "pc");
    g_assert_cmpstr(b, ==, "q35");
    g_assert_cmpstr(c, ==, "pc-q35-10.0");
    g_assert_cmpstr(d, ==, "q35");
    g_assert_null(e);
    g_assert_null(f);
    g_assert_null(g);
    g_assert_cmpstr(h, ==, "pc");
}

static void test_qom_names(void)
{
    g_autofree char *m = machine_type_from_qom("pc-i440fx-10.0-machine");
    g_autofree char *n = machine_type_from_qom("odd");
    g_autofree char *c = qom_child_type("child<virtio-net-pci>");

    g_assert_cmpstr(m, ==, "pc-i440fx-10.0");
    g_assert_cmpstr(n, ==, "odd");
    g_assert_cmpstr(c, ==, "virtio-net-pci");
    g_assert_null(qom_child_type("link<virtio-net-pci>"));
    g_assert_null(qom_child_type("child<>"));
    g_assert_null(qom_child_type("child<oops"));
    g_assert_null(qom_child_type("string"));
    g_assert_null(qom_child_type(NULL));
}

static void test_qtree(void)
{
    g_autoptr(GHashTable) types = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                        g_free, NULL);
    /* As QEMU 10.0 prints it (shortened). */
    const char qtree[] =
        "bus: main-system-bus\n"
        "  type System\n"
        "  dev: hpet, id \"\"\n"
        "    gpio-in \"\" 2\n"
        "  dev: i440FX-pcihost, id \"\"\n"
        "    bus: pci.0\n"
        "      type PCI\n"
        "      dev: piix3-usb-uhci, id \"usb0\"\n"
        "        bus: usb0.0\n"
        "          dev: usb-redir, id \"redir, with comma\"\n"
        "      dev: virtio-net-pci, id \"nic0\"\n"
        "        bus: virtio-bus\n"
        "          dev: virtio-net-device, id \"\"\n"
        "            mac = \"52:54:00:12:34:56\"\n"
        "  dev: , id \"\"\n"
        "  dev: broken\n";

    qtree_device_types(qtree, types);
    g_assert_cmpuint(g_hash_table_size(types), ==, 6);
    g_assert_true(g_hash_table_contains(types, "hpet"));
    g_assert_true(g_hash_table_contains(types, "i440FX-pcihost"));
    g_assert_true(g_hash_table_contains(types, "piix3-usb-uhci"));
    g_assert_true(g_hash_table_contains(types, "usb-redir"));
    g_assert_true(g_hash_table_contains(types, "virtio-net-pci"));
    g_assert_true(g_hash_table_contains(types, "virtio-net-device"));
    qtree_device_types(NULL, types);
    g_assert_cmpuint(g_hash_table_size(types), ==, 6);
}

static JsonNode *parse(const char *text)
{
    g_autoptr(JsonParser) p = json_parser_new();

    g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
    return json_node_copy(json_parser_get_root(p));
}

/* query-qmp-schema: opaque names, the command's ret-type, enum values. */
static const char schema_10_0[] =
    "[{\"name\":\"query-migrate-parameters\",\"meta-type\":\"command\","
    "  \"arg-type\":\"0\",\"ret-type\":\"77\"},"
    " {\"name\":\"77\",\"meta-type\":\"object\",\"members\":["
    "   {\"name\":\"multifd-channels\",\"type\":\"int\"},"
    "   {\"name\":\"mode\",\"type\":\"78\"}]},"
    " {\"name\":\"78\",\"meta-type\":\"enum\",\"values\":[\"normal\",\"cpr-reboot\","
    "   \"cpr-transfer\"],\"members\":[{\"name\":\"normal\"},{\"name\":\"cpr-reboot\"},"
    "   {\"name\":\"cpr-transfer\"}]}]";

static void test_schema(void)
{
    g_autoptr(JsonNode) s = parse(schema_10_0);
    g_autoptr(JsonNode) old = parse(
        "[{\"name\":\"query-migrate-parameters\",\"meta-type\":\"command\","
        "  \"ret-type\":\"5\"},"
        " {\"name\":\"5\",\"meta-type\":\"object\",\"members\":["
        "   {\"name\":\"mode\",\"type\":\"6\"}]},"
        " {\"name\":\"6\",\"meta-type\":\"enum\",\"values\":[\"normal\",\"cpr-reboot\"]}]");
    g_autoptr(JsonNode) none = parse(
        "[{\"name\":\"query-migrate-parameters\",\"meta-type\":\"command\","
        "  \"ret-type\":\"5\"},"
        " {\"name\":\"5\",\"meta-type\":\"object\",\"members\":["
        "   {\"name\":\"multifd-channels\",\"type\":\"int\"}]}]");
    g_autoptr(JsonNode) junk = parse("{\"not\":\"a schema\"}");
    gboolean has;

    g_assert_true(qmp_schema_result_enum_has(s, "query-migrate-parameters", "mode",
                                             "cpr-transfer", &has));
    g_assert_true(has);
    g_assert_false(qmp_schema_result_enum_has(s, "query-migrate-parameters", "mode",
                                              "cpr-exec", &has));
    g_assert_false(qmp_schema_result_enum_has(old, "query-migrate-parameters", "mode",
                                              "cpr-transfer", &has));
    g_assert_true(has);
    g_assert_false(qmp_schema_result_enum_has(none, "query-migrate-parameters", "mode",
                                              "cpr-transfer", &has));
    g_assert_false(has);
    g_assert_false(qmp_schema_result_enum_has(junk, "query-migrate-parameters", "mode",
                                              "cpr-transfer", &has));
    g_assert_false(has);
    g_assert_false(qmp_schema_result_enum_has(NULL, "x", "y", "z", &has));
}

/* Lines as scripts/vmstate-static-checker.py prints them. */
static const char checker_output[] =
    "Section \"usb-redir\" does not exist in dest\n"
    "Section \"virtio-net-pci\" Description \"virtio-net\": Entry \"Fields\" missing\n"
    "Section \"isa-serial\", Description \"serial\": Subsection \"serial/thr\" not found\n"
    "\n"
    "something the checker says without a section\n";

static void test_findings(void)
{
    g_autoptr(GPtrArray) matter = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) vm = g_hash_table_new(g_str_hash, g_str_equal);

    g_hash_table_add(vm, (gpointer)"virtio-net-pci");
    g_hash_table_add(vm, (gpointer)"pc-i440fx-10.0-machine");
    vmstate_findings_classify(checker_output, vm, matter, ignored);
    g_assert_cmpuint(matter->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(matter, 0), ==,
                    "Section \"virtio-net-pci\" Description \"virtio-net\": "
                    "Entry \"Fields\" missing");
    g_assert_cmpstr(g_ptr_array_index(matter, 1), ==,
                    "something the checker says without a section");
    g_assert_cmpuint(ignored->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(ignored, 0), ==,
                    "Section \"usb-redir\" does not exist in dest "
                    "(ignored: this VM has no usb-redir device)");
    g_assert_nonnull(strstr(g_ptr_array_index(ignored, 1), "no isa-serial device"));

    /* Devices unknown: everything counts. */
    g_ptr_array_set_size(matter, 0);
    g_ptr_array_set_size(ignored, 0);
    vmstate_findings_classify(checker_output, NULL, matter, ignored);
    g_assert_cmpuint(matter->len, ==, 4);
    g_assert_cmpuint(ignored->len, ==, 0);

    /* No findings. */
    g_ptr_array_set_size(matter, 0);
    vmstate_findings_classify("", vm, matter, ignored);
    vmstate_findings_classify(NULL, vm, matter, ignored);
    g_assert_cmpuint(matter->len + ignored->len, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/compat-parse/machine-help", test_machine_help);
    g_test_add_func("/compat-parse/machine-help-not-qemu", test_machine_help_not_qemu);
    g_test_add_func("/compat-parse/machine-args", test_machine_args);
    g_test_add_func("/compat-parse/qom-names", test_qom_names);
    g_test_add_func("/compat-parse/qtree", test_qtree);
    g_test_add_func("/compat-parse/schema", test_schema);
    g_test_add_func("/compat-parse/findings", test_findings);
    return g_test_run();
}
