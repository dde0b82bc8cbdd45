/*
 * What the boot loader handed over (the PVH hvm_start_info), copied into the
 * kernel before the memory it lives in can be reused: the command line, the
 * memory map, the modules (the initrd) and the ACPI RSDP address.
 */
#ifndef ALTO_BOOT_H
#define ALTO_BOOT_H

/* How the kernel was entered (arch/x86_64/boot.S): kernel_main's first argument. */
#define BOOT_PVH	1 /* Xen PVH: struct hvm_start_info */
#define BOOT_LINUX32	2 /* Linux boot protocol, 32-bit entry: struct boot_params */
#define BOOT_LINUX64	3 /* Linux boot protocol, 64-bit entry: struct boot_params */
#define BOOT_MULTIBOOT2 4 /* multiboot2: its information structure */

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <alto/console.h>
#include <alto/mm.h>

#define BOOT_MAX_MEMMAP	 128
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
	unsigned int protocol; /* BOOT_* */
	/* A copy of the RSDP when the loader passed the structure, not its address (multiboot2). */
	uint8_t rsdp_copy[36];
};

extern struct boot_info boot_info;

/*
 * Fill boot_info from what the loader left at physical address pa for the
 * protocol the kernel was entered by (arch/x86_64/bootinfo.c); pa is reached
 * through the early map of the first GiB.
 */
void boot_info_parse(unsigned int protocol, uint64_t pa);
/* The protocol's name, for --verbose. */
const char *boot_protocol_name(unsigned int protocol);
/* For the parsers: add a RAM range (merged with the last one when adjacent and alike), a module. */
void boot_add_memory(uint64_t start, uint64_t end, uint32_t type);
void boot_add_module(uint64_t start, uint64_t size);
void boot_set_cmdline(uint64_t pa);
/* Ranges the page allocator must not hand out: kernel image, modules, page 0. */
int boot_reserved_ranges(struct mem_range *out, int max);

/* Kernel command line options (kernel/cmdline.c). */
/* Parse the command line (lib/commands.c); 0 or -errno (after printing why and where). */
int cmdline_init(void);
/* The value of "--name=value", "" for a bare "--name", NULL if absent. */
const char *cmdline_get(const char *name);
/* The value of the n-th (from 0) "--name=value" (options that may repeat), or NULL. */
const char *cmdline_get_nth(const char *name, int n);
bool cmdline_has(const char *name);
/*
 * The i-th value of the words KEY=VALUE the hypervisor appended to the
 * command line (key "virtio_mmio.device"), or NULL.
 */
const char *cmdline_platform(const char *key, int i);
/* The first "--option" the kernel does not know, or NULL. */
const char *cmdline_unknown_option(void);

/* A program to start: its argv, its environment, where, and how (CMD_* of alto/commands.h). */
struct app_command {
	int argc, envc;
	char **argv, **envp; /* NULL-terminated */
	const char *cwd;     /* NULL: / */
	unsigned int flags;
};

struct app_commands {
	struct app_command *cmds;
	int n;
};

/*
 * The programs to run, in order: from the kernel command line, else from
 * the image's command line file (read_file returns a file's text, NULL when
 * there is none, or an ERR_PTR), runscript files expanded. n is 0 when
 * neither names a program. Returns 0 or -errno after printing why.
 */
int cmdline_app_commands(struct app_commands *out, const char *(*read_file)(const char *path));

#endif /* __ASSEMBLER__ */
#endif
