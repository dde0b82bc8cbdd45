/*
 * Declarations private to arch/x86_64: descriptor tables, the trap stubs and
 * the pieces of CPU bring-up that kernel_main does not call directly.
 */
#ifndef ARCH_X86_64_INTERNAL_H
#define ARCH_X86_64_INTERNAL_H

#include <stdint.h>

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS	      0x18

/* IST slots (1-based in the IDT, 0-based in the TSS array). */
#define IST_TRAMPOLINE 1
#define IST_DOUBLE     2
#define IST_NMI	       3
#define IST_MCE	       4
#define IST_COUNT      4

#define IST_TRAMPOLINE_SIZE 4096
#define IST_FATAL_SIZE	    (16 * 1024)

void gdt_init_cpu(unsigned int id, const uint64_t ist_tops[IST_COUNT]);
void idt_init(void);
void idt_load(void);

extern char trap_stubs[];

#endif
