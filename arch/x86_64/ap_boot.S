/*
 * Application processors start here: INIT-SIPI-SIPI puts them in real mode at
 * physical AP_BOOT_ADDR, where smp.c copies this code. Each goes to protected
 * mode, then long mode on temporary page tables (identity for this page, the
 * kernel's high half otherwise), finds its stack by its APIC id and calls
 * ap_main(). The code is position dependent on AP_BOOT_ADDR.
 */
#define AP_BOOT_ADDR 0x8000
#define ABS(x) (AP_BOOT_ADDR + ((x) - ap_boot_start))

	.section .rodata
	.balign 16
	.globl ap_boot_start, ap_boot_end, ap_boot_params
ap_boot_start:
	.code16
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl ABS(ap_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ABS(ap_pm32)

	.code32
ap_pm32:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax		/* PAE */
	movl %eax, %cr4
	movl ABS(ap_boot_params), %eax	/* cr3 */
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl ABS(ap_boot_params) + 4, %eax	/* EFER bits: LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80010000, %eax		/* PG, WP */
	movl %eax, %cr0
	ljmpl $0x18, $ABS(ap_lm64)

	.code64
ap_lm64:
	movq ABS(ap_boot_params) + 8, %rax	/* the kernel's entry, in the high half */
	jmp *%rax

	.balign 16
ap_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
ap_gdt_ptr:
	.word ap_gdt_ptr - ap_gdt - 1
	.long ABS(ap_gdt)

	.balign 8
ap_boot_params:
	.long 0				/* cr3: the temporary page tables */
	.long 0				/* EFER bits to set */
	.quad 0				/* entry */
ap_boot_end:

	.text
/* In the high half now, on the temporary tables: take this CPU's stack and go. */
	.globl ap_entry64
ap_entry64:
	movl $1, %eax
	cpuid
	shrl $24, %ebx			/* initial APIC id */
	movq ap_stack_by_apic(,%rbx,8), %rsp
	movl %ebx, %edi
	xorl %ebp, %ebp
	call ap_main
1:	cli
	hlt
	jmp 1b
