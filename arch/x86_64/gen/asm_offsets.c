/*
 * The structure offsets the assembly reads (arch/x86_64/syscall.S), worked
 * out by the compiler: this file is compiled to assembly only (-S, never
 * linked), and the Makefile turns each "@@OFFSET name value" line of that
 * output into "#define name value" in build/include/generated/asm_offsets.h.
 */
#include <stddef.h>
#include <alto/cpu.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <alto/trap.h>

#define OFFSET(name, type, field) \
	__asm__ __volatile__("\n@@OFFSET " #name " %c0" : : "i"(offsetof(type, field)))
#define VALUE(name, value)	__asm__ __volatile__("\n@@OFFSET " #name " %c0" : : "i"(value))
#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)

/* The assembly loads these with 1-byte and 8-byte moves. */
_Static_assert(FIELD_SIZE(struct cpu, need_resched) == 1, "byte");
_Static_assert(FIELD_SIZE(struct thread, sig.restore_mask) == 1, "byte");
_Static_assert(FIELD_SIZE(struct process, exiting) == 1, "byte");
_Static_assert(FIELD_SIZE(struct process, stopped) == 1, "byte");
_Static_assert(FIELD_SIZE(struct thread, sigmask) == 8, "quad");
_Static_assert(FIELD_SIZE(struct thread, sig.pending.set) == 8, "quad");
_Static_assert(FIELD_SIZE(struct process, shared_pending.set) == 8, "quad");

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(CPU_NEED_RESCHED, struct cpu, need_resched);
	OFFSET(THREAD_PROC, struct thread, proc);
	OFFSET(THREAD_SIGMASK, struct thread, sigmask);
	OFFSET(THREAD_SIG_PENDING, struct thread, sig.pending.set);
	OFFSET(THREAD_SIG_RESTORE_MASK, struct thread, sig.restore_mask);
	OFFSET(PROC_SHARED_PENDING, struct process, shared_pending.set);
	OFFSET(PROC_EXITING, struct process, exiting);
	OFFSET(PROC_STOPPED, struct process, stopped);
	OFFSET(PROC_EXEC_THREAD, struct process, exec_thread);
	OFFSET(FRAME_RBX, struct trap_frame, rbx);
	OFFSET(FRAME_R12, struct trap_frame, r12);
	OFFSET(FRAME_R13, struct trap_frame, r13);
	OFFSET(FRAME_R14, struct trap_frame, r14);
	OFFSET(FRAME_R15, struct trap_frame, r15);
	OFFSET(FRAME_RAX, struct trap_frame, rax);
	OFFSET(FRAME_ERROR, struct trap_frame, error);
	VALUE(NR_SYSCALLS, NR_SYSCALLS);
	VALUE(ERESTARTSYS, ERESTARTSYS);
	VALUE(ERESTART_RESTARTBLOCK, ERESTART_RESTARTBLOCK);
}
