/*
 * Copies to and from application memory. Each instruction that touches the
 * application's side has an entry in the exception table (__ex_table: the
 * instruction, then where to continue), so a fault the page-fault handler
 * cannot resolve turns into a -EFAULT return instead of a kernel crash.
 * Bulk copies go 8 bytes at a time: QEMU's TCG runs rep movs one element at
 * a time.
 */
#define EFAULT 14

	.macro EXTABLE insn, fixup
	.pushsection __ex_table, "a"
	.balign 8
	.quad \insn, \fixup
	.popsection
	.endm

	.text

/* long uaccess_copy(void *dst, const void *src, size_t n): 0 or -EFAULT */
	.globl uaccess_copy
uaccess_copy:
	movq %rdx, %rcx
	shrq $3, %rcx
1:	rep movsq
	movq %rdx, %rcx
	andq $7, %rcx
2:	rep movsb
	xorl %eax, %eax
	ret
	EXTABLE 1b, uaccess_fault
	EXTABLE 2b, uaccess_fault

/* long uaccess_clear(void *dst, size_t n): 0 or -EFAULT */
	.globl uaccess_clear
uaccess_clear:
	movq %rsi, %rdx
	movq %rsi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
3:	rep stosq
	movq %rdx, %rcx
	andq $7, %rcx
4:	rep stosb
	ret
	EXTABLE 3b, uaccess_fault
	EXTABLE 4b, uaccess_fault

/*
 * long uaccess_strncpy(char *dst, const char *src, size_t max): the length
 * of the string (without its NUL, which is copied too), max when no NUL came
 * within max bytes, or -EFAULT.
 */
	.globl uaccess_strncpy
uaccess_strncpy:
	xorl %eax, %eax
6:	cmpq %rdx, %rax
	jae 8f
5:	movb (%rsi,%rax), %cl
	movb %cl, (%rdi,%rax)
	testb %cl, %cl
	jz 8f
	incq %rax
	jmp 6b
8:	ret
	EXTABLE 5b, uaccess_fault

uaccess_fault:
	movq $-EFAULT, %rax
	ret

/*
 * long uaccess_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new, uint32_t *cur):
 * an atomic compare-and-exchange on application memory (futex operations).
 * Returns 0 with the value found in *cur, or -EFAULT.
 */
	.globl uaccess_cmpxchg32
uaccess_cmpxchg32:
	movl %esi, %eax
9:	lock cmpxchgl %edx, (%rdi)
	movl %eax, (%rcx)
	xorl %eax, %eax
	ret
	EXTABLE 9b, uaccess_fault
