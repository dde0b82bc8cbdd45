/*
 * What the boot loader handed over (the PVH hvm_start_info), copied into the
 * kernel before the memory it lives in can be reused: the command line, the
 * memory map, the modules (the initrd) and the ACPI RSDP address.
 */
#ifndef ALTO_BOOT_H
#define ALTO_BOOT_H

#include <stdint.h>
#include <alto/console.h>
#include <alto/mm.h>

#define BOOT_MAX_MEMMAP	 64
#define BOOT_MAX_MODULES 4

struct boot_module {
	uint64_t start, size;
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_too_long; /* what the loader gave did not fit: refused at boot */
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
/* Split the command line into words; 0 or -errno (after printing why). */
int cmdline_init(void);
/* The value of "--name=value", "" for a bare "--name", NULL if absent. */
const char *cmdline_get(const char *name);
bool cmdline_has(const char *name);
/* The first "--option" the kernel does not know, or NULL. */
const char *cmdline_unknown_option(void);

/* The application to run: its argv and the environment from --env options. */
struct app_command {
	int argc, envc;
	char **argv, **envp; /* NULL-terminated */
};

/*
 * The application's command: from the kernel command line, else from the
 * image's command line file (read_file returns its text, NULL when there is
 * none, or an ERR_PTR). argc is 0 when neither names a program. Returns 0
 * or -errno, having said what is wrong.
 */
int cmdline_app_command(struct app_command *c, const char *(*read_file)(const char *path));

#endif
