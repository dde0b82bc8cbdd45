/*
 * Host tests of the virtio-mmio device descriptions on the kernel command
 * line (drivers/virtio/mmio_desc.c): the forms QEMU's microvm and
 * Firecracker write, and Linux's variants (a size suffix, decimal base, a
 * trailing device id), read into base, size and IRQ; and every malformed
 * or impossible word refused, leaving the output untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/virtio/mmio_desc.h"

static void expect_desc(const char *s, uint64_t base, uint64_t size, uint32_t irq)
{
	struct virtio_mmio_desc d = { 0 };

	assert_int_equal(virtio_mmio_parse_desc(s, &d), 0);
	assert_int_equal(d.base, base);
	assert_int_equal(d.size, size);
	assert_int_equal(d.irq, irq);
}

static void test_accepted(void **state)
{
	(void)state;
	/* QEMU's microvm with acpi=off, and Firecracker's form. */
	expect_desc("512@0xfeb00e00:12", 0xfeb00e00, 512, 12);
	expect_desc("4K@0xd0000000:5", 0xd0000000, 4096, 5);
	/* Linux's variants: other suffixes, decimal numbers, a device id after the IRQ. */
	expect_desc("1M@4275047936:23", 4275047936ull, 1 << 20, 23);
	expect_desc("0x200@0xfeb00000:10:3", 0xfeb00000, 0x200, 10);
	expect_desc("1G@0x100000000:4294967295", 0x100000000ull, 1ull << 30, 0xffffffffu);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"512",			   /* no base, no IRQ */
		"512@0xfeb00e00",	   /* no IRQ */
		"@0xfeb00e00:12",	   /* no size */
		"512@:12",		   /* no base */
		"512@0xfeb00e00:",	   /* empty IRQ */
		"512@0xfeb00e00:12x",	   /* trailing text */
		"512@0xfeb00e00:12:",	   /* empty device id */
		"512@0xfeb00e00:12:3:4",   /* too many parts */
		"512Q@0xfeb00e00:12",	   /* unknown suffix */
		"0@0xfeb00e00:12",	   /* an empty window */
		"4K@0xfffffffffffff800:5", /* past the end of the address space */
		"512@0xfeb00e00:4294967296",
		"512@0xfeb00e00:-1",
		"512 @0xfeb00e00:12",
		"99999999999999999999999@0:1",
		"512@0x00000000000000000000000000000000000000000000000000000000000000feb00e00:12",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtio_mmio_desc d = { .base = 1, .size = 2, .irq = 3 };
		print_message("refusing \"%s\"\n", bad[i]);
		assert_int_not_equal(virtio_mmio_parse_desc(bad[i], &d), 0);
		assert_int_equal(d.base, 1);
		assert_int_equal(d.size, 2);
		assert_int_equal(d.irq, 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests_name("mmio_desc", tests, NULL, NULL);
}
