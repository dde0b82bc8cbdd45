/*
 * The system call table, made from sys/syscalls.def. Each handler is a weak
 * reference: defining sys_<name> anywhere fills its slot, and an empty slot
 * answers -ENOSYS with one console line per call number (as does a number
 * Linux does not have: past the table or in its gaps). Handlers are called
 * with the six argument registers; the x86_64 ABI makes narrower parameter
 * types read just the low bits.
 *
 * The common call never comes here: arch/x86_64/syscall.S calls the
 * handler in syscall_fast itself. This file has the tables it reads, and
 * the slow ways with the whole frame: syscall_slow, syscall_exit_work.
 */
#include <alto/cpu.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/spinlock.h>
#include <alto/syscall.h>
#include <alto/string.h>
#include <alto/trap.h>
#include <uapi/errno.h>
#include "internal.h"

typedef long (*syscall_fn)(long, long, long, long, long, long);

#define SYSCALL(nr, name, fmt) extern long sys_##name() __attribute__((weak));
#include "syscalls.def"
#undef SYSCALL

/*
 * The names and argument kinds, which only --strace, tracing and the
 * -ENOSYS report read, as one block of strings ("read\0dpu\0write\0...")
 * and a 16-bit offset per number: two pointers per call would take 5 KiB
 * more. The block is a struct of character arrays, so the compiler lays
 * it out and offsetof() finds each name; offset 0 (the leading byte) marks
 * a number Linux does not have.
 */
struct syscall_strings {
	char none;
#define SYSCALL(nr, name, fmt) char name##_name[sizeof(#name)], name##_args[sizeof(fmt)];
#include "syscalls.def"
#undef SYSCALL
};

static const struct syscall_strings strings = {
	0,
#define SYSCALL(nr, name, fmt) #name, fmt,
#include "syscalls.def"
#undef SYSCALL
};
_Static_assert(sizeof(strings) <= UINT16_MAX, "syscall names past 16-bit offsets");

static const uint16_t name_at[NR_SYSCALLS] = {
#define SYSCALL(nr, name, fmt) [nr] = offsetof(struct syscall_strings, name##_name),
#include "syscalls.def"
#undef SYSCALL
};

/* The call numbers, by name: SYSNR(fork) is 57. */
enum {
#define SYSCALL(nr, name, fmt) SYSNR_##name = nr,
#include "syscalls.def"
#undef SYSCALL
};
#define SYSNR(name) SYSNR_##name

/* The calls that read or rewrite the whole frame: fork and clone copy it, execve and rt_sigreturn
 * rewrite it. */
#define FULL_FRAME_CALLS(X) \
	X(fork) X(vfork) X(clone) X(clone3) X(execve) X(execveat) X(rt_sigreturn)

/*
 * The one table of handlers. syscall.S calls them itself, from a frame
 * without the callee-saved registers: every implemented call but the
 * FULL_FRAME_CALLS, NULL here, which syscall_slow finds by handler().
 * The last slot, for numbers past the table, is NULL.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
void *const syscall_fast[NR_SYSCALLS + 1] = {
#define SYSCALL(nr, name, fmt) [nr] = (void *)sys_##name,
#include "syscalls.def"
#undef SYSCALL
#define LEFT_OUT(name) [SYSNR(name)] = NULL,
	FULL_FRAME_CALLS(LEFT_OUT)
#undef LEFT_OUT
};
#pragma GCC diagnostic pop

/* The handler of nr, NULL for none: syscall_fast's, or a full-frame call's. */
static void *handler(unsigned long nr)
{
	if (nr >= NR_SYSCALLS)
		return NULL;
	if (syscall_fast[nr])
		return syscall_fast[nr];
	switch (nr) {
#define FULL_FRAME(name)  \
	case SYSNR(name): \
		return (void *)sys_##name;
		FULL_FRAME_CALLS(FULL_FRAME)
#undef FULL_FRAME
	}
	return NULL;
}

/*
 * Calls short enough to run with interrupts off (syscall.S skips the
 * entry's `sti` and the exit's `cli`): they neither block, nor touch user
 * memory (a fault may sleep), nor loop; or, read and write, they turn
 * interrupts on themselves for anything but that, and off again before
 * returning. Nonzero for these.
 */
const uint8_t syscall_irqs_off[NR_SYSCALLS + 1] = {
	[SYSNR(getpid)] = 1,
	[SYSNR(gettid)] = 1,
	[SYSNR(getppid)] = 1,
	/* Only for /dev/null's direct ops: sys/file.c turns them on for the rest. */
	[SYSNR(read)] = 1,
	[SYSNR(write)] = 1,
};

static uint8_t reported[(NR_SYSCALLS + 7) / 8];

/* Numbers Linux does not have (past the table, or in its gaps), each said once. */
#define UNKNOWN_MAX 32
static unsigned long unknown[UNKNOWN_MAX];
static unsigned int nunknown;
static struct spinlock unknown_lock = SPINLOCK_INIT;

const char *syscall_name(unsigned long nr)
{
	return nr < NR_SYSCALLS && name_at[nr] ? &strings.none + name_at[nr] : NULL;
}

const char *syscall_args(unsigned long nr)
{
	const char *name = syscall_name(nr);

	return name ? name + strlen(name) + 1 : NULL;
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

/* RCX and R11 no longer what `syscall` left there: RIP and RFLAGS. */
static inline unsigned long frame_rewritten(const struct trap_frame *f)
{
	return (f->rip ^ f->rcx) | (f->rflags ^ f->r11);
}

/* A restart code in RAX: signal_exit_to_app restarts or fails the call. */
static inline unsigned long restart_code(const struct trap_frame *f)
{
	return f->rax + ERESTART_RESTARTBLOCK <= ERESTART_RESTARTBLOCK - ERESTARTSYS;
}

/*
 * With interrupts off: clear the thread's work word, then look at what it
 * stands for (a switch due, signal_exit_work) and set it again if something
 * is there. The clear is a full barrier, and whoever makes work sets the
 * word after making it: either we see the work, or the word ends up set.
 */
static unsigned long work_recheck(void)
{
	struct thread *t = current_thread();

	__atomic_and_fetch(&t->work, 0, __ATOMIC_SEQ_CST);
	unsigned long work = this_cpu()->need_resched | signal_exit_work();
	if (work)
		thread_work_set(t, THREAD_WORK_SIGNAL);
	return work;
}

/*
 * Leaving the kernel with work to do: the thread's work word (the
 * assembly's exit test) or a restart code, or a frame the call rewrote
 * (rt_sigreturn, execve). A switch due, then signal_exit_to_app; the work
 * runs with interrupts on, once, and work_recheck leaves the word set for
 * the next exit if more came meanwhile. A frame whose RCX and R11 no
 * longer hold its RIP and RFLAGS (a handler's frame built here, a restart,
 * a rewrite) cannot return the way `syscall` came: iretq restores it all.
 * Otherwise returns with interrupts off.
 */
void syscall_exit_work(struct trap_frame *f)
{
	irq_enable();
	if (this_cpu()->need_resched)
		schedule();
	process_check_exiting();
	signal_exit_to_app(f); /* handlers, default actions, restarts */
	irq_disable();
	work_recheck();
	if (frame_rewritten(f))
		syscall_return_iret(f);
}

/*
 * A call the assembly's entry test did not pass: watched (--strace,
 * tracepoints), with the thread's work word set (the process exiting or
 * execing among others), without a handler, or one left out of
 * syscall_fast. The whole call, then the exit test on the real state.
 */
void syscall_slow(struct trap_frame *f)
{
	unsigned long nr = f->rax;
	long ret;

	process_check_exiting();
	if (syscall_hooks)
		syscall_hooks_enter(f, nr);
	void *fn = handler(nr);
	if (fn)
		ret = ((syscall_fn)fn)(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	else
		ret = not_implemented(nr);
	f->rax = ret;
	if (syscall_hooks)
		syscall_hooks_exit(f, nr, ret);
	irq_disable();
	if (work_recheck() | restart_code(f) | frame_rewritten(f))
		syscall_exit_work(f);
}
