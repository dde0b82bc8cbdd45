/*
 * Thread switch: save the callee-saved registers on the old stack, switch
 * stacks, restore them from the new one. Everything else was saved by the C
 * caller (or by the trap entry when preempted), so this is all it takes.
 * Returns the thread switched away from, for the scheduler's bookkeeping.
 */
	.text

/* struct thread *arch_switch(struct thread *prev, struct thread *next) */
	.globl arch_switch
arch_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)	/* prev->saved_rsp (the first field) */
	movq (%rsi), %rsp	/* next->saved_rsp */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	movq %rdi, %rax
	ret

/* A new thread's first return lands here, with %rax = the previous thread. */
	.globl thread_trampoline
thread_trampoline:
	xorl %ebp, %ebp
	movq %rax, %rdi
	call thread_start
	ud2
