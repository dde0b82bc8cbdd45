/*
 * The system-call tracepoints, two per call of sys/syscalls.def:
 * sys_enter_NAME with the call's arguments (and the first string argument's
 * text, for paths) and sys_exit_NAME with its result. They are not in the
 * .tracepoints section: the tracer numbers them after the others and asks
 * for them by index (syscall_tracepoint), and their names are composed
 * from the call's (trace_point_name). Their format is the
 * call's argument kinds, which the host decodes as strace would. The
 * dispatcher tests one flag, syscall_hooks, for everything that watches
 * calls (these tracepoints, --strace, the bootchart's first call), so with
 * all of them off a system call pays a single predictable branch.
 */
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/trace.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <uapi/errno.h>
#include "internal.h"

#define STR_MAX 128

bool syscall_hooks;

#ifndef ALTO_NO_TRACE
/*
 * Made when the tracer first asks for them (syscall_tracepoint), from the
 * system call table: the file holds neither the structures nor the
 * sys_enter_/sys_exit_ names (about 40 KiB), and a boot that traces
 * nothing never fills them. Until then every enabled byte is 0.
 */
static struct tracepoint sys_tp[NR_SYSCALLS][2];
static bool sys_tp_made;

static bool traced(unsigned long nr, int exit)
{
	return nr < NR_SYSCALLS && sys_tp[nr][exit].enabled;
}

struct tracepoint *syscall_tracepoint(unsigned int i, uint16_t id)
{
	unsigned int nr = i / 2, exit = i % 2;
	struct tracepoint *tp = &sys_tp[nr][exit];
	const char *kinds = syscall_args(nr);

	if (!kinds)
		return NULL; /* past the table, or a number Linux does not have */
	if (!READ_ONCE(tp->name)) {
		/* Two CPUs filling one at once write the same values. */
		tp->fmt = kinds;
		tp->nargs = exit ? 1 : (uint8_t)strlen(kinds);
		tp->flags = TP_F_SYSCALL | (exit ? TP_F_SYSCALL_EXIT : TP_F_DATA);
		tp->id = id;
		barrier();
		WRITE_ONCE(tp->name, syscall_name(nr));
		WRITE_ONCE(sys_tp_made, true);
	}
	return tp;
}

unsigned int syscall_tracepoint_count(void)
{
	return 2 * NR_SYSCALLS;
}
#else
static struct tracepoint sys_tp[1][2];
static const bool sys_tp_made;

static bool traced(unsigned long nr, int exit)
{
	return false;
}

struct tracepoint *syscall_tracepoint(unsigned int i, uint16_t id)
{
	return NULL;
}

unsigned int syscall_tracepoint_count(void)
{
	return 0;
}
#endif

void syscall_hooks_update(void)
{
	bool on = strace_enabled || READ_ONCE(bootchart_waiting);

	/* No point made, none enabled: the boot, which calls this, skips the loop. */
	for (unsigned int nr = 0; nr < NR_SYSCALLS && !on && READ_ONCE(sys_tp_made); nr++)
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
