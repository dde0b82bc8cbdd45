/*
 * Symbol lookup over the table that the second kernel link embeds (read by
 * lib/ksyms.c), and the frame-pointer backtrace used by fault reports and
 * panics (the kernel is built with -fno-omit-frame-pointer).
 */
#include <stdbool.h>
#include <alto/ksyms.h>
#include <alto/mm.h>
#include <alto/printk.h>

extern const uint8_t __ksyms_start[];

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset, char *name)
{
	return ksyms_find(__ksyms_start, addr, offset, name);
}

/*
 * A return address may lie just past the end of its function (a call to a
 * noreturn function is often the last instruction), so look up addr - 1.
 */
static void print_frame(int n, uintptr_t addr, bool return_address)
{
	uintptr_t off;
	char buf[KSYM_NAME_MAX];
	const char *name = ksym_lookup(addr - return_address, &off, buf);

	off += return_address;
	if (name)
		printk("  [%d] %016lx %s+0x%lx\n", n, addr, name, off);
	else
		printk("  [%d] %016lx ?\n", n, addr);
}

void backtrace_print(uintptr_t rip, uintptr_t rbp)
{
	int n = 0;

	printk("Backtrace:\n");
	print_frame(n++, rip, false);
	while (n < 32 && rbp && IS_ALIGNED(rbp, 8) && kernel_addr_readable(rbp, 16)) {
		uintptr_t ret = ((uintptr_t *)rbp)[1];
		uintptr_t next = ((uintptr_t *)rbp)[0];
		if (!ret)
			break;
		print_frame(n++, ret, true);
		if (next <= rbp)
			break; /* frames go up the stack; anything else is garbage */
		rbp = next;
	}
}

__noinline void backtrace_here(void)
{
	uintptr_t rbp = (uintptr_t)__builtin_frame_address(0);
	backtrace_print((uintptr_t)__builtin_return_address(0), ((uintptr_t *)rbp)[0]);
}
