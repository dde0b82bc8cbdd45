/*
 * The system call entry. The application runs at ring 0, so `syscall` only
 * saves RIP in RCX and RFLAGS in R11, masks IF/DF/TF/AC and jumps here, still
 * on the application's stack (whose red zone must not be touched). We switch
 * to the thread's kernel stack first and build a struct trap_frame like the
 * trap entry does (vector SYSCALL_VECTOR), without the callee-saved RBX and
 * R12-R15: the handler, a C function, keeps them in their registers.
 *
 * The common call (docs/architecture.md, "System calls") is one test at
 * entry and one at exit, each a single branch: a handler in syscall_fast
 * (sys/table.c: implemented, needs no full frame), nothing watching
 * (syscall_hooks) and the thread's work word (thread.work, alto/sched.h:
 * a signal, a switch due, the process exiting or execing...) clear; the
 * handler is called from here, with interrupts on unless syscall_irqs_off
 * says the call is short (it neither blocks nor touches user memory: then
 * they stay off throughout). At exit, with interrupts off: no restart code
 * in RAX and the work word still clear, one load at the generated offset
 * of build/include/generated/asm_offsets.h. Then the registers come back, the
 * flags with IF still off, the stack, the "in application" mark, and `sti;
 * jmp *%rcx`: the STI shadow covers the jump, so no interrupt can land
 * between the two.
 *
 * Every other way goes through C with the whole frame: the callee-saved
 * registers are stored in it first (fork copies them, a signal frame and a
 * core dump record them, rt_sigreturn and execve rewrite them), and the
 * way back pops all fifteen. syscall_slow makes the call and its own exit
 * test; syscall_exit_work does what the exit test found, and only they
 * clear the work word (work_recheck). A frame the
 * kernel rewrote (RCX/R11 no longer RIP/RFLAGS) leaves through
 * syscall_return_iret and iretq instead.
 */
#include <alto/cpu.h>
#include <generated/asm_offsets.h>
#include "frame.inc"

#define SYSCALL_VECTOR 0x100	/* VEC_SYSCALL in alto/trap.h */
#define FROM_APP       (1 << 32)
#define SYSCALL_BARE_NR 0x1a170	/* bench/bench.c's bare-syscall */

/* Store the callee-saved registers in the frame at %rsp: the light entry left their slots. */
	.macro SAVE_CALLEE_SAVED
	movq %rbx, FRAME_RBX(%rsp)
	movq %r12, FRAME_R12(%rsp)
	movq %r13, FRAME_R13(%rsp)
	movq %r14, FRAME_R14(%rsp)
	movq %r15, FRAME_R15(%rsp)
	.endm

/*
 * From the frame's RIP slot, with RCX = RIP and R11 = RFLAGS: the flags back
 * with IF off, the application's stack, then `sti` and the jump in its shadow.
 */
	.macro LEAVE_TO_APP
	pushq %r11
	andq $~0x200, (%rsp)		/* the application's flags, but IF stays off for now */
	popfq
	movq 24(%rsp), %rsp		/* the application's stack */
	movl $1, %gs:CPU_IN_APP
	sti
	jmp *%rcx
	.endm

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
	pushq %rax
	subq $8, %rsp			/* rbx: stored by the slow paths only */
	pushq %rcx			/* = rip, as the frame records it */
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11			/* = rflags */
	subq $32, %rsp			/* r12-r15: stored by the slow paths only */
	xorl %ebp, %ebp			/* backtraces stop here */

	/* The entry test: RAX, RCX and R11 are free (the frame holds them). */
	movl $NR_SYSCALLS, %ecx
	cmpq %rcx, %rax
	cmovaeq %rcx, %rax		/* past the table: its last slot, NULL */
	movq syscall_fast(,%rax,8), %r11
	movq %gs:CPU_CURRENT, %rax
	movl THREAD_WORK(%rax), %ecx	/* exiting or execing sets it too */
	orb syscall_hooks(%rip), %cl
	cmpq $1, %r11			/* CF: no fast handler */
	sbbq %rax, %rax
	orq %rax, %rcx
	jnz .Lslow_entry

	movq %r10, %rcx			/* the fourth argument, as C takes it */
	movq FRAME_ERROR(%rsp), %rax	/* the number, in the table */
	cmpb $0, syscall_irqs_off(%rax)
	jne .Lcall_irqs_off
	sti
	call *%r11
	cli

	/* The exit test, interrupts off: RAX holds the result, the other caller-saved registers are free. */
.Lexit_test:
	movq %gs:CPU_CURRENT, %rcx
	leaq ERESTART_RESTARTBLOCK(%rax), %rsi
	cmpq $(ERESTART_RESTARTBLOCK - ERESTARTSYS + 1), %rsi
	sbbl %esi, %esi			/* all ones for a restart code */
	orl THREAD_WORK(%rcx), %esi	/* the work word: one load */
	jnz .Lexit_slow

	addq $32, %rsp			/* r15-r12: untouched */
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	addq $32, %rsp			/* rbx (untouched), rax (the result), vector, error */
	LEAVE_TO_APP

/* A short call: interrupts stay off throughout, no `sti` and no `cli`. */
.Lcall_irqs_off:
	call *%r11
	jmp .Lexit_test

/* Work at exit: a switch, a signal, a restart, a stop; the result stored, the whole frame back. */
.Lexit_slow:
	movq %rax, FRAME_RAX(%rsp)
	SAVE_CALLEE_SAVED
	movq %rsp, %rdi
	call syscall_exit_work		/* returns with interrupts off, or not at all */
	jmp .Lreturn_full

/* A call the entry test did not pass: syscall_slow does it all (sys/table.c). */
.Lslow_entry:
	SAVE_CALLEE_SAVED
	movq %rsp, %rdi
	sti
	call syscall_slow		/* returns with interrupts off, or not at all */
.Lreturn_full:
	POP_REGS
	addq $16, %rsp			/* vector, error: now at rip, cs, rflags, rsp, ss */
	LEAVE_TO_APP

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
