/*
 * An empty PVH kernel: QEMU's own floor for the whole-VM figures. It powers
 * off through isa-debug-exit at its first instruction, so its time from QEMU
 * start to QEMU exit is what any kernel pays before doing anything.
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4			/* name size */
	.long 4			/* descriptor size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_start		/* 32-bit physical entry point */

	.text
	.code32
	.globl pvh_start
pvh_start:
	movw $0xf4, %dx		/* isa-debug-exit: QEMU exits with status 1 */
	xorl %eax, %eax
	outl %eax, %dx
1:	hlt
	jmp 1b
