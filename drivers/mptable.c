/*
 * The Intel MultiProcessor table, for machines without ACPI (QEMU's microvm
 * with acpi=off, whose firmware writes one): the CPUs' local APIC ids when
 * the MADT gave none. The floating pointer "_MP_" sits on a 16-byte boundary
 * in the first KiB of the EBDA, the last KiB of base memory, or the BIOS
 * area 0xf0000-0xfffff; it points to the configuration table, whose
 * processor entries (type 0, 20 bytes) carry the APIC id and an enabled bit.
 */
#include <alto/acpi.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>

#define MP_ENTRY_CPU	   0
#define MP_ENTRY_LAST	   4 /* bus, IOAPIC, interrupt assignments follow the CPUs */
#define MP_CPU_ENABLED	   1
#define MP_CPU_ENTRY_LEN   20
#define MP_OTHER_ENTRY_LEN 8

struct mp_floating {
	char signature[4]; /* "_MP_" */
	uint32_t config;   /* physical address of the configuration table */
	uint8_t length;	   /* in 16-byte units */
	uint8_t revision;
	uint8_t checksum;
	uint8_t features[5];
} __attribute__((packed));

struct mp_config {
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_table;
	uint16_t oem_size;
	uint16_t entries;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

static bool sum_zero(const void *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += ((const uint8_t *)p)[i];
	return s == 0;
}

static const struct mp_floating *scan(uint64_t pa, size_t len)
{
	const char *p = phys_map_ro(pa, len);

	for (size_t off = 0; p && off + sizeof(struct mp_floating) <= len; off += 16) {
		const struct mp_floating *f = (const void *)(p + off);
		if (!memcmp(f->signature, "_MP_", 4) && f->length == 1 && sum_zero(f, 16))
			return f;
	}
	return NULL;
}

static const struct mp_floating *find_floating(void)
{
	const uint16_t *bda = phys_map_ro(0x400, 0x100);
	uint64_t ebda = bda ? (uint64_t)bda[0x0e / 2] << 4 : 0;
	uint64_t base_kib = bda ? bda[0x13 / 2] : 0;
	const struct mp_floating *f = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		f = scan(ebda, 1024);
	/* With no BIOS data (a PVH boot may leave it empty), assume 640 KiB. */
	if (base_kib < 512 || base_kib > 640)
		base_kib = 640;
	if (!f)
		f = scan(base_kib * 1024 - 1024, 1024);
	return f ? f : scan(0xf0000, 0x10000);
}

static void add_cpus(const struct mp_config *c)
{
	const uint8_t *e = (const uint8_t *)(c + 1), *end = (const uint8_t *)c + c->length;

	/* Some firmware (qboot) leaves the entry count 0: the length bounds the walk. */
	for (unsigned int i = 0; (!c->entries || i < c->entries) && e < end; i++) {
		if (e[0] > MP_ENTRY_LAST)
			break;
		if (e[0] != MP_ENTRY_CPU) {
			e += MP_OTHER_ENTRY_LEN;
			continue;
		}
		if ((e[3] & MP_CPU_ENABLED) && acpi.ncpus < ARRAY_SIZE(acpi.cpu_apic_ids))
			acpi.cpu_apic_ids[acpi.ncpus++] = e[1];
		e += MP_CPU_ENTRY_LEN;
	}
}

void mptable_init(void)
{
	const struct mp_floating *f;
	const struct mp_config *c;

	if (acpi.ncpus || !(f = find_floating()) || !f->config)
		return;
	c = phys_map_ro(f->config, sizeof(*c));
	if (!c || memcmp(c->signature, "PCMP", 4) || c->length < sizeof(*c))
		return;
	c = phys_map_ro(f->config, c->length);
	if (!c || !sum_zero(c, c->length))
		return;
	if (!acpi.lapic_addr)
		acpi.lapic_addr = c->lapic_addr;
	add_cpus(c);
}
