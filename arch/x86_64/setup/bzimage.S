/*
 * The bzImage wrapper: the real-mode part of the Linux x86 boot protocol
 * (Documentation/arch/x86/boot.rst) in front of the kernel itself, so that
 * loaders that only know Linux (QEMU's -kernel through its Linux loader,
 * qboot, SeaBIOS' linuxboot ROM) can boot Alto. The file is this setup
 * (four 512-byte sectors: the unused boot sector, the setup header at
 * 0x1f1, the code below), then the protected-mode kernel: the loadable part
 * of alto.elf as it lies at 1 MiB, nothing compressed.
 *
 * A loader puts the setup at some segment, fills in the header (command
 * line, ramdisk) and jumps to the segment + 0x20 in real mode. The setup
 * builds the zero page (struct boot_params) with the header and the BIOS's
 * e820 memory map, enables A20, and goes on to long mode with the first GiB
 * identity-mapped, entering the kernel at its 64-bit entry (code32_start +
 * 0x200) with %rsi pointing at the zero page, as a 64-bit loader such as
 * Firecracker does: so the bzImage exercises that entry, and GRUB's linux
 * command (which fills the zero page itself and jumps to code32_start in
 * 32-bit mode) the other. The setup uses 48 KiB from where it was loaded:
 * code, stack, the zero page and three page tables.
 *
 * Built as a flat binary at offset 0 (Makefile): PAYLOAD is the path of
 * the kernel's loadable part, PAYLOAD_SIZE and INIT_SIZE its size in the
 * file and in memory (bss included).
 */
#define SETUP_SECTS 3		/* after the boot sector */
#define ZERO_PAGE   0x8000	/* offsets in the setup's segment */
#define STACK_TOP   ZERO_PAGE
#define PML4	    0x9000	/* identity map of the first GiB, 2 MiB pages */
#define PDPT	    0xa000
#define PD	    0xb000
#define E820_MAX    128
#define SMAP	    0x534d4150
#define BOOT_CS	    0x10	/* the selectors Linux's protocol names */
#define BOOT_DS	    0x18
#define BOOT_CS64   0x20

	.code16
	.section .text, "ax"
	.globl _start
_start:
	.org 0x1f1
hdr:
	.byte SETUP_SECTS		/* 0x1f1 setup_sects */
	.word 0				/* root_flags */
	.long (PAYLOAD_SIZE + 15) / 16	/* syssize */
	.word 0				/* ram_size */
	.word 0xffff			/* vid_mode: normal */
	.word 0				/* root_dev */
	.word 0xaa55			/* 0x1fe boot_flag */
	.byte 0xeb			/* 0x200: jmp setup_start */
	.byte setup_start - 1f
1:	.ascii "HdrS"			/* 0x202 */
	.word 0x020f			/* protocol version 2.15 */
	.long 0				/* realmode_swtch */
	.word 0				/* start_sys_seg */
	.word kernel_version - 0x200	/* 0x20e */
	.byte 0				/* type_of_loader */
	.byte 0x01			/* 0x211 loadflags: LOADED_HIGH */
	.word 0				/* setup_move_size */
	.long 0x100000			/* 0x214 code32_start */
	.long 0				/* ramdisk_image */
	.long 0				/* ramdisk_size */
	.long 0				/* bootsect_kludge */
	.word 0				/* heap_end_ptr */
	.byte 0				/* ext_loader_ver */
	.byte 0				/* ext_loader_type */
	.long 0				/* 0x228 cmd_line_ptr */
	.long 0x7fffffff		/* initrd_addr_max */
	.long 0x1000			/* kernel_alignment */
	.byte 0				/* relocatable_kernel: no */
	.byte 12			/* min_alignment: 4 KiB */
	.word 0x0001			/* 0x236 xloadflags: XLF_KERNEL_64 */
	.long 4095			/* cmdline_size */
	.long 0				/* hardware_subarch: PC */
	.quad 0				/* hardware_subarch_data */
	.long 0				/* payload_offset */
	.long 0				/* payload_length */
	.quad 0				/* setup_data */
	.quad 0x100000			/* pref_address */
	.long INIT_SIZE			/* 0x260 init_size */
	.long 0				/* handover_offset */
	.long 0				/* kernel_info_offset */
hdr_end:

setup_start:
	cli
	cld
	movw %cs, %ax			/* the loader jumped to segment + 0x20 */
	subw $0x20, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $STACK_TOP, %sp

	/* The zero page: zeroes, then the header as the loader left it. */
	movw $ZERO_PAGE, %di
	xorl %eax, %eax
	movw $1024, %cx
	rep stosl
	movw $hdr, %si
	movw $ZERO_PAGE + 0x1f1, %di
	movw $hdr_end - hdr, %cx
	rep movsb

	/* The BIOS memory map (int 0x15, e820) into e820_table, its count at 0x1e8. */
	xorl %ebx, %ebx
	movw $ZERO_PAGE + 0x2d0, %di
2:	movl $0xe820, %eax
	movl $SMAP, %edx
	movl $20, %ecx
	int $0x15
	jc 3f
	cmpl $SMAP, %eax
	jne 3f
	addw $20, %di
	incb ZERO_PAGE + 0x1e8
	cmpb $E820_MAX, ZERO_PAGE + 0x1e8
	jae 3f
	testl %ebx, %ebx
	jnz 2b
3:
	/* A20 through the system control port (fast A20). */
	inb $0x92, %al
	orb $0x02, %al
	andb $0xfe, %al
	outb %al, $0x92

	/* Linear addresses depend on where the loader put us: patch them in. */
	xorl %ebx, %ebx
	movw %ds, %bx
	shll $4, %ebx
	leal gdt(%ebx), %eax
	movl %eax, gdt_ptr + 2
	leal protected(%ebx), %eax
	movl %eax, protected_jump
	leal long64(%ebx), %eax
	movl %eax, long_jump
	leal ZERO_PAGE(%ebx), %esi

	/* The page tables: PML4[0] -> PDPT[0] -> PD, 512 pages of 2 MiB. */
	movw $PML4, %di
	xorl %eax, %eax
	movw $3 * 1024, %cx
	rep stosl
	leal PDPT + 3(%ebx), %eax
	movl %eax, PML4
	leal PD + 3(%ebx), %eax
	movl %eax, PDPT
	movw $PD, %di
	movl $0x83, %eax		/* present, writable, 2 MiB */
4:	movl %eax, (%di)
	addl $0x200000, %eax
	addw $8, %di
	cmpw $PD + 4096, %di
	jb 4b
	lgdtl gdt_ptr
	movl %cr0, %eax
	orb $1, %al
	movl %eax, %cr0
	ljmpl *protected_jump

	.code32
protected:
	movl $BOOT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	movl %eax, %ss
	movl %cr4, %eax			/* PAE */
	orl $0x20, %eax
	movl %eax, %cr4
	leal PML4(%ebx), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax			/* PG: long mode, compatibility submode */
	orl $0x80000000, %eax
	movl %eax, %cr0
	ljmpl *long_jump(%ebx)

	.code64
long64:
	movl 0x214(%rbx), %eax		/* code32_start, as the loader may have moved it */
	addl $0x200, %eax		/* the 64-bit entry */
	xorl %ebx, %ebx
	xorl %ebp, %ebp
	xorl %edi, %edi
	jmp *%rax

	.balign 8
gdt:
	.quad 0
	.quad 0
	.quad 0x00cf9a000000ffff	/* BOOT_CS: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* BOOT_DS: flat data */
	.quad 0x00af9a000000ffff	/* BOOT_CS64: 64-bit code */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long 0
protected_jump:
	.long 0
	.word BOOT_CS
long_jump:
	.long 0
	.word BOOT_CS64
kernel_version:
	.asciz "Alto"

	.org (SETUP_SECTS + 1) * 512	/* fails to assemble if the setup grew too big */
	.incbin PAYLOAD
