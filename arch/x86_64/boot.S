/*
 * PVH entry. QEMU (q35 and microvm), Firecracker and cloud-hypervisor enter
 * here in 32-bit protected mode, paging off, with %ebx holding the physical
 * address of struct hvm_start_info. We record the TSC (the boot clock starts
 * here), build just enough page tables to reach long mode and the high half
 * (the first GiB identity-mapped, direct-mapped and mapped at -2 GiB), and
 * call kernel_main(). mm/ then replaces these tables with the real ones.
 */
/*
 * Entry points. One kernel image is entered four ways, each recording which
 * protocol it came by and where the loader's description of the machine is:
 *  - PVH (QEMU -kernel on q35 and microvm, Firecracker, cloud-hypervisor):
 *    32-bit protected mode, %ebx = struct hvm_start_info;
 *  - the Linux boot protocol's 32-bit entry, code32_start at the start of
 *    the protected-mode kernel (1 MiB; our bzImage's setup, GRUB's linux):
 *    %esi = struct boot_params;
 *  - its 64-bit entry, 0x200 further (Firecracker loading this ELF as a
 *    vmlinux, whose e_entry it is; 64-bit loaders): long mode, identity
 *    mapped, %rsi = struct boot_params;
 *  - multiboot2 (GRUB, BIOS and UEFI): 32-bit, %eax = its magic, %ebx = the
 *    information structure.
 * Every entry records the TSC (the boot clock starts here), then the 32-bit
 * ones build just enough page tables to reach long mode and the high half
 * (the first GiB identity-mapped, direct-mapped and mapped at -2 GiB), as the
 * 64-bit one switches to the same tables, and all call kernel_main(protocol,
 * info). mm/ then replaces these tables with the real ones.
 */
#include <alto/boot.h>
#include <alto/layout.h>

#define PHYS(x) ((x) - KERNEL_VMA)

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define MB2_HEADER_MAGIC	 0xe85250d6
#define MB2_TAG_ENTRY		 3
#define MSR_EFER		 0xc0000080
#define EFER_LME		 (1 << 8)
#define EFER_NXE		 (1 << 11)
#define CR0_PE_WP_PG		 0x80010001

	.section .note.Xen, "a"
	.balign 4
	.long 4				/* name size: "Xen\0" */
	.long 4				/* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long PHYS(pvh_start32)
	.balign 4

/* Zero .bss; the loader may not have. The same bytes in 32- and 64-bit code. */
.macro ZERO_BSS
	movl $PHYS(_bss_start), %edi
	movl $PHYS(_bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
.endm

/*
 * Early page tables: 2 MiB pages over the first GiB, reachable at 0 (for the
 * jump to the high half), at the direct map and at the kernel's -2 GiB.
 * Written at entry into .boot.bss (after ZERO_BSS) rather than stored in
 * the file: 16 KiB of tables cost a loop of 512 stores.
 */
.macro FILL_EARLY_TABLES
	movl $PHYS(early_pdpt_low) + 3, PHYS(early_pml4)
	movl $PHYS(early_pdpt_low) + 3, PHYS(early_pml4) + 256 * 8	/* direct map */
	movl $PHYS(early_pdpt_high) + 3, PHYS(early_pml4) + 511 * 8	/* kernel */
	movl $PHYS(early_pd) + 3, PHYS(early_pdpt_low)
	movl $PHYS(early_pd) + 3, PHYS(early_pdpt_high) + 510 * 8	/* 0xffffffff80000000 */
	movl $PHYS(early_pd), %edi
	movl $0x83, %eax		/* present, writable, 2 MiB page */
1:	movl %eax, (%edi)
	addl $8, %edi
	addl $(1 << 21), %eax
	cmpl $PHYS(early_pd) + 4096, %edi
	jne 1b
.endm

/* EFER.LME, and EFER.NXE where the CPU has NX (CPUID 0x80000001 EDX.20). */
.macro SET_EFER
	movl $0x80000001, %eax
	cpuid
	movl $EFER_LME, %edi
	btl $20, %edx
	jnc 1f
	orl $EFER_NXE, %edi
1:	movl $MSR_EFER, %ecx
	rdmsr
	orl %edi, %eax
	wrmsr
.endm

/* A 32-bit entry: note the clock, the protocol and the info pointer in reg. */
.macro ENTRY32 protocol, reg
	cld
	cli
	movl \reg, %esi
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4
	movl %esi, PHYS(boot_start_info)
	movl $\protocol, PHYS(boot_protocol)
	movl $PHYS(start32), %eax	/* absolute: .boot.head is linked low */
	jmp *%eax
.endm

/*
 * The first bytes of the kernel, at 1 MiB: the places the Linux boot
 * protocol fixes (code32_start, and the 64-bit entry 0x200 after it) and
 * the multiboot2 header between them (it must lie in the file's first
 * 32 KiB, 8-byte aligned).
 */
	.section .boot.head, "ax"	/* linked at its physical address (kernel.ld) */
	.code32
	.globl linux_start32
linux_start32:
	ENTRY32 BOOT_LINUX32, %esi

	.org 0x100
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0				/* i386: entered in 32-bit protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.balign 8
	.word MB2_TAG_ENTRY, 0
	.long 12
	.long PHYS(mb2_start32)
	.balign 8
	.word 0, 0			/* the end tag */
	.long 8
mb2_header_end:

	.org 0x200
	.code64
	.globl linux_start64
linux_start64:
	cld
	cli
	movl %esi, %ebx
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4
	movl %ebx, PHYS(boot_start_info)
	movl $BOOT_LINUX64, PHYS(boot_protocol)
	ZERO_BSS
	FILL_EARLY_TABLES
	lgdt PHYS(boot_gdt_ptr)
	movl $PHYS(early_pml4), %eax
	movq %rax, %cr3
	SET_EFER
	movq %cr0, %rax
	orl $CR0_PE_WP_PG, %eax
	movq %rax, %cr0
	movl $PHYS(boot_stack_top), %esp
	pushq $0x08
	pushq $PHYS(long_mode_low)
	lretq

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	ENTRY32 BOOT_PVH, %ebx

mb2_start32:
	movl %eax, PHYS(boot_mb2_magic)
	ENTRY32 BOOT_MULTIBOOT2, %ebx

start32:
	ZERO_BSS
	FILL_EARLY_TABLES

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

	SET_EFER

	/* CR0.PG | CR0.WP | CR0.PE: read-only pages are read-only for the kernel too. */
	movl %cr0, %eax
	orl $CR0_PE_WP_PG, %eax
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
	movl boot_protocol(%rip), %edi
	movl boot_start_info(%rip), %esi
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
boot_gdt_ptr:				/* 10 bytes, as lgdt reads it in long mode */
	.word boot_gdt_end - boot_gdt - 1
	.quad PHYS(boot_gdt)

	.globl boot_tsc, boot_start_info, boot_protocol, boot_mb2_magic
	.balign 8
boot_tsc:
	.quad 0
boot_start_info:
	.long 0
boot_protocol:
	.long 0
boot_mb2_magic:
	.long 0

	.section .boot.bss, "aw", @nobits
	/* The early page tables, filled by FILL_EARLY_TABLES. */
	.balign 4096
early_pml4:
	.skip 4096
early_pdpt_low:
	.skip 4096
early_pdpt_high:
	.skip 4096
early_pd:
	.skip 4096

	.globl boot_stack
boot_stack:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:
