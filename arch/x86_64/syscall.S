/*
 * The system call entry. The application runs at ring 0, so `syscall` only
 * saves RIP in RCX and RFLAGS in R11, masks IF/DF/TF/AC and jumps here, still
 * on the application's stack (whose red zone must not be touched). We switch
 * to the thread's kernel stack first, build a struct trap_frame like the trap
 * entry does (vector SYSCALL_VECTOR), and call syscall_dispatch with
 * interrupts on.
 *
 * The way back is a plain jump: syscall_dispatch returns with interrupts off
 * once nothing is left to do (sys/table.c), flags restored with IF still off,
 * the stack switched back, the "in application" mark set, then `sti; jmp
 * *%rcx`: the STI shadow covers the jump, so no interrupt can land between
 * the two. When the kernel rewrote the frame so that RCX/R11 no longer match
 * RIP/RFLAGS (a signal frame, rt_sigreturn, execve), syscall_dispatch leaves
 * through syscall_return_iret and iretq instead.
 */
#include <alto/cpu.h>
#include "frame.inc"

#define SYSCALL_VECTOR 0x100	/* VEC_SYSCALL in alto/trap.h */
#define FROM_APP       (1 << 32)
#define SYSCALL_BARE_NR 0x1a170	/* bench/bench.c's bare-syscall */

	.text
	.globl syscall_entry
syscall_entry:
#ifdef ALTO_BARE_SYSCALL
	cmpl $SYSCALL_BARE_NR, %eax
	je syscall_bare
#endif
	movq %rsp, %gs:CPU_SCRATCH
	movq %gs:CPU_KSTACK_TOP, %rsp
	pushq $0x10			/* ss */
	pushq %gs:CPU_SCRATCH		/* rsp */
	pushq %r11			/* rflags */
	pushq $0x08			/* cs */
	pushq %rcx			/* rip */
	pushq %rax			/* error: the call's number, for a restart */
	pushq $SYSCALL_VECTOR		/* vector ... */
	movl $1, 4(%rsp)		/* ... from_app */
	movl $0, %gs:CPU_IN_APP
	PUSH_REGS			/* rcx = rip and r11 = rflags, as the frame records them */
	xorl %ebp, %ebp			/* backtraces stop here */
	movq %rsp, %rdi
	sti				/* its shadow holds one instruction: the call */
	call syscall_dispatch		/* returns with interrupts off, rcx = rip, r11 = rflags */
	POP_REGS
	addq $16, %rsp			/* vector, error: now at rip, cs, rflags, rsp, ss */
	pushq %r11
	andq $~0x200, (%rsp)		/* the application's flags, but IF stays off for now */
	popfq
	movq 24(%rsp), %rsp		/* the application's stack */
	movl $1, %gs:CPU_IN_APP
	sti
	jmp *%rcx

/*
 * void syscall_return_iret(struct trap_frame *f): a frame the kernel
 * rewrote (a signal handler's, rt_sigreturn's, execve's) goes back through
 * iretq, which restores everything. f is the frame at the top of the
 * kernel stack: the C frames above it are dropped.
 */
	.globl syscall_return_iret
syscall_return_iret:
	movq %rdi, %rsp
	jmp trap_return

#ifdef ALTO_BARE_SYSCALL
/*
 * The floor the benchmark compares with (make kernel-bare, bench/run.py's
 * "bare syscall" row): what any return must do, and nothing else. The
 * stack moves off the red zone, the flags come back with IF off until the
 * STI shadow covers the jump. Returns 0.
 */
syscall_bare:
	movq %rsp, %gs:CPU_SCRATCH
	movq %gs:CPU_KSTACK_TOP, %rsp
	pushq %r11
	andq $~0x200, (%rsp)
	popfq
	movq %gs:CPU_SCRATCH, %rsp
	xorl %eax, %eax
	sti
	jmp *%rcx
#endif

/*
 * void arch_enter_app_frame(const struct trap_frame *f): run application code
 * from a copy of f (a new thread: its parent's registers). f must not lie in
 * the top of the kernel stack, which the copy overwrites along with the C
 * frames that called us.
 */
	.globl arch_enter_app_frame
arch_enter_app_frame:
	cli
	movq %gs:CPU_KSTACK_TOP, %rsp
	subq $(22 * 8), %rsp
	movq %rsp, %rax
	movl $22, %ecx
1:	movq (%rdi), %rdx
	movq %rdx, (%rax)
	addq $8, %rdi
	addq $8, %rax
	decl %ecx
	jnz 1b
	movl $1, (15 * 8 + 4)(%rsp)	/* from_app */
	jmp trap_return

/*
 * void arch_enter_app(uint64_t entry, uint64_t sp): start running application
 * code at entry with the stack at sp and every register zero, as Linux starts
 * a program. The frame is built at the top of the thread's kernel stack,
 * where the C frames that called us live: nothing returns here.
 */
	.globl arch_enter_app
arch_enter_app:
	cli
	movq %gs:CPU_KSTACK_TOP, %rsp
	pushq $0x10			/* ss */
	pushq %rsi			/* rsp */
	pushq $0x202			/* rflags: IF */
	pushq $0x08			/* cs */
	pushq %rdi			/* rip */
	pushq $0			/* error */
	movq $FROM_APP, %rax
	pushq %rax			/* vector 0, from_app */
	xorl %eax, %eax
	.rept 15
	pushq %rax			/* the general registers */
	.endr
	jmp trap_return
