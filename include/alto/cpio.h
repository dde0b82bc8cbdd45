/*
 * The cpio "newc" format (SVR4, magic 070701), the image format: the host
 * tool writes it and the kernel unpacks it into the root file system. The
 * code is written once (lib/cpio.c) and built into both.
 *
 * Alto's writer pads each file's name with extra NULs so that file data
 * starts on a 4 KiB boundary of the archive; standard readers accept this
 * (namesize covers the padding), and it lets the kernel use file data where
 * it lies.
 */
#ifndef ALTO_CPIO_H
#define ALTO_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER	 "TRAILER!!!"
#define CPIO_DATA_ALIGN	 4096

/* File types in mode, as in stat's st_mode. */
#define CPIO_S_IFMT  0170000
#define CPIO_S_IFREG 0100000
#define CPIO_S_IFDIR 0040000
#define CPIO_S_IFLNK 0120000

struct cpio_entry {
	const char *name; /* not necessarily NUL-terminated at namelen */
	size_t namelen;	  /* without the NUL */
	uint32_t mode, uid, gid, nlink, mtime, ino;
	const void *data; /* file contents, or the target of a symlink */
	size_t size;
};

/*
 * Read the entry at *offset of an archive of size bytes. Returns 1 with the
 * entry and *offset moved past it, 0 at the trailer, -EINVAL on a malformed
 * or truncated archive.
 */
int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *e);

/*
 * cpio_next() for an archive it has read whole without error: only name,
 * namelen, mode and size are filled, for a pass over every header that
 * needs no more (the kernel's index of the image).
 */
int cpio_skim(const void *archive, size_t *offset, struct cpio_entry *e);

/*
 * Format the header and padded name of an entry whose data will start at
 * archive offset `offset`: writes at most CPIO_HEADER_SIZE + namelen + 1 +
 * CPIO_DATA_ALIGN bytes to out and returns how many. The data itself follows,
 * then cpio_data_pad(size) zero bytes.
 */
size_t cpio_header(char *out, size_t offset, const struct cpio_entry *e);
size_t cpio_data_pad(size_t size);

#endif
