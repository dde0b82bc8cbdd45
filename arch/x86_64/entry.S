/*
 * Interrupt and exception entry. Every vector arrives on an IST stack, because
 * application code keeps live data in the 128-byte red zone below RSP and the
 * CPU would otherwise push its frame right there. The trampoline then moves the
 * frame to the stack the handler should really run on (the thread's empty
 * kernel stack if application code was interrupted, the interrupted stack if
 * kernel code was) so handlers may nest, fault, sleep and switch threads.
 * NMI, #DF and #MC stay on IST stacks of their own: they may arrive anywhere.
 */
#include <alto/cpu.h>
#include "frame.inc"

	.section .text.entry, "ax"

/* 256 stubs of 16 bytes each: push a dummy error code where the CPU pushes none. */
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushq $0
	.endif
	pushq $vec
	.if vec == 2 || vec == 8 || vec == 18
	jmp trap_direct
	.else
	jmp trap_trampoline
	.endif
	.set vec, vec + 1
	.endr

/*
 * On the IST stack: 0 vector, 8 error, 16 rip, 24 cs, 32 rflags, 40 rsp, 48 ss.
 * Interrupts are off (interrupt gates), so nothing else uses this stack until
 * we leave it.
 */
	.globl trap_trampoline
trap_trampoline:
	pushq %rax
	pushq %rcx
	/* A fault while copying the frame (kernel stack overflow) cannot be handled here. */
	movq 32(%rsp), %rax
	leaq trap_trampoline(%rip), %rcx
	cmpq %rcx, %rax
	jb 1f
	leaq trap_trampoline_switched(%rip), %rcx
	cmpq %rcx, %rax
	jb trap_nested
1:	cmpl $0, %gs:CPU_IN_APP
	jne 2f
	/* Kernel code was interrupted: continue just below its stack pointer. */
	movq 56(%rsp), %rax
	andq $-16, %rax
	subq $56, %rax
	movq 16(%rsp), %rcx
	movq %rcx, 0(%rax)
	jmp 3f
2:	/* Application code was interrupted: its thread's kernel stack is empty. */
	movl $0, %gs:CPU_IN_APP
	movq %gs:CPU_KSTACK_TOP, %rax
	subq $56, %rax
	movq 16(%rsp), %rcx
	movq %rcx, 0(%rax)
	movl $1, 4(%rax)
3:	movq 24(%rsp), %rcx
	movq %rcx, 8(%rax)
	movq 32(%rsp), %rcx
	movq %rcx, 16(%rax)
	movq 40(%rsp), %rcx
	movq %rcx, 24(%rax)
	movq 48(%rsp), %rcx
	movq %rcx, 32(%rax)
	movq 56(%rsp), %rcx
	movq %rcx, 40(%rax)
	movq 64(%rsp), %rcx
	movq %rcx, 48(%rax)
	movq (%rsp), %rcx
	xchgq %rax, %rsp
trap_trampoline_switched:
	movq 8(%rax), %rax
	PUSH_REGS
	movq %rsp, %rdi
	call trap_dispatch
	.globl trap_return
trap_return:
	POP_REGS
	cmpl $0, 4(%rsp)
	je 4f
	movl $1, %gs:CPU_IN_APP
4:	addq $16, %rsp
	iretq

trap_nested:
	popq %rcx
	popq %rax
	/* fall through: report it from the IST stack */

/* NMI, double fault, machine check and nested faults: handled on the IST stack. */
trap_direct:
	PUSH_REGS
	movq %rsp, %rdi
	call trap_direct_dispatch
	POP_REGS
	addq $16, %rsp
	iretq
