/*
 * PVH entry. QEMU (q35 and microvm), Firecracker and cloud-hypervisor enter
 * here in 32-bit protected mode, paging off, with %ebx holding the physical
 * address of struct hvm_start_info. We record the TSC (the boot clock starts
 * here), build just enough page tables to reach long mode and the high half
 * (the first GiB identity-mapped, direct-mapped and mapped at -2 GiB), and
 * call kernel_main(). mm/ then replaces these tables with the real ones.
 */
#include <alto/layout.h>

#define PHYS(x) ((x) - KERNEL_VMA)

#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a"
	.balign 4
	.long 4				/* name size: "Xen\0" */
	.long 4				/* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long PHYS(pvh_start32)
	.balign 4

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cld
	movl %ebx, %esi
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4
	movl %esi, PHYS(boot_start_info)

	/* Zero .bss; the loader may not have. */
	movl $PHYS(_bss_start), %edi
	movl $PHYS(_bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	lgdt PHYS(boot_gdt_ptr)
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl $PHYS(boot_stack_top), %esp

	/* CR4.PAE, then the early PML4. */
	movl %cr4, %eax
	orl $(1 << 5), %eax
	movl %eax, %cr4
	movl $PHYS(early_pml4), %eax
	movl %eax, %cr3

	/* EFER.LME, and EFER.NXE where the CPU has NX (CPUID 0x80000001 EDX.20). */
	movl $0x80000001, %eax
	cpuid
	movl $(1 << 8), %edi
	btl $20, %edx
	jnc 1f
	orl $(1 << 11), %edi
1:	movl $0xc0000080, %ecx
	rdmsr
	orl %edi, %eax
	wrmsr

	/* CR0.PG | CR0.WP | CR0.PE: read-only pages are read-only for the kernel too. */
	movl %cr0, %eax
	orl $0x80010001, %eax
	movl %eax, %cr0
	ljmp $0x08, $PHYS(long_mode_low)

	.code64
long_mode_low:
	movabsq $long_mode_high, %rax
	jmp *%rax

	.text
long_mode_high:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_start_info(%rip), %edi
	call kernel_main
2:	cli
	hlt
	jmp 2b

	.section .boot.data, "aw"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.globl boot_tsc, boot_start_info
	.balign 8
boot_tsc:
	.quad 0
boot_start_info:
	.long 0

/*
 * Early page tables: 2 MiB pages over the first GiB, reachable at 0 (for the
 * jump to the high half), at the direct map and at the kernel's -2 GiB.
 */
	.balign 4096
early_pml4:
	.quad PHYS(early_pdpt_low) + 3
	.fill 255, 8, 0
	.quad PHYS(early_pdpt_low) + 3	/* 256: direct map */
	.fill 254, 8, 0
	.quad PHYS(early_pdpt_high) + 3	/* 511: kernel */
early_pdpt_low:
	.quad PHYS(early_pd) + 3
	.fill 511, 8, 0
early_pdpt_high:
	.fill 510, 8, 0
	.quad PHYS(early_pd) + 3	/* 510: 0xffffffff80000000 */
	.quad 0
early_pd:
	.set i, 0
	.rept 512
	.quad (i << 21) + 0x83		/* present, writable, 2 MiB page */
	.set i, i + 1
	.endr

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl boot_stack
boot_stack:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:
