/*
 * The checked entry points of include/alto/uaccess.h: range checks in C,
 * the copies themselves in uaccess.S under the exception table, and the
 * table lookup the page-fault path uses to resume after a bad access.
 */
#include <alto/compiler.h>
#include <alto/mm.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/x86.h>
#include <uapi/errno.h>

long uaccess_copy(void *dst, const void *src, size_t n);
long uaccess_clear(void *dst, size_t n);
long uaccess_strncpy(char *dst, const char *src, size_t max);

long uaccess_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new, uint32_t *cur);

long cmpxchg_user32(uint32_t __user *p, uint32_t old, uint32_t new, uint32_t *cur)
{
	if (!user_range_ok(p, sizeof(*p)) || ((uintptr_t)p & 3))
		return -EFAULT;
	return uaccess_cmpxchg32(p, old, new, cur);
}

struct extable_entry {
	uint64_t insn, fixup;
};

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

long copy_from_user(void *dst, const void __user *src, size_t n)
{
	if (!user_range_ok(src, n))
		return -EFAULT;
	return uaccess_copy(dst, src, n);
}

long copy_to_user(void __user *dst, const void *src, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return uaccess_copy(dst, src, n);
}

long clear_user(void __user *dst, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return uaccess_clear(dst, n);
}

long strncpy_from_user(char *dst, const char __user *src, size_t max)
{
	uintptr_t a = (uintptr_t)src;

	if (a >= USER_TOP || max == 0)
		return max ? -EFAULT : -ENAMETOOLONG;
	/* Never read past the end of the application's half. */
	size_t limit = max < USER_TOP - a ? max : USER_TOP - a;
	long n = uaccess_strncpy(dst, src, limit);
	if (n < 0)
		return n;
	if ((size_t)n == limit)
		return limit == max ? -ENAMETOOLONG : -EFAULT;
	return n;
}

/* The entry mapping va in the page tables in use now, or 0 when nothing does. */
static uint64_t current_pte(uintptr_t va)
{
	const uint64_t *table = phys_to_virt(read_cr3() & PTE_ADDR_MASK);

	for (int level = 4; level >= 1; level--) {
		uint64_t e = table[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e & PTE_P))
			return 0;
		if (level == 1 || (e & PTE_PS))
			return e;
		table = phys_to_virt(e & PTE_ADDR_MASK);
	}
	return 0;
}

bool user_peek(const void __user *p, uint64_t *val)
{
	uintptr_t a = (uintptr_t)p;

	if (!user_range_ok(p, 8) || !IS_ALIGNED(a, 8) || !current_pte(a))
		return false;
	*val = *(const volatile uint64_t *)a;
	return true;
}

bool user_code_addr(uintptr_t addr)
{
	uint64_t e = addr && addr < USER_TOP ? current_pte(addr) : 0;

	return e && !(e & PTE_NX);
}

bool extable_fixup(struct trap_frame *f)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			return true;
		}
	}
	return false;
}
