/*
 * What the boot loader handed over, whatever the protocol: the command line,
 * the memory map, the modules (the initrd) and the ACPI RSDP, copied into
 * the kernel before the memory they live in can be reused. The protocols'
 * own structures are read in arch/x86_64/bootinfo.c through the helpers
 * here; the page allocator learns from boot_reserved_ranges() what it must
 * not hand out.
 */
#include <alto/boot.h>
#include <alto/printk.h>
#include <alto/string.h>

struct boot_info boot_info;

extern char _kernel_start[], _kernel_end[];

void boot_add_memory(uint64_t start, uint64_t end, uint32_t type)
{
	struct mem_range *last =
		boot_info.nmemmap ? &boot_info.memmap[boot_info.nmemmap - 1] : NULL;

	if (end <= start)
		return;
	if (last && last->end == start && last->type == type) {
		last->end = end;
		return;
	}
	if (boot_info.nmemmap == BOOT_MAX_MEMMAP) {
		printk("boot: memory map has more than %d ranges; ignoring %#lx-%#lx\n",
		       BOOT_MAX_MEMMAP, start, end);
		return;
	}
	boot_info.memmap[boot_info.nmemmap++] = (struct mem_range){ start, end, type };
}

void boot_add_module(uint64_t start, uint64_t size)
{
	if (size && boot_info.nmodules < BOOT_MAX_MODULES)
		boot_info.modules[boot_info.nmodules++] = (struct boot_module){ start, size };
}

/* GRUB's linux command puts the kernel's path first, as for Linux: not ours to read. */
static const char *skip_boot_image(const char *s)
{
	if (strncmp(s, "BOOT_IMAGE=", 11))
		return s;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

void boot_set_cmdline(uint64_t pa)
{
	/* What does not fit is refused at boot (cmdline_init), never cut silently. */
	if (pa)
		boot_info.cmdline_too_long =
			strlcpy(boot_info.cmdline, skip_boot_image(phys_to_virt(pa)),
				BOOT_CMDLINE_MAX) >= BOOT_CMDLINE_MAX;
}

int boot_reserved_ranges(struct mem_range *out, int max)
{
	int n = 0;

	/* Page 0, and the pages the other CPUs start from (arch/x86_64/smp.c). */
	out[n++] = (struct mem_range){ 0, 0x1000, 0 };
	out[n++] = (struct mem_range){ 0x8000, 0xc000, 0 };
	out[n++] = (struct mem_range){ virt_to_phys(_kernel_start), virt_to_phys(_kernel_end), 0 };
	for (int i = 0; i < boot_info.nmodules && n < max; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		out[n++] = (struct mem_range){ m->start, m->start + m->size, 0 };
	}
	return n;
}
