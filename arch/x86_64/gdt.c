/*
 * Per-CPU GDT and TSS. Applications run at ring 0 with the kernel's segments,
 * so the GDT holds just a code and a data segment and the TSS; the TSS exists
 * for its IST stacks (see entry.S).
 */
#include <alto/cpu.h>
#include <alto/string.h>
#include "internal.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout");

#define GDT_ENTRIES 5

struct cpu_tables {
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss;
} __attribute__((aligned(64)));

static struct cpu_tables tables[MAX_CPUS];

static void set_tss_descriptor(uint64_t *gdt, const struct tss *tss)
{
	uint64_t base = (uint64_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	gdt[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[1] = base >> 32;
}

void gdt_init_cpu(unsigned int id, const uint64_t ist_tops[IST_COUNT])
{
	struct cpu_tables *t = &tables[id];

	memset(t, 0, sizeof(*t));
	t->gdt[GDT_KERNEL_CS / 8] = 0x00af9a000000ffff; /* 64-bit code, present, ring 0 */
	t->gdt[GDT_KERNEL_DS / 8] = 0x00cf92000000ffff; /* data, writable */
	for (int i = 0; i < IST_COUNT; i++)
		t->tss.ist[i] = ist_tops[i];
	t->tss.iomap_base = sizeof(struct tss); /* no I/O bitmap */
	set_tss_descriptor(&t->gdt[GDT_TSS / 8], &t->tss);

	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} ptr = { sizeof(t->gdt) - 1, (uint64_t)t->gdt };

	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq %1\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "movl %2, %%eax\n\t"
			     "movl %%eax, %%ds\n\t"
			     "movl %%eax, %%es\n\t"
			     "movl %%eax, %%ss\n\t"
			     "ltr %w3"
			     :
			     : "m"(ptr), "i"((uint64_t)GDT_KERNEL_CS), "i"(GDT_KERNEL_DS),
			       "r"(GDT_TSS)
			     : "rax", "memory");
}
