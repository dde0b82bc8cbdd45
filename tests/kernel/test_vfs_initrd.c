/*
 * Self test of initrd_unpack: an archive written with cpio_header() (files
 * with page-aligned data, so pages are borrowed), a missing parent, a
 * symlink and attributes; writing to an unpacked file copies the borrowed
 * page and leaves the archive alone; a truncated archive is refused whole.
 * The first archive is indexed and its directories filled on first use; the
 * same archive with a "." in a name is unpacked the old way (entry by entry
 * through the VFS), and both must give the same files. When every
 * directory has been filled, the index is freed (the heap is back).
 */
#include <alto/cpio.h>
#include <alto/mm.h>
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/vfs.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>

#define ARCHIVE_ORDER 3 /* 32 KiB */
#define FILE_SIZE     5000

static size_t add(char *ar, size_t off, const char *name, uint32_t mode, const void *data,
		  size_t size)
{
	struct cpio_entry e = {
		.name = name,
		.namelen = strlen(name),
		.mode = mode,
		.uid = 7,
		.gid = 8,
		.nlink = 1,
		.mtime = 1234567,
		.size = size,
	};

	off += cpio_header(ar + off, off, &e);
	memcpy(ar + off, data, size);
	return off + size + cpio_data_pad(size);
}

static size_t build(char *ar, const char *top, bool dot)
{
	static char data[FILE_SIZE];
	char name[64];
	size_t off = 0;

	for (int i = 0; i < FILE_SIZE; i++)
		data[i] = (char)('a' + i % 26);
	off = add(ar, off, top, CPIO_S_IFDIR | 0750, NULL, 0);
	snprintf(name, sizeof(name), "%s/sub/file", top); /* sub is not in the archive */
	off = add(ar, off, name, CPIO_S_IFREG | 0640, data, FILE_SIZE);
	snprintf(name, sizeof(name), "./%s/link", top);
	off = add(ar, off, name, CPIO_S_IFLNK | 0777, "sub/file", 8);
	snprintf(name, sizeof(name), dot ? "%s/./empty" : "%s/empty", top);
	off = add(ar, off, name, CPIO_S_IFREG | 0600, NULL, 0);
	return add(ar, off, CPIO_TRAILER, 0, NULL, 0);
}

/* "/top/rest", in a buffer that the next call reuses. */
static const char *at(const char *top, const char *rest)
{
	static char path[64];

	snprintf(path, sizeof(path), "/%s%s", top, rest);
	return path;
}

static int check_unpacked(const char *ar, const char *top)
{
	struct kstat st;
	char buf[32];

	ST_ASSERT_EQ(vfs_stat(NULL, at(top, ""), 0, &st), 0);
	ST_ASSERT_EQ(st.mode, S_IFDIR | 0750);
	ST_ASSERT_EQ(st.mtime.tv_sec, 1234567);
	ST_ASSERT_EQ(vfs_stat(NULL, at(top, "/sub"), 0, &st), 0);
	ST_ASSERT_EQ(st.mode, S_IFDIR | 0755);
	ST_ASSERT_EQ(vfs_stat(NULL, at(top, "/link"), LOOKUP_FOLLOW, &st), 0);
	ST_ASSERT_EQ(st.mode, S_IFREG | 0640);
	ST_ASSERT_EQ(st.size, FILE_SIZE);
	ST_ASSERT_EQ(st.uid, 7);
	ST_ASSERT_EQ(st.gid, 8);
	ST_ASSERT_EQ(st.mtime.tv_sec, 1234567);
	ST_ASSERT_EQ(vfs_stat(NULL, at(top, "/empty"), 0, &st), 0);
	ST_ASSERT_EQ(st.size, 0);

	struct file *f = vfs_open_kernel(at(top, "/link"), O_RDWR, 0);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_pread(f, buf, 4, 4096 - 2), 4);
	ST_ASSERT(!memcmp(buf, "mnop", 4)); /* 4094 % 26 == 12 */
	/* The first page is the archive's own: a write copies it first. */
	ST_ASSERT_EQ(vfs_pwrite(f, "XY", 2, 0), 2);
	ST_ASSERT_EQ(vfs_pread(f, buf, 3, 0), 3);
	ST_ASSERT(!memcmp(buf, "XYc", 3));
	ST_ASSERT(!memcmp(ar + CPIO_DATA_ALIGN, "abc", 3));
	file_put(f);
	return 0;
}

static int remove_unpacked(const char *top)
{
	ST_ASSERT_EQ(vfs_unlink(NULL, at(top, "/sub/file")), 0);
	ST_ASSERT_EQ(vfs_unlink(NULL, at(top, "/link")), 0);
	ST_ASSERT_EQ(vfs_unlink(NULL, at(top, "/empty")), 0);
	ST_ASSERT_EQ(vfs_rmdir(NULL, at(top, "/sub")), 0);
	ST_ASSERT_EQ(vfs_rmdir(NULL, at(top, "")), 0);
	return 0;
}

SELFTEST(initrd)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	char *ar = page_alloc_zeroed(ARCHIVE_ORDER);
	struct kstat st;
	size_t size;

	ST_ASSERT(ar);
	/* Indexed, then with a "." in a name: unpacked entry by entry. */
	for (int dot = 0; dot < 2; dot++) {
		const char *top = dot ? "st_initrd_dot" : "st_initrd";
		memset(ar, 0, PAGE_SIZE << ARCHIVE_ORDER);
		size = build(ar, top, dot);
		ST_ASSERT(size <= PAGE_SIZE << ARCHIVE_ORDER);
		ST_ASSERT_EQ(initrd_unpack(ar, size), 0);
		ST_ASSERT_EQ(check_unpacked(ar, top), 0);
		ST_ASSERT_EQ(remove_unpacked(top), 0);
	}

	/* Cut short, even by a byte: refused, and nothing is created. */
	memset(ar, 0, PAGE_SIZE << ARCHIVE_ORDER);
	size = build(ar, "st_initrd2", false);
	ST_ASSERT_EQ(initrd_unpack(ar, size - 200), -EINVAL);
	ST_ASSERT_EQ(initrd_unpack(ar, size - 1), -EINVAL);
	ST_ASSERT_EQ(vfs_stat(NULL, "/st_initrd2", 0, &st), -ENOENT);
	page_free(ar);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}
