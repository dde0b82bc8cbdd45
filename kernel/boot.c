/*
 * The PVH boot protocol: struct hvm_start_info (version 1 carries the memory
 * map). Everything is copied out at once, since the loader put it in RAM that
 * the page allocator is about to hand out.
 */
#include <alto/boot.h>
#include <alto/printk.h>
#include <alto/string.h>

#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

struct boot_info boot_info;

extern char _kernel_start[], _kernel_end[];

static void copy_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e = phys_to_virt(si->memmap_paddr);
	int n = 0;

	if (si->version < 1 || !si->memmap_paddr)
		panic("boot: PVH start info without a memory map (version %u)", si->version);
	for (uint32_t i = 0; i < si->memmap_entries && n < BOOT_MAX_MEMMAP; i++) {
		if (!e[i].size)
			continue;
		boot_info.memmap[n++] =
			(struct mem_range){ e[i].addr, e[i].addr + e[i].size, e[i].type };
	}
	boot_info.nmemmap = n;
}

void boot_info_parse(uint64_t pa)
{
	const struct hvm_start_info *si = phys_to_virt(pa);

	if (si->magic != HVM_START_MAGIC)
		panic("boot: bad PVH start info magic %#x at %#lx", si->magic, pa);
	boot_info.start_info_pa = pa;
	if (si->cmdline_paddr)
		boot_info.cmdline_too_long =
			strlcpy(boot_info.cmdline, phys_to_virt(si->cmdline_paddr),
				BOOT_CMDLINE_MAX) >= BOOT_CMDLINE_MAX;
	boot_info.rsdp = si->rsdp_paddr;
	copy_memmap(si);

	const struct hvm_modlist_entry *m = phys_to_virt(si->modlist_paddr);
	for (uint32_t i = 0; i < si->nr_modules && i < BOOT_MAX_MODULES; i++) {
		if (!m[i].size)
			continue;
		boot_info.modules[boot_info.nmodules++] =
			(struct boot_module){ m[i].paddr, m[i].size };
	}
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
