/*
 * The vDSO built into the kernel: page-aligned, padded to whole pages, so
 * that its pages are mapped into the application directly.
 */
	.section .rodata.vdso, "a"
	.balign 4096
	.globl vdso_image, vdso_image_end
vdso_image:
	.incbin VDSO_SO
	.balign 4096
vdso_image_end:
	.section .note.GNU-stack, "", @progbits
