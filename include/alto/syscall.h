/*
 * System call handlers. A handler is defined with
 *
 *     SYSCALL_DEFINE(read, int fd, void __user *buf, size_t count) { ... }
 *
 * which declares and defines `long sys_read(...)`. It returns its result or
 * -Exxx. Defining it is all it takes: sys/table.c picks every handler named in
 * sys/syscalls.def up through weak references, and what has no handler
 * answers -ENOSYS with one console line. Arguments arrive in registers as the
 * x86_64 ABI passes them, so narrower parameter types read the low bits.
 */
#ifndef ALTO_SYSCALL_H
#define ALTO_SYSCALL_H

#include <alto/uaccess.h>

#define SYSCALL_DEFINE(name, ...)     \
	long sys_##name(__VA_ARGS__); \
	long sys_##name(__VA_ARGS__)

struct trap_frame;

/*
 * Entry from arch/x86_64/syscall.S: dispatch f->rax with the argument
 * registers; returns with interrupts off, f ready for the fast return.
 */
void syscall_dispatch(struct trap_frame *f);
/* Leave through iretq from f, the frame at the top of the kernel stack (syscall.S). */
__attribute__((noreturn)) void syscall_return_iret(struct trap_frame *f);
/* The frame of the system call the current thread is in (for rt_sigreturn, clone). */
struct trap_frame *syscall_frame(void);
/* The name of system call nr, or NULL. */
const char *syscall_name(unsigned long nr);

/* --strace: print every call with its arguments and result. */
extern bool strace_enabled;

/*
 * Set while anything watches system calls (--strace, a system-call
 * tracepoint, the bootchart); the dispatcher then calls the hooks
 * (sys/syscall_trace.c). Recompute it after changing what watches.
 */
extern bool syscall_hooks;
void syscall_hooks_update(void);
void syscall_hooks_enter(struct trap_frame *f, unsigned long nr);
void syscall_hooks_exit(struct trap_frame *f, unsigned long nr, long ret);

/*
 * The system-call tracepoints, for the tracer's registry (kernel/trace.c):
 * index 2 * nr is the entry of call nr, 2 * nr + 1 its exit; each is made
 * the first time it is asked for, numbered id. NULL where no call has the
 * number; none at all in a kernel built without tracepoints.
 */
struct tracepoint;
unsigned int syscall_tracepoint_count(void);
struct tracepoint *syscall_tracepoint(unsigned int i, uint16_t id);

#endif
