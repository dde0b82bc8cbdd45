/*
 * panic(): for the impossible and for boot failures. Prints the message and
 * a backtrace, then powers off with EXIT_PANIC, marked as a panic on the
 * status port. Anything an application can cause must be an error return
 * instead.
 */
#include <alto/ksyms.h>
#include <alto/power.h>
#include <alto/printk.h>
#include <alto/trace.h>
#include <alto/x86.h>

__noreturn void panic(const char *fmt, ...)
{
	static int nested;
	va_list ap;

	irq_disable();
	printk_panic_mode();
	if (nested++) {
		printk("\nPanic while panicking\n");
		power_off_panic();
	}
	printk("\nKernel panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	backtrace_here();
	trace_dump_panic();
	power_off_panic();
}
