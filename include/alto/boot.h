/*
 * What the boot loader handed over (the PVH hvm_start_info), copied into the
 * kernel before the memory it lives in can be reused: the command line, the
 * memory map, the modules (the initrd) and the ACPI RSDP address.
 */
#ifndef ALTO_BOOT_H
#define ALTO_BOOT_H

#include <stdint.h>
#include <alto/mm.h>

#define BOOT_MAX_MEMMAP	 64
#define BOOT_MAX_MODULES 4
#define BOOT_CMDLINE_MAX 4096

struct boot_module {
	uint64_t start, size;
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	struct mem_range memmap[BOOT_MAX_MEMMAP];
	int nmemmap;
	struct boot_module modules[BOOT_MAX_MODULES];
	int nmodules;
	uint64_t rsdp;
	uint64_t start_info_pa;
};

extern struct boot_info boot_info;

/* Parse the PVH start info at physical address pa (reached through the early map). */
void boot_info_parse(uint64_t pa);
/* Ranges the page allocator must not hand out: kernel image, modules, page 0. */
int boot_reserved_ranges(struct mem_range *out, int max);

/* Kernel command line options (kernel/cmdline.c). */
/* The value of "--name=value", "" for a bare "--name", NULL if absent. The
 * string lives in a static buffer until the next call (boot-time use only). */
const char *cmdline_get(const char *name);
bool cmdline_has(const char *name);
/* The first "--option" the kernel does not know, or NULL. */
const char *cmdline_unknown_option(void);
/* What follows the kernel's options: the application and its arguments. */
const char *cmdline_app(void);

#endif
