/*
 * Regular files: create, write, read back, lseek (including past the end,
 * which leaves a hole of zeros), pread/pwrite, O_APPEND, O_TRUNC, ftruncate,
 * dup sharing the offset, the deterministic stat fields, and reads and
 * writes whose buffer faults part-way (a short count, the position moved by
 * it, as Linux does), and the running program, which cannot be written
 * (ETXTBSY).
 */
#include "common.h"
#include <sys/mman.h>

static void print_stat(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		result(what, -1);
		return;
	}
	printf("%s: %s size %lld nlink %lu mode %04o\n", what,
	       S_ISREG(st.st_mode) ? "file" :
	       S_ISDIR(st.st_mode) ? "dir" :
				     "other",
	       (long long)st.st_size, (unsigned long)st.st_nlink, st.st_mode & 07777);
}

static void write_read_seek(void)
{
	char buf[128];
	int fd = open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);

	check("open O_CREAT", fd >= 0);
	result("write", write(fd, "hello, world\n", 13));
	result("offset after write", lseek(fd, 0, SEEK_CUR));
	result("lseek SEEK_SET 7", lseek(fd, 7, SEEK_SET));
	show("read after seek", buf, read(fd, buf, sizeof(buf)));
	result("read at end", read(fd, buf, sizeof(buf)));
	result("lseek SEEK_END -6", lseek(fd, -6, SEEK_END));
	result("lseek before start", lseek(fd, -100, SEEK_SET));
	result("lseek past end", lseek(fd, 100, SEEK_SET));
	result("write past end", write(fd, "X", 1));
	print_stat("stat after hole", "a.txt");
	memset(buf, 1, sizeof(buf));
	long n = pread(fd, buf, 50, 40);
	int zeros = 1;
	for (int i = 0; i < 50; i++)
		zeros &= buf[i] == 0;
	result("pread in the hole", n);
	check("the hole reads as zeros", zeros);
	result("pwrite at 0", pwrite(fd, "HELLO", 5, 0));
	result("offset unchanged by pwrite", lseek(fd, 0, SEEK_CUR));
	show("pread at 0", buf, pread(fd, buf, 13, 0));
	result("pread past end", pread(fd, buf, 10, 1000));
	close(fd);
}

static void append_and_truncate(void)
{
	char buf[128];
	int fd = open("a.txt", O_WRONLY | O_APPEND);

	result("lseek O_APPEND to 0", lseek(fd, 0, SEEK_SET));
	result("write O_APPEND", write(fd, "END", 3));
	result("offset after append", lseek(fd, 0, SEEK_CUR));
	result("pwrite O_APPEND (Linux appends)", pwrite(fd, "P", 1, 0));
	print_stat("stat after append", "a.txt");
	close(fd);
	fd = open("a.txt", O_RDONLY);
	show("tail", buf, pread(fd, buf, 4, 101));
	close(fd);

	fd = open("a.txt", O_RDWR);
	result("ftruncate to 5", ftruncate(fd, 5));
	show("after shrink", buf, pread(fd, buf, sizeof(buf), 0));
	result("ftruncate to 8", ftruncate(fd, 8));
	show("after grow", buf, pread(fd, buf, sizeof(buf), 0));
	close(fd);
	fd = open("a.txt", O_RDWR | O_TRUNC);
	print_stat("stat after O_TRUNC", "a.txt");
	close(fd);
}

static void dup_and_modes(void)
{
	char buf[16];
	int fd = open("a.txt", O_RDWR);

	write(fd, "0123456789", 10);
	int fd2 = dup(fd);
	check("dup gives a new descriptor", fd2 >= 0 && fd2 != fd);
	lseek(fd, 2, SEEK_SET);
	result("dup shares the offset", lseek(fd2, 0, SEEK_CUR));
	show("read through the dup", buf, read(fd2, buf, 3));
	result("dup2 onto 10", dup2(fd, 10));
	result("offset through fd 10", lseek(10, 0, SEEK_CUR));
	result("fcntl F_DUPFD_CLOEXEC >= 20", fcntl(fd, F_DUPFD_CLOEXEC, 20));
	check("F_DUPFD_CLOEXEC sets FD_CLOEXEC", fcntl(20, F_GETFD) == FD_CLOEXEC);
	check("O_RDWR in F_GETFL", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	result("fsync", fsync(fd));
	close(20);
	close(10);
	close(fd2);
	close(fd);

	result("chmod 0600", chmod("a.txt", 0600));
	print_stat("stat after chmod", "a.txt");
	fd = open("b.txt", O_CREAT | O_WRONLY | O_EXCL, 0777);
	print_stat("new file 0777 under umask 022", "b.txt");
	struct timespec times[2] = { { 1000000000, 0 }, { 1234567890, 0 } };
	result("futimens", futimens(fd, times));
	struct stat st;
	fstat(fd, &st);
	printf("mtime after futimens: %lld\n", (long long)st.st_mtime);
	printf("atime after futimens: %lld\n", (long long)st.st_atime);
	close(fd);
	result("access R_OK", access("b.txt", R_OK));
	result("unlink a.txt", unlink("a.txt"));
	result("unlink b.txt", unlink("b.txt"));
	result("open after unlink", open("a.txt", O_RDONLY));
}

/* An unlinked file stays readable through a descriptor still open. */
static void unlinked_but_open(void)
{
	char buf[8];
	int fd = open("c.txt", O_CREAT | O_RDWR, 0644);

	write(fd, "still", 5);
	result("unlink while open", unlink("c.txt"));
	show("read after unlink", buf, pread(fd, buf, sizeof(buf), 0));
	struct stat st;
	fstat(fd, &st);
	printf("nlink after unlink: %lu\n", (unsigned long)st.st_nlink);
	close(fd);
}

/*
 * Reads and writes whose buffer runs into an unmapped page: the bytes before
 * the page move, the call returns that short count and the position moves
 * by it, as Linux does; a buffer unmapped from its first byte gives EFAULT
 * and leaves the position alone.
 */
static void faulting_buffers(void)
{
	char block[8192];
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char)(i * 7);
	mprotect(pages + 4096, 4096, PROT_NONE);
	int fd = open("partial", O_CREAT | O_RDWR | O_TRUNC, 0644);
	result("write 8192 bytes", write(fd, block, sizeof(block)));
	lseek(fd, 1000, SEEK_SET);
	result("read 4096 into a buffer 100 bytes before a PROT_NONE page",
	       read(fd, pages + 4096 - 100, 4096));
	result("  the position", lseek(fd, 0, SEEK_CUR));
	check("  the 100 bytes are the file's", !memcmp(pages + 4096 - 100, block + 1000, 100));
	result("read into the PROT_NONE page itself", read(fd, pages + 4096, 10));
	result("  the position", lseek(fd, 0, SEEK_CUR));
	result("pread 300 bytes at 5000 into 64 good bytes",
	       pread(fd, pages + 4096 - 64, 300, 5000));
	memset(pages + 4096 - 50, 'Z', 50);
	lseek(fd, 2000, SEEK_SET);
	result("write 4096 from a buffer with 50 good bytes", write(fd, pages + 4096 - 50, 4096));
	result("  the position", lseek(fd, 0, SEEK_CUR));
	char back[60];
	pread(fd, back, sizeof(back), 1995);
	check("  the file has them, and what was there around them",
	      !memcmp(back, block + 1995, 5) && back[5] == 'Z' && back[54] == 'Z' &&
		      back[55] == block[2050]);
	result("write from an unmapped buffer", write(fd, (void *)0xdead0000, 10));
	result("  the position", lseek(fd, 0, SEEK_CUR));
	struct stat st;
	fstat(fd, &st);
	result("the size is still", st.st_size);
	close(fd);
	unlink("partial");
	munmap(pages, 8192);
}

/* The running program cannot be changed under it: ETXTBSY, as on Linux. */
static void running_program(void)
{
	result("open /proc/self/exe for writing", open("/proc/self/exe", O_WRONLY));
	result("open /proc/self/exe read-only with O_TRUNC",
	       open("/proc/self/exe", O_RDONLY | O_TRUNC));
	result("truncate /proc/self/exe", truncate("/proc/self/exe", 16));
	int fd = open("/proc/self/exe", O_RDONLY);
	check("open /proc/self/exe read-only works", fd >= 0);
	result("ftruncate of that descriptor", ftruncate(fd, 16));
	close(fd);
}

int main(void)
{
	setup();
	scratch_enter();
	write_read_seek();
	append_and_truncate();
	dup_and_modes();
	unlinked_but_open();
	faulting_buffers();
	running_program();
	scratch_leave();
	return 0;
}
