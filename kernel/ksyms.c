/*
 * Symbol lookup over the table that the second kernel link embeds, and the
 * frame-pointer backtrace used by fault reports and panics (the kernel is
 * built with -fno-omit-frame-pointer).
 */
#include <stdbool.h>
#include <alto/ksyms.h>
#include <alto/mm.h>
#include <alto/printk.h>

extern const struct ksyms_header __ksyms_start[];

static const struct ksym *table(void)
{
	return (const struct ksym *)(__ksyms_start + 1);
}

static const char *name_of(const struct ksym *s)
{
	const char *names = (const char *)(table() + __ksyms_start->count);
	return names + s->name;
}

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	const struct ksym *t = table();
	uint64_t lo = 0, hi = __ksyms_start->count;

	/* Find the last symbol at or below addr. */
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (t[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct ksym *s = &t[lo - 1];
	if (s->size && addr >= s->addr + s->size)
		return NULL;
	*offset = addr - s->addr;
	return name_of(s);
}

/*
 * A return address may lie just past the end of its function (a call to a
 * noreturn function is often the last instruction), so look up addr - 1.
 */
static void print_frame(int n, uintptr_t addr, bool return_address)
{
	uintptr_t off;
	const char *name = ksym_lookup(addr - return_address, &off);

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
