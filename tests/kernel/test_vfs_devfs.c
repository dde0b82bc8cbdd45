/*
 * Self tests of /dev (null, zero, full, urandom and their device numbers),
 * the kernel random generator, the descriptor table (lowest free fd, dup2,
 * close-on-exec, close_range) and files without names.
 */
#include <alto/boot.h>
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/random.h>
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/vfs.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v)
			return false;
	}
	return true;
}

static int memory_devices(uint8_t *buf)
{
	struct file *f;

	f = vfs_open_kernel("/dev/zero", O_RDWR, 0);
	ST_ASSERT(!IS_ERR(f));
	memset(buf, 0xaa, 512);
	ST_ASSERT_EQ(vfs_kread(f, buf, 512), 512);
	ST_ASSERT(all_bytes(buf, 512, 0));
	ST_ASSERT_EQ(vfs_kwrite(f, buf, 100), 100);
	file_put(f);

	f = vfs_open_kernel("/dev/null", O_RDWR, 0);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_kread(f, buf, 512), 0);
	ST_ASSERT_EQ(vfs_kwrite(f, buf, 512), 512);
	ST_ASSERT_EQ(vfs_lseek(f, 100, SEEK_SET), 0);
	file_put(f);

	f = vfs_open_kernel("/dev/full", O_RDWR, 0);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_kwrite(f, buf, 1), -ENOSPC);
	ST_ASSERT_EQ(vfs_kread(f, buf, 16), 16);
	file_put(f);
	return 0;
}

static int random_devices(uint8_t *buf)
{
	struct file *f = vfs_open_kernel("/dev/urandom", O_RDONLY, 0);

	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT_EQ(vfs_kread(f, buf, 1000), 1000);
	ST_ASSERT_EQ(vfs_kread(f, buf + 1000, 1000), 1000);
	file_put(f);
	/* Two reads differ, and 2000 random bytes use most byte values. */
	ST_ASSERT(memcmp(buf, buf + 1000, 1000));
	int distinct = 0;
	for (int v = 0; v < 256; v++)
		distinct += memchr(buf, v, 2000) != NULL;
	ST_ASSERT(distinct > 200);
	uint64_t a = random_u64(), b = random_u64();
	ST_ASSERT(a != b);
	return 0;
}

SELFTEST(devfs)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	uint8_t *buf = kmalloc(2048);
	struct kstat st;

	ST_ASSERT(buf);
	ST_ASSERT_EQ(memory_devices(buf), 0);
	ST_ASSERT_EQ(random_devices(buf), 0);
	kfree(buf);
	ST_ASSERT_EQ(vfs_stat(NULL, "/dev/null", 0, &st), 0);
	ST_ASSERT(S_ISCHR(st.mode));
	ST_ASSERT_EQ(st.rdev, makedev_linux(1, 3));
	ST_ASSERT_EQ(vfs_stat(NULL, "/dev/console", 0, &st), 0);
	ST_ASSERT_EQ(st.rdev, makedev_linux(5, 1));
	/* The descriptor's own file, through procfs's magic links (tests/guest/devfd.c). */
	char link[32];
	ST_ASSERT_EQ(vfs_readlink(NULL, "/dev/stdout", 0, link, sizeof(link)), 15);
	ST_ASSERT(!memcmp(link, "/proc/self/fd/1", 15));
	if (!cmdline_has("tty"))
		ST_ASSERT_EQ(PTR_ERR(vfs_open_kernel("/dev/tty", O_RDWR, 0)), -ENXIO);
	/* A device number nobody drives opens as ENXIO. */
	ST_ASSERT_EQ(vfs_mknod(NULL, "/tmp/nodev", S_IFCHR | 0600, makedev_linux(42, 42)), 0);
	ST_ASSERT_EQ(PTR_ERR(vfs_open_kernel("/tmp/nodev", O_RDWR, 0)), -ENXIO);
	ST_ASSERT_EQ(vfs_unlink(NULL, "/tmp/nodev"), 0);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}

static int fd_numbers(struct fdtable *t, struct file *f)
{
	for (int i = 0; i < 5; i++) {
		file_get(f);
		ST_ASSERT_EQ(fd_alloc(t, f, 0, i == 1), i);
	}
	ST_ASSERT_EQ(fd_close(t, 2), 0);
	ST_ASSERT_EQ(fd_close(t, 2), -EBADF);
	file_get(f);
	ST_ASSERT_EQ(fd_alloc(t, f, 0, false), 2); /* the lowest free one */
	file_get(f);
	ST_ASSERT_EQ(fd_alloc(t, f, 10, false), 10);
	ST_ASSERT_EQ(fd_get_cloexec(t, 1), FD_CLOEXEC);
	ST_ASSERT_EQ(fd_get_cloexec(t, 0), 0);
	ST_ASSERT_EQ(fd_set_cloexec(t, 0, true), 0);
	ST_ASSERT_EQ(fd_get_cloexec(t, 0), FD_CLOEXEC);
	ST_ASSERT_EQ(fd_get_cloexec(t, 7), -EBADF);
	ST_ASSERT_EQ(fd_dup2(t, 3, 200, true), 200);
	ST_ASSERT_EQ(fd_get_cloexec(t, 200), FD_CLOEXEC);
	ST_ASSERT_EQ(fd_dup2(t, 7, 8, false), -EBADF);
	ST_ASSERT_EQ(fd_dup2(t, 3, -1, false), -EBADF);
	ST_ASSERT_EQ(fd_dup2(t, 3, 1 << 24, false), -EBADF);
	struct file *g = fd_get(t, 200);
	ST_ASSERT(g == f);
	file_put(g);
	return 0;
}

SELFTEST(fdtable)
{
	vfs_init();
	size_t heap = heap_bytes_in_use();
	struct fdtable *t = fdtable_create();
	struct file *f = vfs_open_kernel("/dev/null", O_RDWR, 0);

	ST_ASSERT(t && !IS_ERR(f));
	ST_ASSERT_EQ(fd_numbers(t, f), 0);
	ST_ASSERT_EQ(fd_close_range(t, 3, 5, CLOSE_RANGE_CLOEXEC), 0);
	ST_ASSERT_EQ(fd_get_cloexec(t, 3), FD_CLOEXEC);
	ST_ASSERT_EQ(fd_close_range(t, 4, ~0u, 0), 0);
	ST_ASSERT(fd_get(t, 10) == NULL);
	ST_ASSERT(fd_get(t, 200) == NULL);
	ST_ASSERT_EQ(fd_close_range(t, 5, 4, 0), -EINVAL);
	/* Up to the limit (1024 without a process), then EMFILE. */
	int n = 0, fd;
	while (file_get(f), (fd = fd_alloc(t, f, 0, false)) >= 0)
		n++;
	file_put(f);
	ST_ASSERT_EQ(fd, -EMFILE);
	ST_ASSERT_EQ(n + 4, (int)fd_limit());
	ST_ASSERT_EQ(fdtable_setup_stdio(t), 0);
	/* fds 0 and 1 share a console file; fd 2 (stderr's stream) has its own. */
	struct file *con = fd_get(t, 1), *err = fd_get(t, 2);
	ST_ASSERT(con && con == fd_get(t, 0) && err && err != con && err->ops == con->ops);
	file_put(con);
	file_put(con);
	file_put(err);
	fdtable_free(t);
	file_put(f);

	/* Files without names still have attributes. */
	static const struct file_ops no_ops;
	struct kstat st;
	int priv;
	f = vfs_anon_file(&no_ops, S_IFSOCK, O_RDWR, &priv);
	ST_ASSERT(!IS_ERR(f));
	ST_ASSERT(f->priv == &priv);
	vfs_getattr(f->vnode, &st);
	ST_ASSERT_EQ(st.mode, S_IFSOCK | 0600);
	ST_ASSERT(st.ino != 0);
	ST_ASSERT_EQ(vfs_kread(f, &priv, 1), -EINVAL);
	file_put(f);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	return 0;
}
