/*
 * ACPI table parsing: RSDP -> XSDT/RSDT -> MADT (CPUs, IOAPICs, ISA
 * overrides), FADT (PM timer, power-off registers) and MCFG (the PCI Express
 * configuration window). The S5 sleep type and the virtio-mmio devices come
 * from the DSDT, read without an AML interpreter: the \_S5 package and a
 * device's _HID and _CRS are fixed byte patterns every firmware emits.
 */
#include <alto/acpi.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/x86.h>

struct acpi_info acpi;
/* Mapped at boot: power_off must not allocate. */
static volatile uint8_t *sleep_ctl_mmio;

struct sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

struct rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic address structure. */
struct gas {
	uint8_t space; /* 0 memory, 1 I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define FADT_DSDT	     40
#define FADT_PM1A_CNT	     64
#define FADT_PM1B_CNT	     68
#define FADT_PM_TMR	     76
#define FADT_BOOT_ARCH	     109
#define FADT_FLAGS	     112
#define FADT_X_DSDT	     140
#define FADT_SLEEP_CTL	     244
#define FADT_FLAG_TMR_EXT    (1u << 8)
#define FADT_FLAG_HW_REDUCED (1u << 20)
#define BOOT_ARCH_8042	     (1u << 1)

static bool checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

static const struct sdt_header *map_table(uint64_t pa)
{
	const struct sdt_header *h = phys_map_ro(pa, sizeof(*h));

	if (!h)
		return NULL;
	h = phys_map_ro(pa, h->length);
	if (!h || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

static const struct rsdp *find_rsdp(uint64_t pa)
{
	if (pa)
		return phys_map_ro(pa, sizeof(struct rsdp));
	/* Legacy BIOS area, 16-byte aligned. */
	const char *bios = phys_map_ro(0xe0000, 0x20000);
	for (size_t off = 0; bios && off < 0x20000; off += 16) {
		if (!memcmp(bios + off, "RSD PTR ", 8) && checksum_ok(bios + off, 20))
			return (const struct rsdp *)(bios + off);
	}
	return NULL;
}

static void parse_madt(const struct sdt_header *h)
{
	const uint8_t *p = (const uint8_t *)h;
	const uint8_t *end = p + h->length;

	acpi.lapic_addr = *(const uint32_t *)(p + 36);
	for (p += 44; p + 2 <= end && p[1] >= 2; p += p[1]) {
		switch (p[0]) {
		case 0: /* processor local APIC: enabled or online-capable */
			if ((p[4] & 3) && acpi.ncpus < ARRAY_SIZE(acpi.cpu_apic_ids))
				acpi.cpu_apic_ids[acpi.ncpus++] = p[3];
			break;
		case 1: /* IOAPIC */
			if (acpi.nioapics < ACPI_MAX_IOAPICS)
				acpi.ioapics[acpi.nioapics++] =
					(struct acpi_ioapic){ p[2], *(const uint32_t *)(p + 4),
							      *(const uint32_t *)(p + 8) };
			break;
		case 2: /* interrupt source override */
			if (p[3] < 16) {
				acpi.isa_gsi[p[3]] = *(const uint32_t *)(p + 4);
				acpi.isa_flags[p[3]] = *(const uint16_t *)(p + 8);
			}
			break;
		case 5: /* 64-bit local APIC address */
			acpi.lapic_addr = *(const uint64_t *)(p + 4);
			break;
		}
	}
}

/* Decode one integer element of an AML package: ZeroOp, OneOp or BytePrefix n. */
static const uint8_t *aml_small_int(const uint8_t *p, uint8_t *out)
{
	if (*p == 0x0a) {
		*out = p[1];
		return p + 2;
	}
	*out = *p == 0x01 ? 1 : 0;
	return p + 1;
}

/*
 * "_S5_" PackageOp PkgLength NumElements, then two small integers of at most
 * two bytes each: 11 bytes in all. (QEMU's microvm puts it at the very end.)
 */
#define S5_MAX_BYTES 11

static void parse_s5(const struct sdt_header *dsdt)
{
	const uint8_t *p = (const uint8_t *)dsdt;

	for (uint32_t i = sizeof(*dsdt); i + S5_MAX_BYTES <= dsdt->length; i++) {
		if (memcmp(p + i, "_S5_", 4) || p[i + 4] != 0x12)
			continue;
		const uint8_t *q = p + i + 5;
		q += 1 + (*q >> 6); /* PkgLength: lead byte plus 0-3 more */
		q++;		    /* NumElements */
		q = aml_small_int(q, &acpi.slp_typa);
		aml_small_int(q, &acpi.slp_typb);
		acpi.s5_valid = true;
		return;
	}
}

static void parse_fadt(const struct sdt_header *h)
{
	const uint8_t *p = (const uint8_t *)h;
	uint32_t flags = h->length > FADT_FLAGS + 4 ? *(const uint32_t *)(p + FADT_FLAGS) : 0;

	acpi.pm1a_cnt = *(const uint32_t *)(p + FADT_PM1A_CNT);
	acpi.pm1b_cnt = *(const uint32_t *)(p + FADT_PM1B_CNT);
	acpi.pm_timer_port = *(const uint32_t *)(p + FADT_PM_TMR);
	acpi.pm_timer_32bit = flags & FADT_FLAG_TMR_EXT;
	acpi.hw_reduced = flags & FADT_FLAG_HW_REDUCED;
	acpi.has_8042 =
		h->revision < 2 || (*(const uint16_t *)(p + FADT_BOOT_ARCH) & BOOT_ARCH_8042);
	if (h->length >= FADT_SLEEP_CTL + sizeof(struct gas)) {
		const struct gas *g = (const struct gas *)(p + FADT_SLEEP_CTL);
		acpi.sleep_ctl_addr = g->address;
		acpi.sleep_ctl_space = g->space;
	}
	uint64_t dsdt = *(const uint32_t *)(p + FADT_DSDT);
	if (h->length >= FADT_X_DSDT + 8 && *(const uint64_t *)(p + FADT_X_DSDT))
		dsdt = *(const uint64_t *)(p + FADT_X_DSDT);
	const struct sdt_header *d = dsdt ? map_table(dsdt) : NULL;
	if (d)
		parse_s5(d);
	acpi.dsdt = d;
}

/* MCFG: after the header, 8 reserved bytes and 16-byte entries; segment 0 only. */
static void parse_mcfg(const struct sdt_header *h)
{
	const uint8_t *p = (const uint8_t *)h + sizeof(*h) + 8;
	const uint8_t *end = (const uint8_t *)h + h->length;

	for (; p + 16 <= end; p += 16) {
		if (*(const uint16_t *)(p + 8) != 0)
			continue;
		acpi.ecam_base = *(const uint64_t *)p;
		acpi.ecam_bus_start = p[10];
		acpi.ecam_bus_end = p[11];
		return;
	}
}

static void parse_table(uint64_t pa)
{
	const struct sdt_header *h = map_table(pa);

	if (!h)
		return;
	if (!memcmp(h->signature, "APIC", 4))
		parse_madt(h);
	else if (!memcmp(h->signature, "FACP", 4))
		parse_fadt(h);
	else if (!memcmp(h->signature, "MCFG", 4))
		parse_mcfg(h);
}

#define RES_MEMORY32_FIXED 0x86 /* large resource: RW byte, base, length (9 bytes) */
#define RES_EXT_INTERRUPT  0x89 /* large resource: flags, count, then 32-bit GSIs */
#define EXT_IRQ_EDGE	   (1u << 1)
#define EXT_IRQ_LOW	   (1u << 2)

/* The resources of one device, in [p, end): its memory window and first interrupt. */
static bool parse_mmio_resources(const uint8_t *p, const uint8_t *end, struct acpi_mmio_device *d)
{
	bool mem = false, irq = false;

	for (; p + 3 <= end && !(mem && irq); p++) {
		uint16_t len = (uint16_t)(p[1] | p[2] << 8);
		if (*p == RES_MEMORY32_FIXED && len == 9 && p + 12 <= end && !mem) {
			d->base = *(const uint32_t *)(p + 4);
			d->size = *(const uint32_t *)(p + 8);
			mem = true;
			p += 11;
		} else if (*p == RES_EXT_INTERRUPT && len >= 6 && p + 9 <= end && p[4] >= 1 &&
			   !irq) {
			d->gsi = *(const uint32_t *)(p + 5);
			d->level = !(p[3] & EXT_IRQ_EDGE);
			d->active_low = p[3] & EXT_IRQ_LOW;
			irq = true;
			p += 8;
		}
	}
	return mem && irq;
}

/* The next "hid" string (StringPrefix 0x0d, the text, a NUL) in [p, end), or end. */
static const uint8_t *find_hid(const uint8_t *p, const uint8_t *end, const char *hid)
{
	size_t len = strlen(hid);

	for (; p + len + 2 <= end; p++) {
		if (p[0] == 0x0d && !memcmp(p + 1, hid, len) && !p[len + 1])
			return p;
	}
	return end;
}

int acpi_find_mmio_devices(const char *hid, struct acpi_mmio_device *out, int max)
{
	const struct sdt_header *dsdt = acpi.dsdt;
	int n = 0;

	if (!dsdt)
		return 0;
	const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;
	const uint8_t *p = find_hid((const uint8_t *)(dsdt + 1), end, hid);
	while (p < end && n < max) {
		/* A device's resources end where the next device with the same _HID starts. */
		const uint8_t *next = find_hid(p + 1, end, hid);
		if (parse_mmio_resources(p, next, &out[n]))
			n++;
		p = next;
	}
	return n;
}

void acpi_init(uint64_t rsdp_pa)
{
	const struct rsdp *r = find_rsdp(rsdp_pa);

	for (int i = 0; i < 16; i++)
		acpi.isa_gsi[i] = i;
	if (!r || memcmp(r->signature, "RSD PTR ", 8))
		return;
	bool x = r->revision >= 2 && r->xsdt;
	const struct sdt_header *root = map_table(x ? r->xsdt : r->rsdt);
	if (!root)
		return;
	acpi.present = true;
	size_t entry = x ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / entry;
	const uint8_t *e = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++)
		parse_table(x ? *(const uint64_t *)(e + i * 8) : *(const uint32_t *)(e + i * 4));
	if (acpi.hw_reduced && acpi.sleep_ctl_addr && acpi.sleep_ctl_space == 0)
		sleep_ctl_mmio = mmio_map(acpi.sleep_ctl_addr, 1);
}

void acpi_power_off(void)
{
	if (!acpi.present || !acpi.s5_valid)
		return;
	if (acpi.hw_reduced && acpi.sleep_ctl_addr) {
		uint8_t v = (uint8_t)((acpi.slp_typa & 7) << 2 | (1 << 5));
		if (acpi.sleep_ctl_space == 1)
			outb((uint16_t)acpi.sleep_ctl_addr, v);
		else if (sleep_ctl_mmio)
			*sleep_ctl_mmio = v;
		return;
	}
	if (acpi.pm1a_cnt)
		outw((uint16_t)acpi.pm1a_cnt, (uint16_t)(acpi.slp_typa << 10 | (1 << 13)));
	if (acpi.pm1b_cnt)
		outw((uint16_t)acpi.pm1b_cnt, (uint16_t)(acpi.slp_typb << 10 | (1 << 13)));
}
