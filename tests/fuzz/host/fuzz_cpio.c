/*
 * libFuzzer target: the cpio newc code shared by the kernel and the host
 * tool (lib/cpio.c). The reader walks the input as the kernel walks an
 * image: every entry it returns must lie inside the archive. The writer is
 * driven by the input too: entries made from its bytes are written and read
 * back, and must come back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <alto/cpio.h>

static void read_all(const uint8_t *data, size_t size)
{
	struct cpio_entry e;
	size_t off = 0, last = 0;
	int r;

	while ((r = cpio_next(data, size, &off, &e)) == 1) {
		const char *lo = (const char *)data, *hi = lo + size;
		if (e.name < lo || e.name + e.namelen > hi)
			abort();
		if (e.size && ((const char *)e.data < lo || (const char *)e.data + e.size > hi))
			abort();
		if (off <= last || off > size + 3)
			abort();
		last = off;
	}
}

/* Entries from the input's bytes: a name length, a mode, a data length, then the bytes. */
static void round_trip(const uint8_t *data, size_t size)
{
	size_t cap = 2 * size + 64 * 1024, at = 0, in = 0, n = 0;
	char *archive = malloc(cap);
	struct cpio_entry want[16];

	while (in + 3 <= size && n < 16) {
		size_t namelen = 1 + data[in] % 64, datalen = data[in + 2] * 16u;
		unsigned int mode = data[in + 1] & 1 ? CPIO_S_IFREG | 0644 : CPIO_S_IFDIR | 0755;
		in += 3;
		if (in + namelen + (mode & CPIO_S_IFDIR ? 0 : datalen) > size)
			break;
		if (memchr(data + in, 0, namelen) ||
		    (namelen == strlen(CPIO_TRAILER) && !memcmp(data + in, CPIO_TRAILER, namelen)))
			break; /* the tool refuses that name (image.c): it ends an archive */
		if (mode & CPIO_S_IFDIR)
			datalen = 0;
		struct cpio_entry e = { .name = (const char *)data + in,
					.namelen = namelen,
					.mode = mode,
					.ino = (uint32_t)n + 1,
					.mtime = 7,
					.data = data + in + namelen,
					.size = datalen };
		if (at + CPIO_HEADER_SIZE + namelen + 1 + CPIO_DATA_ALIGN + datalen + 4 > cap)
			break;
		at += cpio_header(archive + at, at, &e);
		memcpy(archive + at, e.data, datalen);
		at += datalen;
		memset(archive + at, 0, cpio_data_pad(datalen));
		at += cpio_data_pad(datalen);
		want[n++] = e;
		in += namelen + datalen;
	}
	struct cpio_entry t = { .name = CPIO_TRAILER, .namelen = strlen(CPIO_TRAILER), .nlink = 1 };
	at += cpio_header(archive + at, at, &t);
	size_t off = 0;
	struct cpio_entry got;
	for (size_t i = 0; i < n; i++) {
		if (cpio_next(archive, at, &off, &got) != 1 || got.namelen != want[i].namelen ||
		    memcmp(got.name, want[i].name, got.namelen) || got.mode != want[i].mode ||
		    got.size != want[i].size || memcmp(got.data, want[i].data, got.size))
			abort();
		if ((got.mode & CPIO_S_IFMT) == CPIO_S_IFREG && got.size &&
		    ((const char *)got.data - archive) % CPIO_DATA_ALIGN)
			abort(); /* file data is page-aligned in the archive */
	}
	if (cpio_next(archive, at, &off, &got) != 0)
		abort();
	free(archive);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	read_all(copy, size);
	round_trip(copy, size);
	free(copy);
	return 0;
}
