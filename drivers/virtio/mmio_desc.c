/*
 * The "virtio_mmio.device=SIZE@BASE:IRQ[:ID]" words QEMU's microvm (with
 * acpi=off) and Firecracker append to the command line, read as Linux
 * reads them. Free of kernel calls: tests/unit/test_mmio_desc.c runs it on
 * the host.
 */
#include <alto/format.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include "mmio_desc.h"

#define DESC_MAX 64

int virtio_mmio_parse_desc(const char *s, struct virtio_mmio_desc *out)
{
	char buf[DESC_MAX], *at, *colon, *id;
	unsigned long long size, base, irq, ignored;
	size_t len = strlen(s);

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	at = strchr(buf, '@');
	colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon)
		return -EINVAL;
	*at = *colon = 0;
	id = strchr(colon + 1, ':');
	if (id)
		*id++ = 0;
	if (parse_size(buf, &size) || parse_u64(at + 1, &base) || parse_u64(colon + 1, &irq))
		return -EINVAL;
	if ((id && parse_u64(id, &ignored)) || !size || base + size - 1 < base || irq > UINT32_MAX)
		return -EINVAL;
	*out = (struct virtio_mmio_desc){ .base = base, .size = size, .irq = (uint32_t)irq };
	return 0;
}
