/* Unit tests for the disk record format and its checker (disk-verify.h). */
#include "disk-verify.h"

#define BOOT 0x1234abcd5678ef00ULL

/* An image of @n slots with records 0..@written-1 of boot BOOT. */
static struct disk_record *image(guint n, guint written)
{
    struct disk_record *img = g_new0(struct disk_record, n);

    for (guint i = 0; i < written; i++) {
        disk_record_fill(&img[i], i, BOOT, 1000 + i);
    }
    return img;
}

static void console(DiskVerify *v, guint acked)
{
    g_autofree char *start = g_strdup_printf("12.5 0 DISK-START vda slots=64 "
                                             "record=512 boot=%016llx",
                                             (unsigned long long)BOOT);

    disk_verify_console_line(v, start);
    disk_verify_console_line(v, "12.6 0 HB seq=3 pass=0 verified=1 bad=0");
    disk_verify_console_line(v, "12.7 0 DISK-START vdb slots=64 record=512 boot=77");
    disk_verify_console_line(v, "12.8 0 DISK vdb seq=0");
    disk_verify_console_line(v, "12.9 0 DISK vdb seq=5");   /* another disk's */
    for (guint i = 0; i < acked; i++) {
        g_autofree char *l = g_strdup_printf("13.%u 1 DISK vda seq=%u", i, i);
        disk_verify_console_line(v, l);
    }
}

static void verify(DiskVerify *v, const struct disk_record *img, guint n)
{
    for (guint i = 0; i < n; i++) {
        disk_verify_slot(v, &img[i]);
    }
}

static void test_record_roundtrip(void)
{
    struct disk_record r, copy;

    disk_record_fill(&r, 42, BOOT, 7);
    g_assert_cmpint(disk_record_check(&r, 42, BOOT), ==, DISK_RECORD_OK);
    g_assert_cmpint(disk_record_check(&r, 42, 0), ==, DISK_RECORD_OK);
    g_assert_cmpint(disk_record_check(&r, 43, BOOT), ==, DISK_RECORD_WRONG_SEQ);
    g_assert_cmpint(disk_record_check(&r, 42, BOOT + 1), ==, DISK_RECORD_WRONG_BOOT);
    copy = r;
    copy.payload[100] ^= 1;
    g_assert_cmpint(disk_record_check(&copy, 42, BOOT), ==, DISK_RECORD_BAD_CHECKSUM);
    copy = r;
    copy.magic ^= 1;
    g_assert_cmpint(disk_record_check(&copy, 42, BOOT), ==, DISK_RECORD_BAD_MAGIC);
    memset(&copy, 0, sizeof(copy));
    g_assert_cmpint(disk_record_check(&copy, 42, BOOT), ==, DISK_RECORD_EMPTY);
}

/* Records written beyond the last report (not yet reported) are fine. */
static void test_all_present(void)
{
    g_autofree struct disk_record *img = image(64, 20);
    DiskVerify v;

    disk_verify_init(&v, "vda");
    console(&v, 18);
    verify(&v, img, 64);
    g_assert_cmpuint(v.acked, ==, 18);
    g_assert_cmpuint(v.present, ==, 20);
    g_assert_cmpuint(disk_verify_lost(&v), ==, 0);
    g_assert_true(disk_verify_ok(&v));
    g_assert_true(v.have_first_problem);
    g_assert_cmpuint(v.first_problem_slot, ==, 20);
    g_assert_cmpint(v.first_problem, ==, DISK_RECORD_EMPTY);

    /* The other disk's reports are its own. */
    disk_verify_init(&v, "vdb");
    console(&v, 18);
    g_assert_cmpuint(v.acked, ==, 6);
    g_assert_cmpuint(v.ack_breaks, ==, 1);
    g_assert_cmpuint(v.console_boot_id, ==, 0x77);
}

static void test_lost_tail(void)
{
    g_autofree struct disk_record *img = image(64, 15);
    g_autoptr(JsonNode) n = NULL;
    DiskVerify v;

    disk_verify_init(&v, "vda");
    console(&v, 18);
    verify(&v, img, 64);
    g_assert_cmpuint(disk_verify_lost(&v), ==, 3);
    g_assert_false(disk_verify_ok(&v));
    n = disk_verify_to_json(&v);
    g_assert_cmpint(json_object_get_int_member(json_node_get_object(n), "lost"), ==, 3);
    g_assert_false(json_object_get_boolean_member(json_node_get_object(n), "ok"));
}

static void test_damaged_and_out_of_order(void)
{
    g_autofree struct disk_record *img = image(64, 20);
    DiskVerify v;

    img[5].payload[0] ^= 0xff;                  /* torn or corrupted */
    disk_verify_init(&v, "vda");
    console(&v, 10);
    verify(&v, img, 64);
    g_assert_cmpuint(v.present, ==, 5);
    g_assert_cmpuint(disk_verify_lost(&v), ==, 5);
    g_assert_cmpuint(v.damaged, ==, 1);
    g_assert_cmpuint(v.after_hole, ==, 14);
    g_assert_cmpint(v.first_problem, ==, DISK_RECORD_BAD_CHECKSUM);
    g_assert_false(disk_verify_ok(&v));

    /* A hole with later records present: written out of order. */
    g_autofree struct disk_record *img2 = image(64, 20);
    memset(&img2[3], 0, sizeof(img2[3]));
    disk_verify_init(&v, "vda");
    console(&v, 2);
    verify(&v, img2, 64);
    g_assert_cmpuint(disk_verify_lost(&v), ==, 0);
    g_assert_cmpuint(v.after_hole, ==, 16);
    g_assert_false(disk_verify_ok(&v));
}

static void test_wrong_slot_and_boot(void)
{
    g_autofree struct disk_record *img = image(64, 10);
    DiskVerify v;

    img[4] = img[3];                            /* a record in the wrong slot */
    disk_verify_init(&v, "vda");
    console(&v, 10);
    verify(&v, img, 64);
    g_assert_cmpint(v.first_problem, ==, DISK_RECORD_WRONG_SEQ);
    g_assert_cmpuint(disk_verify_lost(&v), ==, 6);

    /* An image left by another boot does not pass for this one. */
    disk_record_fill(&img[4], 4, BOOT ^ 1, 0);
    disk_verify_init(&v, "vda");
    console(&v, 10);
    verify(&v, img, 64);
    g_assert_cmpint(v.first_problem, ==, DISK_RECORD_WRONG_BOOT);
    g_assert_false(disk_verify_ok(&v));
}

static void test_console_anomalies(void)
{
    g_autofree struct disk_record *img = image(64, 10);
    DiskVerify v;

    disk_verify_init(&v, "vda");
    console(&v, 5);
    disk_verify_console_line(&v, "14.0 1 DISK vda seq=7");     /* a report lost */
    verify(&v, img, 64);
    g_assert_cmpuint(v.acked, ==, 8);
    g_assert_cmpuint(v.ack_breaks, ==, 1);
    g_assert_false(disk_verify_ok(&v));

    disk_verify_init(&v, "vda");
    console(&v, 3);
    console(&v, 3);                                          /* writer restarted */
    verify(&v, img, 64);
    g_assert_cmpuint(v.writer_starts, ==, 2);
    g_assert_false(disk_verify_ok(&v));

    /* Nothing reported, nothing written: consistent, and nothing lost. */
    g_autofree struct disk_record *blank = image(8, 0);
    disk_verify_init(&v, "vda");
    verify(&v, blank, 8);
    g_assert_true(disk_verify_ok(&v));
    g_assert_cmpuint(v.present, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/disk-record/roundtrip", test_record_roundtrip);
    g_test_add_func("/disk-verify/all-present", test_all_present);
    g_test_add_func("/disk-verify/lost-tail", test_lost_tail);
    g_test_add_func("/disk-verify/damaged-and-out-of-order", test_damaged_and_out_of_order);
    g_test_add_func("/disk-verify/wrong-slot-and-boot", test_wrong_slot_and_boot);
    g_test_add_func("/disk-verify/console-anomalies", test_console_anomalies);
    return g_test_run();
}
