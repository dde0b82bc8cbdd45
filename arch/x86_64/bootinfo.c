/*
 * The boot protocols' descriptions of the machine, read into boot_info
 * (kernel/boot.c): PVH's hvm_start_info, the Linux boot protocol's
 * boot_params (the "zero page": e820 map, command line and ramdisk
 * pointers in the setup header), and multiboot2's tagged information
 * structure. Each is x86 platform ABI, hence here; only the layouts the
 * kernel reads are spelled out, their offsets checked against the specs.
 */
#include <stddef.h>
#include <alto/boot.h>
#include <alto/compiler.h>
#include <alto/printk.h>
#include <alto/string.h>

/* PVH (Xen's arch-x86/hvm/start_info.h), version 1: with the memory map. */
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

static void parse_pvh(const struct hvm_start_info *si, uint64_t pa)
{
	if (si->magic != HVM_START_MAGIC)
		panic("boot: bad PVH start info magic %#x at %#lx", si->magic, pa);
	if (si->version < 1 || !si->memmap_paddr)
		panic("boot: PVH start info without a memory map (version %u)", si->version);
	boot_set_cmdline(si->cmdline_paddr);
	boot_info.rsdp = si->rsdp_paddr;

	const struct hvm_memmap_entry *e = phys_to_virt(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		boot_add_memory(e[i].addr, e[i].addr + e[i].size, e[i].type);

	const struct hvm_modlist_entry *m = phys_to_virt(si->modlist_paddr);
	for (uint32_t i = 0; si->modlist_paddr && i < si->nr_modules; i++)
		boot_add_module(m[i].paddr, m[i].size);
}

/* The Linux boot protocol (Documentation/arch/x86/boot.rst, zero-page.rst). */
struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __packed;

struct boot_params {
	uint8_t pad0[0x70];
	uint64_t acpi_rsdp_addr; /* 0x070, protocol 2.14 */
	uint8_t pad1[0xc0 - 0x78];
	uint32_t ext_ramdisk_image; /* 0x0c0: high 32 bits */
	uint32_t ext_ramdisk_size;
	uint32_t ext_cmd_line_ptr;
	uint8_t pad2[0x1e8 - 0xcc];
	uint8_t e820_entries; /* 0x1e8 */
	uint8_t pad3[0x202 - 0x1e9];
	uint32_t header; /* 0x202: "HdrS" */
	uint16_t version;
	uint8_t pad4[0x218 - 0x208];
	uint32_t ramdisk_image; /* 0x218 */
	uint32_t ramdisk_size;
	uint8_t pad5[0x228 - 0x220];
	uint32_t cmd_line_ptr; /* 0x228 */
	uint8_t pad6[0x2d0 - 0x22c];
	struct e820_entry e820_table[128]; /* 0x2d0 */
} __packed;

_Static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "boot_params layout");
_Static_assert(offsetof(struct boot_params, ramdisk_image) == 0x218, "boot_params layout");
_Static_assert(offsetof(struct boot_params, cmd_line_ptr) == 0x228, "boot_params layout");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "boot_params layout");

#define LINUX_HDRS 0x53726448 /* "HdrS" */

static void parse_linux(const struct boot_params *bp, uint64_t pa)
{
	if (bp->header != LINUX_HDRS)
		panic("boot: no Linux setup header in boot_params at %#lx", pa);
	boot_set_cmdline(bp->cmd_line_ptr | (uint64_t)bp->ext_cmd_line_ptr << 32);
	if (bp->version >= 0x20e)
		boot_info.rsdp = bp->acpi_rsdp_addr;
	for (unsigned int i = 0; i < bp->e820_entries && i < ARRAY_SIZE(bp->e820_table); i++) {
		const struct e820_entry *e = &bp->e820_table[i];
		boot_add_memory(e->addr, e->addr + e->size, e->type);
	}
	if (!boot_info.nmemmap)
		panic("boot: the loader gave no e820 memory map");
	boot_add_module(bp->ramdisk_image | (uint64_t)bp->ext_ramdisk_image << 32,
			bp->ramdisk_size | (uint64_t)bp->ext_ramdisk_size << 32);
}

/* Multiboot2 (the Multiboot2 Specification, version 2.0). */
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_TAG_END	     0
#define MB2_TAG_CMDLINE	     1
#define MB2_TAG_MODULE	     3
#define MB2_TAG_MMAP	     6
#define MB2_TAG_ACPI_OLD     14
#define MB2_TAG_ACPI_NEW     15

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_module {
	struct mb2_tag tag;
	uint32_t mod_start, mod_end;
};

struct mb2_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
};

struct mb2_mmap_entry {
	uint64_t addr, len;
	uint32_t type, zero;
};

extern uint32_t boot_mb2_magic;

static void mb2_tag(const struct mb2_tag *t)
{
	const uint8_t *body = (const uint8_t *)(t + 1);
	size_t len = t->size - sizeof(*t);

	switch (t->type) {
	case MB2_TAG_CMDLINE:
		strlcpy(boot_info.cmdline, (const char *)body, MIN(len + 1, BOOT_CMDLINE_MAX));
		boot_info.cmdline_too_long = strnlen((const char *)body, len) >= BOOT_CMDLINE_MAX;
		break;
	case MB2_TAG_MODULE: {
		const struct mb2_module *m = (const void *)t;
		if (m->mod_end > m->mod_start)
			boot_add_module(m->mod_start, m->mod_end - m->mod_start);
		break;
	}
	case MB2_TAG_MMAP: {
		const struct mb2_mmap *m = (const void *)t;
		for (uint32_t off = sizeof(*m); m->entry_size && off + m->entry_size <= t->size;
		     off += m->entry_size) {
			const struct mb2_mmap_entry *e = (const void *)((const uint8_t *)t + off);
			boot_add_memory(e->addr, e->addr + e->len, e->type);
		}
		break;
	}
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/* A copy of the RSDP itself; the newer (with the XSDT) wins. */
		if (!boot_info.rsdp || t->type == MB2_TAG_ACPI_NEW) {
			memcpy(boot_info.rsdp_copy, body, MIN(len, sizeof(boot_info.rsdp_copy)));
			boot_info.rsdp = virt_to_phys(boot_info.rsdp_copy);
		}
		break;
	}
}

static void parse_multiboot2(const uint32_t *info, uint64_t pa)
{
	if (boot_mb2_magic != MB2_BOOTLOADER_MAGIC)
		panic("boot: bad multiboot2 magic %#x", boot_mb2_magic);
	uint32_t total = info[0];
	for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *t = (const void *)((const uint8_t *)info + off);
		if (t->type == MB2_TAG_END || t->size < sizeof(*t))
			break;
		mb2_tag(t);
		off += ALIGN_UP(t->size, 8);
	}
	if (!boot_info.nmemmap)
		panic("boot: multiboot2 information at %#lx has no memory map", pa);
}

void boot_info_parse(unsigned int protocol, uint64_t pa)
{
	const void *p = phys_to_virt(pa);

	boot_info.protocol = protocol;
	boot_info.start_info_pa = pa;
	switch (protocol) {
	case BOOT_PVH:
		parse_pvh(p, pa);
		break;
	case BOOT_LINUX32:
	case BOOT_LINUX64:
		parse_linux(p, pa);
		break;
	case BOOT_MULTIBOOT2:
		parse_multiboot2(p, pa);
		break;
	default:
		panic("boot: entered by unknown protocol %u", protocol);
	}
}

const char *boot_protocol_name(unsigned int protocol)
{
	switch (protocol) {
	case BOOT_PVH:
		return "PVH";
	case BOOT_LINUX32:
		return "Linux boot protocol, 32-bit entry";
	case BOOT_LINUX64:
		return "Linux boot protocol, 64-bit entry";
	case BOOT_MULTIBOOT2:
		return "multiboot2";
	}
	return "unknown";
}
