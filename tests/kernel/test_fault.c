/*
 * Manual self tests that end the VM on purpose, to prove that faults are
 * reported (vector, CR2, registers, symbolized backtrace) and turn into a
 * failure status instead of a hang: --selftest=fault, --selftest=panic,
 * --selftest=stack_overflow.
 */
#include <alto/selftest.h>

/* Not static and not inlined: the backtrace must name these functions. */
__noinline int selftest_fault_deref(volatile int *p);
__noinline int selftest_fault_deref(volatile int *p)
{
	return *p;
}

SELFTEST_MANUAL(fault)
{
	volatile int *null = NULL;

	printk("selftest fault: reading address 0 (a report and a failure status follow)\n");
	return selftest_fault_deref(null);
}

SELFTEST_MANUAL(panic)
{
	panic("selftest: a deliberate panic");
}

static volatile int recurse_limit = 1 << 30; /* far deeper than any stack */

__noinline int selftest_recurse(volatile char *prev, int depth);
__noinline int selftest_recurse(volatile char *prev, int depth)
{
	volatile char buf[512];

	buf[0] = (char)depth;
	if (prev)
		buf[1] = prev[0];
	if (depth == recurse_limit)
		return 0;
	return selftest_recurse(buf, depth + 1) + buf[1];
}

SELFTEST_MANUAL(stack_overflow)
{
	printk("selftest stack_overflow: recursing until the guard page\n");
	return selftest_recurse(NULL, 0);
}

/* Never ends: the host tool's --timeout must stop the VM. */
SELFTEST_MANUAL(hang)
{
	static volatile bool forever = true;

	printk("selftest hang: spinning forever\n");
	while (forever)
		;
	return -1;
}
