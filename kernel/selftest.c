/*
 * --selftest in the default kernel, which is built without the self tests
 * and their runner: it says where they are. The self-test kernel links the
 * runner (tests/kernel/runner.c), whose selftest_run() replaces this one.
 */
#include <alto/printk.h>
#include <alto/selftest.h>

__attribute__((weak)) int selftest_run(const char *which)
{
	printk("selftest: this kernel is built without self tests; "
	       "they are in build/alto-selftest.elf (make selftest)\n");
	return 1;
}
