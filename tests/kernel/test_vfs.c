/*
 * Self tests of the VFS and ramfs through the kernel API: file data (a
 * large file appended in odd sizes, seeking, truncation, holes), the
 * operations on names (rename, links, symlinks, directories, mounts) and
 * listing a directory while its entries are deleted. Each test works under
 * /tmp, removes what it made and checks that no heap memory leaked.
 */
#include <alto/mm.h>
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/vfs.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>

#define BIG (3ul << 20)

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 251);
}

static int append_big(struct file *f, uint8_t *buf)
{
	static const size_t sizes[] = { 1, 4093, 7919, 4096, 13, 8191, 577 };
	uint64_t total = 0;

	for (unsigned int i = 0; total < BIG; i++) {
		size_t n = MIN(sizes[i % ARRAY_SIZE(sizes)], BIG - total);
		for (size_t j = 0; j < n; j++)
			buf[j] = pattern(total + j);
		/* O_APPEND: the position does not matter. */
		if (i % 5 == 0)
			vfs_lseek(f, 0, SEEK_SET);
		ST_ASSERT_EQ(vfs_kwrite(f, buf, n), n);
		total += n;
	}
	return 0;
}

static int verify_big(struct file *f, uint8_t *buf)
{
	uint64_t off = 0;

	while (off < BIG) {
		size_t n = MIN((size_t)6007, BIG - off);
		ST_ASSERT_EQ(vfs_pread(f, buf, n, off), n);
		for (size_t j = 0; j < n; j++) {
			if (buf[j] != pattern(off + j)) {
				printk("    byte %lu is %u\n", off + j, buf[j]);
				return -1;
			}
		}
		off += n;
	}
	ST_ASSERT_EQ(vfs_pread(f, buf, 10, BIG), 0);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

static int seek_and_truncate(struct file *f, uint8_t *buf)
{
	ST_ASSERT_EQ(vfs_lseek(f, 10, SEEK_SET), 10);
	ST_ASSERT_EQ(vfs_lseek(f, 5, SEEK_CUR), 15);
	ST_ASSERT_EQ(vfs_lseek(f, -1, SEEK_END), BIG - 1);
	ST_ASSERT_EQ(vfs_lseek(f, -100, SEEK_SET), -EINVAL);
	ST_ASSERT_EQ(vfs_lseek(f, 0, 17), -EINVAL);
	ST_ASSERT_EQ(vfs_lseek(f, 100, SEEK_DATA), 100);
	ST_ASSERT_EQ(vfs_lseek(f, 100, SEEK_HOLE), BIG);
	ST_ASSERT_EQ(vfs_lseek(f, BIG, SEEK_DATA), -ENXIO);
	ST_ASSERT_EQ(vfs_lseek(f, 100, SEEK_SET), 100);
	ST_ASSERT_EQ(vfs_kread(f, buf, 4), 4);
	ST_ASSERT_EQ(buf[0], pattern(100));

	/* Down into the middle of a page, then up again: the tail reads as zeros. */
	ST_ASSERT_EQ(vfs_truncate(f->vnode, 5005), 0);
	ST_ASSERT_EQ(vfs_file_size(f), 5005);
	ST_ASSERT_EQ(vfs_truncate(f->vnode, 3 * 4096), 0);
	ST_ASSERT_EQ(vfs_pread(f, buf, 3 * 4096, 0), 3 * 4096);
	ST_ASSERT(buf[5004] == pattern(5004));
	ST_ASSERT(all_zero(buf + 5005, 3 * 4096 - 5005));
	ST_ASSERT_EQ(vfs_truncate(f->vnode, -1), -EINVAL);
	return 0;
}

static int sparse_file(uint8_t *buf)
{
	struct file *f = vfs_open_kernel("/tmp/io/sparse", O_RDWR | O_CREAT, 0600);
	struct kstat st;

	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_pwrite(f, "end", 3, 1 << 20), 3);
	vfs_getattr(f->vnode, &st);
	ST_ASSERT_EQ(st.size, (1 << 20) + 3);
	ST_ASSERT_EQ(st.blocks, 8); /* one page */
	ST_ASSERT_EQ(st.blksize, 4096);
	ST_ASSERT_EQ(vfs_pread(f, buf, 8192, (1 << 20) - 8189), 8192);
	ST_ASSERT(all_zero(buf, 8189));
	ST_ASSERT(!memcmp(buf + 8189, "end", 3));
	file_put(f);
	return 0;
}

static int open_errors(void)
{
	struct file *f;

	f = vfs_open_kernel("/tmp/io/big", O_RDWR | O_CREAT | O_EXCL, 0600);
	ST_ASSERT_EQ(PTR_ERR(f), -EEXIST);
	f = vfs_open_kernel("/tmp/io", O_WRONLY, 0);
	ST_ASSERT_EQ(PTR_ERR(f), -EISDIR);
	f = vfs_open_kernel("/tmp/io/big", O_RDONLY | O_DIRECTORY, 0);
	ST_ASSERT_EQ(PTR_ERR(f), -ENOTDIR);
	f = vfs_open_kernel("/tmp/io/nonesuch", O_RDONLY, 0);
	ST_ASSERT_EQ(PTR_ERR(f), -ENOENT);
	f = vfs_open_kernel("/tmp/io/nonesuch/x", O_RDWR | O_CREAT, 0600);
	ST_ASSERT_EQ(PTR_ERR(f), -ENOENT);
	f = vfs_open_kernel("/tmp/io/big/x", O_RDONLY, 0);
	ST_ASSERT_EQ(PTR_ERR(f), -ENOTDIR);
	f = vfs_open_kernel("/tmp/io/new/", O_RDWR | O_CREAT, 0600);
	ST_ASSERT_EQ(PTR_ERR(f), -EISDIR);

	f = vfs_open_kernel("/tmp/io", O_RDONLY, 0);
	ST_ASSERT(!IS_ERR(f));
	char c;
	ST_ASSERT_EQ(vfs_kread(f, &c, 1), -EISDIR);
	file_put(f);

	/* O_TRUNC empties; a read-only file cannot be written. */
	f = vfs_open_kernel("/tmp/io/big", O_RDONLY | O_TRUNC, 0);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_file_size(f), 0);
	ST_ASSERT_EQ(vfs_kwrite(f, "x", 1), -EBADF);
	file_put(f);
	return 0;
}

SELFTEST(vfs_file_io)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	uint64_t pages = pages_free_count();
	uint8_t *buf = kmalloc(16384);
	struct file *f;

	ST_ASSERT(buf);
	ST_ASSERT_EQ(vfs_mkdir(NULL, "/tmp/io", 0755), 0);
	f = vfs_open_kernel("/tmp/io/big", O_RDWR | O_CREAT | O_EXCL | O_APPEND, 0644);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(append_big(f, buf), 0);
	ST_ASSERT_EQ(vfs_file_size(f), BIG);
	ST_ASSERT_EQ(verify_big(f, buf), 0);
	ST_ASSERT_EQ(seek_and_truncate(f, buf), 0);
	file_put(f);
	ST_ASSERT_EQ(sparse_file(buf), 0);
	ST_ASSERT_EQ(open_errors(), 0);
	ST_ASSERT_EQ(vfs_unlink(NULL, "/tmp/io/big"), 0);
	ST_ASSERT_EQ(vfs_unlink(NULL, "/tmp/io/sparse"), 0);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/io"), 0);
	kfree(buf);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	/* The file's 768 pages came back (the heap may keep a few slab pages). */
	ST_ASSERT(pages_free_count() + 16 >= pages);
	return 0;
}

static int make_file(const char *path, const char *text)
{
	struct file *f = vfs_open_kernel(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	long n = vfs_kwrite(f, text, strlen(text));
	file_put(f);
	return n == (long)strlen(text) ? 0 : -1;
}

/* The contents of a small file, compared with text. */
static int check_file(const char *path, const char *text)
{
	char buf[64] = { 0 };
	struct file *f = vfs_open_kernel(path, O_RDONLY, 0);

	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	long n = vfs_kread(f, buf, sizeof(buf) - 1);
	file_put(f);
	return n == (long)strlen(text) && !strcmp(buf, text) ? 0 : -1;
}

static uint32_t nlink_of(const char *path)
{
	struct kstat st;

	return vfs_stat(NULL, path, 0, &st) ? 0 : st.nlink;
}

static int renames(void)
{
	ST_ASSERT_EQ(make_file("/tmp/n/a/f", "hello"), 0);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/a/f", NULL, "/tmp/n/b/g", 0), 0);
	ST_ASSERT_EQ(check_file("/tmp/n/a/f", ""), -ENOENT);
	ST_ASSERT_EQ(check_file("/tmp/n/b/g", "hello"), 0);
	ST_ASSERT_EQ(make_file("/tmp/n/b/h", "xyz"), 0);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/b/g", NULL, "/tmp/n/b/h", RENAME_NOREPLACE), -EEXIST);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/b/g", NULL, "/tmp/n/b/h", 0), 0);
	ST_ASSERT_EQ(check_file("/tmp/n/b/h", "hello"), 0);
	ST_ASSERT_EQ(check_file("/tmp/n/b/g", ""), -ENOENT);
	/* Directories: into itself, over a non-empty one, onto a file. */
	ST_ASSERT_EQ(vfs_mkdir(NULL, "/tmp/n/a/sub", 0755), 0);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/a", NULL, "/tmp/n/a/sub/x", 0), -EINVAL);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/b", NULL, "/tmp/n/a", 0), -ENOTEMPTY);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/a", NULL, "/tmp/n/b/h", 0), -ENOTDIR);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/b/h", NULL, "/tmp/n/a/sub", 0), -EISDIR);
	/* A directory moving keeps the link counts right: 2 + subdirectories. */
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/a/sub", NULL, "/tmp/n/b/sub", 0), 0);
	ST_ASSERT_EQ(nlink_of("/tmp/n/a"), 2);
	ST_ASSERT_EQ(nlink_of("/tmp/n/b"), 3);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/b/sub", NULL, "/tmp/n/a/sub2", 0), 0);
	ST_ASSERT_EQ(vfs_rename(NULL, "/tmp/n/b/h", NULL, "/nope", 0), -EXDEV);
	return 0;
}

static int links(void)
{
	struct kstat st;

	ST_ASSERT_EQ(vfs_link(NULL, "/tmp/n/b/h", NULL, "/tmp/n/a/l", 0), 0);
	ST_ASSERT_EQ(nlink_of("/tmp/n/b/h"), 2);
	ST_ASSERT_EQ(vfs_link(NULL, "/tmp/n/b/h", NULL, "/tmp/n/a/l", 0), -EEXIST);
	ST_ASSERT_EQ(vfs_link(NULL, "/tmp/n/a", NULL, "/tmp/n/dirlink", 0), -EPERM);
	ST_ASSERT_EQ(vfs_link(NULL, "/tmp/n/b/h", NULL, "/x", 0), -EXDEV);
	ST_ASSERT_EQ(vfs_unlink(NULL, "/tmp/n/b/h"), 0);
	ST_ASSERT_EQ(nlink_of("/tmp/n/a/l"), 1);
	/* An open file outlives its last name. */
	struct file *f = vfs_open_kernel("/tmp/n/a/l", O_RDONLY, 0);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_unlink(NULL, "/tmp/n/a/l"), 0);
	vfs_getattr(f->vnode, &st);
	ST_ASSERT_EQ(st.nlink, 0);
	char buf[8];
	ST_ASSERT_EQ(vfs_pread(f, buf, sizeof(buf), 0), 5);
	file_put(f);
	return 0;
}

static int symlinks(void)
{
	struct kstat st;
	char buf[16];

	ST_ASSERT_EQ(make_file("/tmp/n/b/t", "target"), 0);
	ST_ASSERT_EQ(vfs_symlink("b", NULL, "/tmp/n/s"), 0);
	ST_ASSERT_EQ(vfs_symlink("/tmp/n/s/t", NULL, "/tmp/n/abs"), 0);
	ST_ASSERT_EQ(check_file("/tmp/n/s/t", "target"), 0);
	ST_ASSERT_EQ(check_file("/tmp/n/abs", "target"), 0);
	ST_ASSERT_EQ(vfs_stat(NULL, "/tmp/n/abs", 0, &st), 0);
	ST_ASSERT(S_ISLNK(st.mode));
	ST_ASSERT_EQ(st.size, 10);
	ST_ASSERT_EQ(vfs_stat(NULL, "/tmp/n/abs", LOOKUP_FOLLOW, &st), 0);
	ST_ASSERT(S_ISREG(st.mode));
	ST_ASSERT_EQ(vfs_readlink(NULL, "/tmp/n/s", 0, buf, sizeof(buf)), 1);
	ST_ASSERT_EQ(buf[0], 'b');
	ST_ASSERT_EQ(vfs_readlink(NULL, "/tmp/n/b/t", 0, buf, sizeof(buf)), -EINVAL);
	ST_ASSERT_EQ(vfs_symlink("loop2", NULL, "/tmp/n/loop1"), 0);
	ST_ASSERT_EQ(vfs_symlink("loop1", NULL, "/tmp/n/loop2"), 0);
	ST_ASSERT_EQ(PTR_ERR(vfs_open_kernel("/tmp/n/loop1", O_RDONLY, 0)), -ELOOP);
	ST_ASSERT_EQ(PTR_ERR(vfs_open_kernel("/tmp/n/abs", O_RDONLY | O_NOFOLLOW, 0)), -ELOOP);
	/* A dangling symlink: O_CREAT makes its target. */
	ST_ASSERT_EQ(vfs_symlink("made", NULL, "/tmp/n/dangling"), 0);
	ST_ASSERT_EQ(make_file("/tmp/n/dangling", "new"), 0);
	ST_ASSERT_EQ(check_file("/tmp/n/made", "new"), 0);
	ST_ASSERT_EQ(check_file("/tmp/n/b/t/", ""), -ENOTDIR);
	return 0;
}

static int directories(void)
{
	struct kstat root, tmp, st;

	ST_ASSERT_EQ(vfs_mkdir(NULL, "/tmp/n/a", 0755), -EEXIST);
	ST_ASSERT_EQ(vfs_mkdir(NULL, "/", 0755), -EEXIST);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/n/b"), -ENOTEMPTY);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/n/b/t"), -ENOTDIR);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/n/."), -EINVAL);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp"), -EBUSY);
	ST_ASSERT_EQ(vfs_unlink(NULL, "/tmp/n/a"), -EISDIR);
	/* ".." leaves a mount through the directory it covers; st_dev differs per mount. */
	ST_ASSERT_EQ(vfs_stat(NULL, "/", 0, &root), 0);
	ST_ASSERT_EQ(vfs_stat(NULL, "/tmp/n/../..", 0, &st), 0);
	ST_ASSERT_EQ(st.ino, root.ino);
	ST_ASSERT_EQ(st.dev, root.dev);
	ST_ASSERT_EQ(vfs_stat(NULL, "/tmp", 0, &tmp), 0);
	ST_ASSERT(tmp.dev != root.dev);
	ST_ASSERT_EQ(tmp.mode, S_IFDIR | 01777);
	ST_ASSERT_EQ(vfs_stat(NULL, "/../tmp/./n/a/../b", LOOKUP_FOLLOW, &st), 0);
	ST_ASSERT_EQ(st.nlink, 2);
	char cwd[8];
	ST_ASSERT_EQ(vfs_getcwd(cwd, sizeof(cwd)), 2);
	ST_ASSERT(!strcmp(cwd, "/"));
	return 0;
}

static const char *const names_cleanup[] = {
	"/tmp/n/b/t",	"/tmp/n/s",	   "/tmp/n/abs",  "/tmp/n/loop1",
	"/tmp/n/loop2", "/tmp/n/dangling", "/tmp/n/made",
};

SELFTEST(vfs_names)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();

	ST_ASSERT_EQ(vfs_mkdir(NULL, "/tmp/n", 0755), 0);
	ST_ASSERT_EQ(vfs_mkdir(NULL, "/tmp/n/a", 0755), 0);
	ST_ASSERT_EQ(vfs_mkdir(NULL, "/tmp/n/b/", 0755), 0);
	ST_ASSERT_EQ(nlink_of("/tmp/n"), 4);
	ST_ASSERT_EQ(renames(), 0);
	ST_ASSERT_EQ(links(), 0);
	ST_ASSERT_EQ(symlinks(), 0);
	ST_ASSERT_EQ(directories(), 0);
	for (size_t i = 0; i < ARRAY_SIZE(names_cleanup); i++)
		ST_ASSERT_EQ(vfs_unlink(NULL, names_cleanup[i]), 0);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/n/a/sub2"), 0);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/n/a"), 0);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/n/b"), 0);
	ST_ASSERT_EQ(nlink_of("/tmp/n"), 2);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/n"), 0);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}

#define NFILES 60

/* Take a few entries per call, as a small getdents buffer would. */
struct listing {
	char names[7][8];
	int n, max;
	int dots, bad;
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned int type,
		   uint64_t next)
{
	struct listing *l = ctx;

	if (l->n == l->max)
		return 1;
	if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2))) {
		l->dots++;
		l->bad += type != DT_DIR;
		return 0;
	}
	if (len >= sizeof(l->names[0]) || type != DT_REG) {
		l->bad++;
		return 0;
	}
	memcpy(l->names[l->n], name, len);
	l->names[l->n++][len] = 0;
	return 0;
}

/* List the directory a few entries at a time, removing each batch, as rm -r does. */
static int list_and_delete(struct file *dir, uint8_t *seen, int *dots)
{
	char path[32];
	struct listing l = { .max = 7 };

	do {
		l.n = 0;
		ST_ASSERT_EQ(vfs_readdir(dir, collect, &l), 0);
		for (int i = 0; i < l.n; i++) {
			int k = (l.names[i][1] - '0') * 10 + (l.names[i][2] - '0');
			ST_ASSERT(k >= 0 && k < NFILES);
			seen[k]++;
			snprintf(path, sizeof(path), "/tmp/d/%s", l.names[i]);
			ST_ASSERT_EQ(vfs_unlink(NULL, path), 0);
		}
	} while (l.n);
	ST_ASSERT_EQ(l.bad, 0);
	*dots = l.dots;
	return 0;
}

SELFTEST(vfs_getdents_delete)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	uint8_t seen[NFILES] = { 0 };
	char path[32];
	int dots = 0;

	ST_ASSERT_EQ(vfs_mkdir(NULL, "/tmp/d", 0755), 0);
	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "/tmp/d/f%02d", i);
		ST_ASSERT_EQ(make_file(path, "x"), 0);
	}
	struct file *dir = vfs_open_kernel("/tmp/d", O_RDONLY | O_DIRECTORY, 0);
	ST_ASSERT(!IS_ERR(dir));
	ST_ASSERT_EQ(list_and_delete(dir, seen, &dots), 0);
	ST_ASSERT_EQ(dots, 2);
	for (int i = 0; i < NFILES; i++)
		ST_ASSERT_EQ(seen[i], 1);
	/* Rewinding starts over: only the dots are left. */
	struct listing l = { .max = 7 };
	ST_ASSERT_EQ(vfs_lseek(dir, 0, SEEK_SET), 0);
	ST_ASSERT_EQ(vfs_readdir(dir, collect, &l), 0);
	ST_ASSERT_EQ(l.dots, 2);
	ST_ASSERT_EQ(l.n, 0);
	file_put(dir);
	ST_ASSERT_EQ(vfs_rmdir(NULL, "/tmp/d"), 0);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}
