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

/* The assembly loads it with a 4-byte move. */
_Static_assert(FIELD_SIZE(struct thread, work) == 4, "long");

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(THREAD_WORK, struct thread, work);
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
