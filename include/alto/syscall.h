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

/* The size of the table: Linux's numbers from 0 to 450. */
#define NR_SYSCALLS 451

/*
 * Entries from arch/x86_64/syscall.S, off its fast path, with the whole
 * frame: syscall_slow makes call f->rax (a watched one, a process exiting
 * or execing, a number without a fast handler) and its exit work;
 * syscall_exit_work does the work the assembly's exit test found. Both
 * return with interrupts off and f ready for the return, or leave through
 * syscall_return_iret.
 */
void syscall_slow(struct trap_frame *f);
void syscall_exit_work(struct trap_frame *f);
/* Leave through iretq from f, the frame at the top of the kernel stack (syscall.S). */
__attribute__((noreturn)) void syscall_return_iret(struct trap_frame *f);
/*
 * The frame of the system call the current thread is in (for rt_sigreturn,
 * clone). Its callee-saved registers (RBX, R12-R15) are stored only for the
 * calls sys/table.c leaves out of syscall_fast and before any
 * exit work: other handlers must read only the rest.
 */
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
