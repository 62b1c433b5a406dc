/* Unit tests for --same-args rewriting of the source's command line. */
#include "same-args.h"

#include <string.h>

static char *joined(GPtrArray *a)
{
    g_ptr_array_add(a, NULL);
    char *s = g_strjoinv(" ", (char **)a->pdata);
    g_ptr_array_remove_index(a, a->len - 1);
    return s;
}

static void check(const char *const *argv, const char *source,
                  const char *want_kept, const char *want_dropped)
{
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) kept = same_args_rewrite(argv, source, dropped);
    g_autofree char *k = joined(kept), *d = joined(dropped);

    g_assert_cmpstr(k, ==, want_kept);
    g_assert_cmpstr(d, ==, want_dropped);
}

static void test_drops_what_must_not_repeat(void)
{
    const char *argv[] = {
        "qemu", "-S", "-m", "1G", "-incoming", "defer", "-daemonize",
        "-pidfile", "/run/vm.pid", "-precreate", "-nodefaults",
        "-qmp", "unix:/run/vm/qmp.sock,server=on,wait=off",
        "-qmp", "unix:/run/vm/other.sock,server=on,wait=off", NULL
    };

    check(argv, "/run/vm/qmp.sock",
          "-m 1G -nodefaults -qmp unix:/run/vm/other.sock,server=on,wait=off",
          "-S -incoming defer -daemonize -pidfile /run/vm.pid -precreate "
          "-qmp unix:/run/vm/qmp.sock,server=on,wait=off");
}

/* cpr-update's own "-machine suppress-vmdesc=on" goes; other -machine stay. */
static void test_drops_own_vmdesc_option(void)
{
    const char *argv[] = {
        "qemu", "-machine", "pc,aux-ram-share=on", "-machine", "suppress-vmdesc=on",
        "-machine", "suppress-vmdesc=off", NULL
    };

    check(argv, "/x", "-machine pc,aux-ram-share=on -machine suppress-vmdesc=off",
          "-machine suppress-vmdesc=on");
}

static void test_mon_and_its_chardev(void)
{
    const char *argv[] = {
        "qemu", "-chardev", "socket,id=mon0,path=/run/vm/qmp.sock,server=on,wait=off",
        "-mon", "chardev=mon0,mode=control",
        "-chardev", "socket,id=ser,path=/run/vm/serial.sock",
        "-serial", "chardev:ser", NULL
    };

    check(argv, "/run/vm/../vm/qmp.sock",
          "-chardev socket,id=ser,path=/run/vm/serial.sock -serial chardev:ser",
          "-chardev socket,id=mon0,path=/run/vm/qmp.sock,server=on,wait=off "
          "-mon chardev=mon0,mode=control");
}

static void test_argument_that_looks_like_an_option(void)
{
    /* -name takes an argument: "-S" here is its value, not -S. */
    const char *argv[] = { "qemu", "-name", "-S", "disk.img", "--enable-kvm", NULL };

    check(argv, "/x", "-name -S disk.img --enable-kvm", "");
}

static void test_split_cmdline(void)
{
    static const char buf[] = "qemu\0-m\0" "512\0";
    g_auto(GStrv) v = same_args_split_cmdline(buf, sizeof(buf) - 1);

    g_assert_cmpuint(g_strv_length(v), ==, 3);
    g_assert_cmpstr(v[2], ==, "512");
    g_assert_null(same_args_split_cmdline("", 0));
}

static void test_truncated_option(void)
{
    /* An option whose argument is missing is kept as it is, no crash. */
    const char *argv[] = { "qemu", "-m", NULL };

    check(argv, "/x", "-m", "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/same-args/drops", test_drops_what_must_not_repeat);
    g_test_add_func("/same-args/vmdesc-option", test_drops_own_vmdesc_option);
    g_test_add_func("/same-args/mon-chardev", test_mon_and_its_chardev);
    g_test_add_func("/same-args/option-like-argument",
                    test_argument_that_looks_like_an_option);
    g_test_add_func("/same-args/split-cmdline", test_split_cmdline);
    g_test_add_func("/same-args/truncated", test_truncated_option);
    return g_test_run();
}
