/*
 * printk: formats into a stack buffer and writes the result to the console
 * in one piece under a lock, so lines from different CPUs do not interleave;
 * printk_note() is printk for the lines --quiet=notes leaves out.
 */
#include <alto/boot.h>
#include <alto/console.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>

static struct spinlock console_lock = SPINLOCK_INIT;
static volatile int panicking;

void console_write(const char *s, size_t len)
{
	unsigned long flags = irq_save();

	if (!panicking)
		spin_lock_noirq(&console_lock);
	console_streams_sync(); /* the program's output before the line, on the host too */
	uart_write(s, len);
	if (!panicking)
		spin_unlock_noirq(&console_lock);
	irq_restore(flags);
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

int printk_note(const char *fmt, ...)
{
	const char *quiet = cmdline_get("quiet");
	va_list ap;

	if (quiet && !strcmp(quiet, "notes"))
		return 0;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

/*
 * From here on the console lock is bypassed: the CPU that panics may hold it,
 * and a garbled line is better than a silent hang.
 */
void printk_panic_mode(void)
{
	panicking = 1;
}
