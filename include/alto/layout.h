/*
 * The kernel's virtual address layout, shared by C and assembly. The low half
 * belongs to the application; the kernel lives in the high half.
 */
#ifndef ALTO_LAYOUT_H
#define ALTO_LAYOUT_H

#define KERNEL_VMA	0xffffffff80000000
#define KERNEL_LOAD	0x100000
#define DIRECT_MAP_BASE 0xffff800000000000 /* all RAM, PML4 slots 256.. */
#define DIRECT_MAP_MAX	0x0000400000000000 /* 64 TiB */
#define VMAP_BASE	0xffffc00000000000 /* device MMIO and kernel stacks */
#define VMAP_SIZE	0x0000008000000000 /* 512 GiB, one PML4 slot */

#define PAGE_SHIFT 12
#ifdef __ASSEMBLER__
#define PAGE_SIZE 4096
#else
#define PAGE_SIZE (1ul << PAGE_SHIFT) /* unsigned long: PAGE_SIZE << order must not overflow */
#endif

#endif
