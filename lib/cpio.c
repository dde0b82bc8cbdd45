/*
 * cpio newc reading and writing, shared by the kernel (unpacking the initrd)
 * and the host tool (building it). Headers are 13 eight-digit hex fields.
 */
#include <alto/cpio.h>
#include <alto/format.h>
#include <alto/string.h>
#include <uapi/errno.h>

#define MAGIC "070701"

#define BYTES(b) (0x0101010101010101ull * (b))

/* Per byte of x (each below 0x80): 0x80 where the byte is at least b. */
static uint64_t at_least(uint64_t x, uint8_t b)
{
	return (x + BYTES(0x80 - b)) & BYTES(0x80);
}

/*
 * Eight hex digits, all at once in one 64-bit word (the kernel reads every
 * header of the image at boot, and under emulation each instruction
 * counts): a byte is a digit when it lies in 0-9, A-F or a-f; its value is
 * its low nibble, plus 9 for a letter. Little-endian: p[0] is the low byte.
 */
static int hex8(const char *p, uint32_t *out)
{
	uint64_t x, lower, digit, letter, v;

	__builtin_memcpy(&x, p, 8);
	if (x & BYTES(0x80))
		return -EINVAL;
	lower = x | BYTES(0x20);
	digit = at_least(x, '0') & ~at_least(x, '9' + 1);
	letter = at_least(lower, 'a') & ~at_least(lower, 'f' + 1);
	if ((digit | letter) != BYTES(0x80))
		return -EINVAL;
	v = (x & BYTES(0x0f)) + (letter >> 7) * 9;
	v = (v & 0x000f000f000f000full) << 4 | (v & 0x0f000f000f000f00ull) >> 8;
	v = (v & 0x000000ff000000ffull) << 8 | (v & 0x00ff000000ff0000ull) >> 16;
	*out = (uint32_t)((v & 0xffff) << 16 | (v >> 32 & 0xffff));
	return 0;
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *e)
{
	const char *h = (const char *)archive + *offset;
	uint32_t f[13];

	if (*offset > size || size - *offset < CPIO_HEADER_SIZE || memcmp(h, MAGIC, 6))
		return -EINVAL;
	for (int i = 0; i < 13; i++) {
		if (hex8(h + 6 + 8 * i, &f[i]))
			return -EINVAL;
	}
	/* ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize
	 * check */
	size_t namesize = f[11];
	size_t name_off = *offset + CPIO_HEADER_SIZE;
	if (namesize == 0 || namesize > size - name_off)
		return -EINVAL;
	size_t data_off = align4(name_off + namesize);
	if (data_off > size || f[6] > size - data_off)
		return -EINVAL;
	*e = (struct cpio_entry){
		.name = h + CPIO_HEADER_SIZE,
		.namelen = strnlen(h + CPIO_HEADER_SIZE, namesize),
		.ino = f[0],
		.mode = f[1],
		.uid = f[2],
		.gid = f[3],
		.nlink = f[4],
		.mtime = f[5],
		.data = (const char *)archive + data_off,
		.size = f[6],
	};
	*offset = align4(data_off + e->size);
	if (e->namelen == sizeof(CPIO_TRAILER) - 1 && !memcmp(e->name, CPIO_TRAILER, e->namelen))
		return 0;
	return 1;
}

int cpio_skim(const void *archive, size_t *offset, struct cpio_entry *e)
{
	const char *h = (const char *)archive + *offset;
	uint32_t mode, size, namesize;

	hex8(h + 6 + 8 * 1, &mode);
	hex8(h + 6 + 8 * 6, &size);
	hex8(h + 6 + 8 * 11, &namesize);
	size_t data_off = align4(*offset + CPIO_HEADER_SIZE + namesize);
	e->name = h + CPIO_HEADER_SIZE;
	e->namelen = strnlen(e->name, namesize);
	e->mode = mode;
	e->size = size;
	*offset = align4(data_off + size);
	return e->namelen != sizeof(CPIO_TRAILER) - 1 || memcmp(e->name, CPIO_TRAILER, e->namelen);
}

size_t cpio_header(char *out, size_t offset, const struct cpio_entry *e)
{
	size_t name_off = offset + CPIO_HEADER_SIZE;
	size_t namesize = e->namelen + 1;
	/* Regular files with data: pad the name so the data is page-aligned. */
	if ((e->mode & CPIO_S_IFMT) == CPIO_S_IFREG && e->size) {
		size_t data_off = name_off + namesize;
		namesize += (CPIO_DATA_ALIGN - data_off % CPIO_DATA_ALIGN) % CPIO_DATA_ALIGN;
	}
	int n = snprintf(out, CPIO_HEADER_SIZE + 1,
			 MAGIC "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", e->ino,
			 e->mode, e->uid, e->gid, e->nlink, e->mtime, (uint32_t)e->size, 0, 0, 0, 0,
			 (uint32_t)namesize, 0);
	memcpy(out + n, e->name, e->namelen);
	size_t end = align4(CPIO_HEADER_SIZE + namesize + offset) - offset;
	memset(out + n + e->namelen, 0, end - n - e->namelen);
	return end;
}

size_t cpio_data_pad(size_t size)
{
	return align4(size) - size;
}
