/*
 * The system-call tracepoints, two per call of sys/syscalls.def:
 * sys_enter_NAME with the call's arguments (and the first string argument's
 * text, for paths) and sys_exit_NAME with its result. Their format is the
 * call's argument kinds, which the host decodes as strace would. The
 * dispatcher tests one flag, syscall_hooks, for everything that watches
 * calls (these tracepoints, --strace, the bootchart's first call), so with
 * all of them off a system call pays a single predictable branch.
 */
#include <alto/syscall.h>
#include <alto/trace.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <uapi/errno.h>
#include "internal.h"

#define STR_MAX 128

bool syscall_hooks;

#ifndef ALTO_NO_TRACE
#define SYSCALL(nr, call, kinds)                        \
	[nr] = { { .name = "sys_enter_" #call,          \
		   .fmt = kinds,                        \
		   .nargs = sizeof(kinds) - 1,          \
		   .flags = TP_F_SYSCALL | TP_F_DATA }, \
		 { .name = "sys_exit_" #call, .fmt = kinds, .nargs = 1, .flags = TP_F_SYSCALL } },
static struct tracepoint sys_tp[NR_SYSCALLS][2] = {
#include "syscalls.def"
};
#undef SYSCALL

#define SYSCALL(nr, name, kinds)                                                        \
	static struct tracepoint *const enter_##name __used __section(".tracepoints") = \
		&sys_tp[nr][0];                                                         \
	static struct tracepoint *const exit_##name __used __section(".tracepoints") =  \
		&sys_tp[nr][1];
#include "syscalls.def"
#undef SYSCALL

static bool traced(unsigned long nr, int exit)
{
	return nr < NR_SYSCALLS && sys_tp[nr][exit].enabled;
}
#else
static struct tracepoint sys_tp[1][2];

static bool traced(unsigned long nr, int exit)
{
	return false;
}
#endif

void syscall_hooks_update(void)
{
	bool on = strace_enabled || READ_ONCE(bootchart_waiting);

	for (unsigned int nr = 0; nr < NR_SYSCALLS && !on; nr++)
		on = traced(nr, 0) || traced(nr, 1);
	WRITE_ONCE(syscall_hooks, on);
}

/* The text of the call's first string argument, as far as it can be read. */
static size_t first_string(const struct tracepoint *tp, const uint64_t *args, char *buf)
{
	for (unsigned int i = 0; i < tp->nargs; i++) {
		if (tp->fmt[i] != 's')
			continue;
		long n = strncpy_from_user(buf, (const char __user *)args[i], STR_MAX);
		return n == -ENAMETOOLONG ? STR_MAX : n < 0 ? 0 : (size_t)n;
	}
	return 0;
}

void syscall_hooks_enter(struct trap_frame *f, unsigned long nr)
{
	if (unlikely(READ_ONCE(bootchart_waiting)))
		bootchart_first_syscall(nr);
	if (strace_enabled)
		strace_enter(f, nr);
	if (traced(nr, 0)) {
		const uint64_t args[6] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };
		char text[STR_MAX];
		size_t len = first_string(&sys_tp[nr][0], args, text);
		trace_emit(&sys_tp[nr][0], args, text, len);
	}
}

void syscall_hooks_exit(struct trap_frame *f, unsigned long nr, long ret)
{
	if (strace_enabled)
		strace_exit(f, nr, ret);
	if (traced(nr, 1))
		trace_emit(&sys_tp[nr][1], (const uint64_t *)&ret, NULL, 0);
}
