/*
 * Stacks for trace events and profile samples, walked through frame
 * pointers (the kernel keeps them: -fno-omit-frame-pointer). Kernel frames
 * are followed while they stay on the current thread's kernel stack; then,
 * for a thread that came from the application, its frames from the state it
 * entered the kernel with (the trap frame at the top of its kernel stack).
 * Application code built without frame pointers (most of a C library) gives
 * its interrupted RIP and then whatever its RBP register holds: a frame is
 * kept only if it lies higher on the stack and returns into executable
 * memory, so the walk stops instead of inventing callers. Everything runs
 * with interrupts off and never faults (application pages are checked
 * in the page tables loaded, which are the running thread's own).
 */
#include <alto/compiler.h>
#include <alto/cpu.h>
#include <alto/sched.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include "trace_internal.h"

static unsigned int kernel_frames(uint64_t *out, unsigned int max, uint64_t rbp)
{
	struct thread *t = current_thread();
	uint64_t lo = t ? (uint64_t)t->stack : 0, hi = t ? lo + t->stack_size : 0;
	unsigned int n = 0;

	while (n < max && rbp >= lo && rbp + 16 <= hi && IS_ALIGNED(rbp, 8)) {
		uint64_t next = ((uint64_t *)rbp)[0], ret = ((uint64_t *)rbp)[1];
		if (!ret)
			break;
		out[n++] = ret;
		if (next <= rbp)
			break;
		rbp = next;
	}
	return n;
}

static unsigned int app_frames(uint64_t *out, unsigned int max, uint64_t rip, uint64_t rbp)
{
	unsigned int n = 0;
	uint64_t next, ret;

	if (!max)
		return 0;
	out[n++] = rip;
	while (n < max && rbp && IS_ALIGNED(rbp, 8) && user_peek((void __user *)rbp, &next) &&
	       user_peek((void __user *)(rbp + 8), &ret) && user_code_addr(ret)) {
		out[n++] = ret;
		if (next <= rbp)
			break;
		rbp = next;
	}
	return n;
}

/*
 * The application part: from the frame the current thread entered the
 * kernel with, read only while CR3 holds the thread's own address space (a
 * leaving thread has let go of it and runs on whatever root is loaded).
 */
static unsigned int entry_frames(uint64_t *out, unsigned int max)
{
	struct thread *t = current_thread();

	if (!t || !t->proc || !t->mm || this_cpu()->mm != t->mm)
		return 0;
	const struct trap_frame *f =
		(const struct trap_frame *)((char *)t->stack + t->stack_size) - 1;
	return f->from_app ? app_frames(out, max, f->rip, f->rbp) : 0;
}

unsigned int trace_stack_here(uint64_t *out, unsigned int max)
{
	/* From trace_emit's frame: the first return address is the tracepoint's site. */
	uint64_t rbp = *(const uint64_t *)__builtin_frame_address(0);
	unsigned int n = kernel_frames(out, max, rbp);

	return n + entry_frames(out + n, max - n);
}

unsigned int trace_stack_of(const struct trap_frame *f, uint64_t *out, unsigned int max)
{
	if (!max)
		return 0;
	if (f->from_app)
		return app_frames(out, max, f->rip, f->rbp);
	out[0] = f->rip;
	unsigned int n = 1 + kernel_frames(out + 1, max - 1, f->rbp);
	return n + entry_frames(out + n, max - n);
}
