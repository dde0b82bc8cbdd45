/*
 * The system call table, made from sys/syscalls.def. Each handler is a weak
 * reference: defining sys_<name> anywhere fills its slot, and an empty slot
 * answers -ENOSYS with one console line per call number. Handlers are called
 * with the six argument registers; the x86_64 ABI makes narrower parameter
 * types read just the low bits.
 */
#include <alto/cpu.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
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

const char *syscall_name(unsigned long nr)
{
	return nr < NR_SYSCALLS ? syscall_table[nr].name : NULL;
}

static long not_implemented(unsigned long nr)
{
	if (nr >= NR_SYSCALLS) {
		printk("alto: unknown system call %lu\n", nr);
		return -ENOSYS;
	}
	if (!(reported[nr / 8] & (1 << (nr % 8)))) {
		reported[nr / 8] |= 1 << (nr % 8);
		printk("alto: system call %s (%lu) is not implemented\n", syscall_table[nr].name,
		       nr);
	}
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
