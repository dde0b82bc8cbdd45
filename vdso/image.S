/*
 * The vDSO built into the kernel: page-aligned, padded to whole pages, so
 * that its pages are mapped into the application directly. The linker
 * script puts it first in rodata, which starts on a page, and checks that
 * it lands there: the section itself asks for no more than 8 bytes, so that
 * the rodata segment may follow text in the file without a page of padding
 * (a segment's file offset only has to agree with its address modulo its
 * sections' largest alignment).
 */
	.section .rodata.vdso, "a"
	.balign 8
	.globl vdso_image, vdso_image_end
vdso_image:
	.incbin VDSO_SO
	.skip (4096 - (. - vdso_image) % 4096) % 4096
vdso_image_end:
	.section .note.GNU-stack, "", @progbits
