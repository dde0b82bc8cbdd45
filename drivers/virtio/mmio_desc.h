/*
 * The virtio-mmio device descriptions hypervisors append to the kernel
 * command line (drivers/virtio/mmio_desc.c), kept apart from the transport
 * so the parser is tested on the host (tests/unit/test_mmio_desc.c).
 */
#ifndef DRIVERS_VIRTIO_MMIO_DESC_H
#define DRIVERS_VIRTIO_MMIO_DESC_H

#include <stdint.h>

struct virtio_mmio_desc {
	uint64_t base, size;
	uint32_t irq;
};

/*
 * Read "SIZE@BASE:IRQ[:ID]" (the value of a virtio_mmio.device= word, as
 * Linux takes it: SIZE may end in K, M or G, numbers are decimal or 0x hex,
 * ID is ignored). Returns 0, or -EINVAL for anything else: a missing part,
 * trailing text, a zero size, a window past the end of the address space,
 * an IRQ that does not fit 32 bits.
 */
int virtio_mmio_parse_desc(const char *s, struct virtio_mmio_desc *out);

#endif
