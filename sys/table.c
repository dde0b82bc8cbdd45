/*
 * The system call table, made from sys/syscalls.def. Each handler is a weak
 * reference: defining sys_<name> anywhere fills its slot, and an empty slot
 * answers -ENOSYS with one console line per call number (as does a number
 * Linux does not have: past the table or in its gaps). Handlers are called
 * with the six argument registers; the x86_64 ABI makes narrower parameter
 * types read just the low bits.
 */
#include <alto/cpu.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/spinlock.h>
#include <alto/syscall.h>
#include <alto/trap.h>
#include <uapi/errno.h>
#include "internal.h"

typedef long (*syscall_fn)(long, long, long, long, long, long);

#define SYSCALL(nr, name, fmt) extern long sys_##name() __attribute__((weak));
#include "syscalls.def"
#undef SYSCALL

const struct syscall_desc syscall_table[NR_SYSCALLS] = {
#define SYSCALL(nr, name, fmt) [nr] = { (void *)sys_##name, #name, fmt },
#include "syscalls.def"
#undef SYSCALL
};

static uint8_t reported[(NR_SYSCALLS + 7) / 8];

/* Numbers Linux does not have (past the table, or in its gaps), each said once. */
#define UNKNOWN_MAX 32
static unsigned long unknown[UNKNOWN_MAX];
static unsigned int nunknown;
static struct spinlock unknown_lock = SPINLOCK_INIT;

const char *syscall_name(unsigned long nr)
{
	return nr < NR_SYSCALLS ? syscall_table[nr].name : NULL;
}

/* True the first time nr is seen (the first UNKNOWN_MAX numbers; then a last line says so). */
static bool first_unknown(unsigned long nr)
{
	unsigned long flags = spin_lock(&unknown_lock);
	bool first = nunknown <= UNKNOWN_MAX;

	for (unsigned int i = 0; first && i < MIN(nunknown, (unsigned int)UNKNOWN_MAX); i++)
		first = unknown[i] != nr;
	if (first && nunknown < UNKNOWN_MAX)
		unknown[nunknown] = nr;
	if (first)
		nunknown++;
	spin_unlock(&unknown_lock, flags);
	return first;
}

static long not_implemented(unsigned long nr)
{
	const char *name = syscall_name(nr);

	if (!name) {
		if (!first_unknown(nr))
			return -ENOSYS;
		if (nunknown > UNKNOWN_MAX)
			printk_note("alto: more unknown system call numbers (not reported)\n");
		else
			printk_note("alto: unknown system call %lu\n", nr);
		return -ENOSYS;
	}
	if (!(__atomic_fetch_or(&reported[nr / 8], 1 << (nr % 8), __ATOMIC_RELAXED) &
	      (1 << (nr % 8))))
		printk_note("alto: system call %s (%lu) is not implemented\n", name, nr);
	return -ENOSYS;
}

struct trap_frame *syscall_frame(void)
{
	return (struct trap_frame *)(this_cpu()->kstack_top - sizeof(struct trap_frame));
}

void syscall_dispatch(struct trap_frame *f)
{
	unsigned long nr = f->rax;
	const struct syscall_desc *d = nr < NR_SYSCALLS ? &syscall_table[nr] : NULL;
	long ret;

	process_check_exiting();
	if (unlikely(syscall_hooks))
		syscall_hooks_enter(f, nr);
	if (d && d->fn)
		ret = ((syscall_fn)d->fn)(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	else
		ret = not_implemented(nr);
	f->rax = ret;
	if (unlikely(syscall_hooks))
		syscall_hooks_exit(f, nr, ret);
	/* Leaving the kernel: a good moment for a switch that is due. */
	if (this_cpu()->need_resched)
		schedule();
	process_check_exiting();
	signal_exit_to_app(f); /* handlers, default actions, restarts */
}
