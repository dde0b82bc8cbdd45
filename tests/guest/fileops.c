/*
 * Moving data inside the kernel and anonymous files: memfd_create (names in
 * /proc, sizes, mappings, every seal and what it refuses), copy_file_range
 * (offsets, positions, overlap, errors), splice (pipe to file, file to
 * pipe, pipe to socket, pipe to pipe, offsets, a full pipe, errors), tee,
 * vmsplice both ways, sendfile to a socket and to a pipe, preadv2 and
 * pwritev2 with their flags (RWF_NOWAIT on an empty pipe), and read and
 * write of /dev/null and /dev/zero (their direct path: access modes, a bad
 * buffer, the position, pread and pwrite).
 */
#include "sockets.h"
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x00000010
#endif

static long pv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags, bool write)
{
	return syscall(write ? SYS_pwritev2 : SYS_preadv2, fd, iov, cnt, (long)off, 0L, flags);
}

static void show_file(const char *what, int fd)
{
	char buf[128];
	long n = pread(fd, buf, sizeof(buf), 0);

	show(what, buf, n);
}

static void memfd(void)
{
	char link[128] = "", path[64];
	struct stat st;

	phase("memfd");
	int fd = memfd_create("alto-test", MFD_CLOEXEC);
	check("memfd_create", fd >= 0);
	check("MFD_CLOEXEC", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof(link) - 1);
	printf("/proc names it: %s\n", link);
	fstat(fd, &st);
	printf("mode %o, size %ld, links %ld\n", st.st_mode, (long)st.st_size, (long)st.st_nlink);
	printf("flags O_RDWR: %s\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR ? "yes" : "no");
	xresult("write", write(fd, "hello memfd", 11));
	show_file("read back", fd);
	xresult("ftruncate to 4096", ftruncate(fd, 4096));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("shared mapping", p != MAP_FAILED);
	memcpy(p, "HELLO", 5);
	char head[16];
	show("a write through the mapping shows in read", head, pread(fd, head, 11, 0));
	munmap(p, 4096);
	xresult("F_GET_SEALS without MFD_ALLOW_SEALING", fcntl(fd, F_GET_SEALS));
	xresult("F_ADD_SEALS without MFD_ALLOW_SEALING", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	close(fd);

	xresult("memfd_create bad flags", memfd_create("x", 0x100));
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	xresult("memfd_create with a 299-byte name", memfd_create(longname, 0));

	fd = memfd_create("sealed", MFD_ALLOW_SEALING);
	xresult("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	write(fd, "0123456789", 10);
	xresult("F_ADD_SEALS SHRINK", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	xresult("shrink", ftruncate(fd, 5));
	xresult("grow", ftruncate(fd, 20));
	xresult("F_ADD_SEALS GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	xresult("grow now", ftruncate(fd, 40));
	xresult("write inside", pwrite(fd, "ab", 2, 0));
	xresult("write past the end", pwrite(fd, "ab", 2, 19));
	xresult("F_ADD_SEALS WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	xresult("write now", pwrite(fd, "ab", 2, 0));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("shared writable mapping: %s\n", p == MAP_FAILED ? ename(errno) : "mapped");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	printf("shared read-only mapping: %s\n", p == MAP_FAILED ? ename(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("private writable mapping: %s\n", p == MAP_FAILED ? ename(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	xresult("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	xresult("F_ADD_SEALS SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	xresult("F_ADD_SEALS after SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	xresult("F_ADD_SEALS bad bits", fcntl(fd, F_ADD_SEALS, 0x1000));
	close(fd);
	int plain = open("/proc/self/exe", O_RDONLY);
	xresult("F_GET_SEALS on a plain file", fcntl(plain, F_GET_SEALS));
	close(plain);
}

static void copy_range(void)
{
	phase("copy_file_range");
	int a = open("a", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int b = open("b", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(a, "the quick brown fox jumps", 25);
	loff_t oi = 4, oo = 0;
	xresult("copy 5 at offsets", copy_file_range(a, &oi, b, &oo, 5, 0));
	printf("offsets now %ld and %ld\n", (long)oi, (long)oo);
	show_file("b", b);
	lseek(a, 10, SEEK_SET);
	xresult("copy from the position", copy_file_range(a, NULL, b, NULL, 100, 0));
	printf("positions now %ld and %ld\n", (long)lseek(a, 0, SEEK_CUR),
	       (long)lseek(b, 0, SEEK_CUR));
	show_file("b", b);
	oi = 100;
	xresult("copy from past the end", copy_file_range(a, &oi, b, NULL, 5, 0));
	xresult("flags", copy_file_range(a, NULL, b, NULL, 5, 1));
	oi = 0;
	oo = 2;
	xresult("overlapping in one file", copy_file_range(a, &oi, a, &oo, 5, 0));
	oo = 30;
	xresult("not overlapping in one file", copy_file_range(a, &oi, a, &oo, 5, 0));
	show_file("a", a);
	int p[2];
	pipe(p);
	xresult("from a pipe", copy_file_range(p[0], NULL, b, NULL, 5, 0));
	xresult("to a directory", copy_file_range(a, NULL, open(".", O_RDONLY), NULL, 5, 0));
	int ro = open("b", O_RDONLY);
	xresult("to a read-only fd", copy_file_range(a, NULL, ro, NULL, 5, 0));
	close(ro);
	oi = -1;
	xresult("a negative offset", copy_file_range(a, &oi, b, NULL, 5, 0));
	close(p[0]);
	close(p[1]);
	close(a);
	close(b);
}

static void splices(void)
{
	int p[2], q[2], sv[2];
	char buf[64];

	phase("splice");
	pipe(p);
	pipe(q);
	int f = open("s", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(f, "0123456789abcdef", 16);
	loff_t off = 4;
	xresult("file to pipe at an offset", splice(f, &off, p[1], NULL, 6, 0));
	printf("offset now %ld, file position %ld\n", (long)off, (long)lseek(f, 0, SEEK_CUR));
	xresult("tee to another pipe", tee(p[0], q[1], 100, 0));
	show("the tee'd copy", buf, read(q[0], buf, sizeof(buf)));
	off = 0;
	xresult("pipe to file at an offset", splice(p[0], NULL, f, &off, 3, 0));
	show_file("file", f);
	xresult("pipe to pipe", splice(p[0], NULL, q[1], NULL, 100, 0));
	show("moved", buf, read(q[0], buf, sizeof(buf)));
	xresult("empty pipe, SPLICE_F_NONBLOCK",
		splice(p[0], NULL, f, NULL, 10, SPLICE_F_NONBLOCK));
	xresult("tee of an empty pipe, SPLICE_F_NONBLOCK", tee(p[0], q[1], 10, SPLICE_F_NONBLOCK));

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(p[1], "to a socket", 11);
	xresult("pipe to socket", splice(p[0], NULL, sv[0], NULL, 100, 0));
	show("the socket got", buf, recv(sv[1], buf, sizeof(buf), 0));
	send(sv[1], "from a socket", 13, 0);
	xresult("socket to pipe", splice(sv[0], NULL, p[1], NULL, 100, 0));
	show("the pipe got", buf, read(p[0], buf, sizeof(buf)));

	xresult("no pipe at all", splice(f, NULL, sv[0], NULL, 5, 0));
	off = 0;
	xresult("an offset on a pipe", splice(p[0], &off, f, NULL, 5, 0));
	xresult("a pipe into itself", splice(p[0], NULL, p[1], NULL, 5, 0));
	xresult("bad flags", splice(p[0], NULL, f, NULL, 5, 0x100));
	xresult("a bad fd", splice(1000, NULL, p[1], NULL, 5, 0));
	xresult("tee to a file", tee(p[0], f, 5, 0));
	xresult("len 0", splice(f, NULL, p[1], NULL, 0, 0));
	off = -1;
	xresult("a negative offset", splice(f, &off, p[1], NULL, 5, 0));
	close(p[1]);
	xresult("pipe at EOF", splice(p[0], NULL, f, NULL, 5, 0));

	/* vmsplice both ways. */
	pipe(p);
	struct iovec iov[2] = { { "vm", 2 }, { "splice", 6 } };
	xresult("vmsplice into a pipe", vmsplice(p[1], iov, 2, 0));
	char in1[3] = "", in2[16] = "";
	struct iovec out[2] = { { in1, 2 }, { in2, sizeof(in2) } };
	xresult("vmsplice out of a pipe", vmsplice(p[0], out, 2, 0));
	printf("got %.2s and %.6s\n", in1, in2);
	xresult("vmsplice on a file", vmsplice(f, iov, 1, 0));
	xresult("vmsplice from an empty pipe, SPLICE_F_NONBLOCK",
		vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK));
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(sv[0]);
	close(sv[1]);
	close(f);
}

static void sendfiles(void)
{
	int sv[2], p[2];
	char buf[64];

	phase("sendfile");
	int f = open("sf", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(f, "sendfile source text", 20);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	off_t off = 9;
	xresult("sendfile to a socket", sendfile(sv[0], f, &off, 6));
	printf("offset now %ld\n", (long)off);
	show("the socket got", buf, recv(sv[1], buf, sizeof(buf), 0));
	pipe(p);
	lseek(f, 0, SEEK_SET);
	xresult("sendfile to a pipe, from the position", sendfile(p[1], f, NULL, 8));
	printf("position now %ld\n", (long)lseek(f, 0, SEEK_CUR));
	show("the pipe got", buf, read(p[0], buf, sizeof(buf)));
	int g = open("sf2", O_RDWR | O_CREAT | O_TRUNC, 0600);
	off = 0;
	xresult("sendfile to a file", sendfile(g, f, &off, 100));
	show_file("the copy", g);
	close(g);
	close(f);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void rw2(void)
{
	char a[4] = "", b[8] = "";
	struct iovec r[2] = { { a, 3 }, { b, 5 } };
	struct iovec w[2] = { { "abc", 3 }, { "defgh", 5 } };

	phase("preadv2");
	int f = open("v2", O_RDWR | O_CREAT | O_TRUNC, 0600);
	xresult("pwritev2 at 0", pv2(f, w, 2, 0, 0, true));
	xresult("pwritev2 at -1 (the position)", pv2(f, w, 1, -1, 0, true));
	printf("position %ld\n", (long)lseek(f, 0, SEEK_CUR));
	xresult("pwritev2 RWF_APPEND at 0", pv2(f, w + 1, 1, 0, RWF_APPEND, true));
	xresult("preadv2 at 0", pv2(f, r, 2, 0, 0, false));
	printf("got %s %s\n", a, b);
	xresult("preadv2 at -1", pv2(f, r, 1, -1, 0, false));
	xresult("preadv2 at -2", pv2(f, r, 1, -2, 0, false));
	xresult("preadv2 unknown flag", pv2(f, r, 1, 0, 0x10000, false));
	xresult("preadv2 RWF_NOWAIT on a file", pv2(f, r, 1, 0, RWF_NOWAIT, false));
	show_file("the file", f);
	int p[2];
	pipe(p);
	xresult("preadv2 RWF_NOWAIT on an empty pipe", pv2(p[0], r, 1, -1, RWF_NOWAIT, false));
	write(p[1], "x", 1);
	xresult("preadv2 RWF_NOWAIT with data", pv2(p[0], r, 1, -1, RWF_NOWAIT, false));
	xresult("preadv2 with an offset on a pipe", pv2(p[0], r, 1, 0, 0, false));
	close(p[0]);
	close(p[1]);
	close(f);
}

/*
 * Run in the test process, which has threads (the watchdog's), and in a
 * child of one thread: read and write take their direct entry only in the
 * child, the general one (a reference on the file) in the parent.
 */
static int null_zero(void *arg)
{
	int rd = open("/dev/null", O_RDONLY), wr = open("/dev/null", O_WRONLY);
	int zero = open("/dev/zero", O_RDWR);
	char buf[16];
	int zeros = 0;
	void *volatile bad = (void *)8; /* hidden from the compiler's bounds checks */

	printf("/dev/null and /dev/zero, %s:\n", (const char *)arg);
	result("write to a read-only /dev/null", write(rd, "x", 1));
	result("read from a write-only /dev/null", read(wr, buf, 1));
	result("read /dev/null", read(rd, buf, sizeof(buf)));
	result("write /dev/null", write(wr, "hello", 5));
	result("write /dev/null, 0 bytes", write(wr, "", 0));
	result("write /dev/null from a bad buffer", write(wr, bad, 4));
	result("pwrite /dev/null at 100", pwrite(wr, "x", 1, 100));
	result("pread /dev/null at 100", pread(rd, buf, 1, 100));
	result("position of /dev/null after writing", lseek(wr, 0, SEEK_CUR));
	memset(buf, 'a', sizeof(buf));
	result("read /dev/zero", read(zero, buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		zeros += buf[i] == 0;
	result("zero bytes read", zeros);
	result("read /dev/zero into a bad buffer", read(zero, bad, 8));
	result("write /dev/zero", write(zero, "abc", 3));
	result("position of /dev/zero after both", lseek(zero, 0, SEEK_CUR));
	close(rd);
	close(wr);
	close(zero);
	return 0;
}

int main(void)
{
	setup();
	watchdog(60);
	signal(SIGPIPE, SIG_IGN);
	scratch_enter();
	memfd();
	copy_range();
	splices();
	sendfiles();
	rw2();
	null_zero("a process of two threads");
	result("the child's status", in_child(null_zero, "a child of one thread"));
	unlink("a");
	unlink("b");
	unlink("s");
	unlink("sf");
	unlink("sf2");
	unlink("v2");
	scratch_leave();
	return 0;
}
