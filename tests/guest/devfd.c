/*
 * /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr and /proc/self/fd/N: the
 * links name the descriptor's file itself, as bash's <(...) and programs
 * given /dev/stdout as a file name need. Opening one opens the file the
 * descriptor has: a pipe whose writer is gone (no wait, end of file), a
 * pipe's write end, a regular file (a position of its own), a deleted
 * file, a directory as the middle of a path; a socket is ENXIO, a closed
 * descriptor ENOENT.
 */
#include "common.h"
#include <signal.h>
#include <sys/socket.h>

static char path[64];

static const char *fd_path(const char *dir, int fd)
{
	snprintf(path, sizeof(path), "%s/%d", dir, fd);
	return path;
}

static void show_read(const char *what, int fd)
{
	char buf[64];
	long n = read(fd, buf, sizeof(buf));

	if (n < 0)
		result(what, n);
	else
		show(what, buf, n);
}

static void links(void)
{
	static const char *const names[] = { "/dev/fd", "/dev/stdin", "/dev/stdout",
					     "/dev/stderr" };
	char buf[64];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long n = readlink(names[i], buf, sizeof(buf));
		if (n < 0)
			result(names[i], n);
		else
			show(names[i], buf, n);
	}
}

/* The pipe's writer is gone before the reader opens /dev/fd/N: no wait, the data, then EOF. */
static void pipe_reader(void)
{
	int p[2];
	struct stat st, lst;

	pipe(p);
	write(p[1], "through the pipe\n", 17);
	close(p[1]);
	check("lstat of /dev/fd/N is a link",
	      lstat(fd_path("/dev/fd", p[0]), &lst) == 0 && S_ISLNK(lst.st_mode));
	check("stat of /dev/fd/N is a FIFO",
	      stat(fd_path("/dev/fd", p[0]), &st) == 0 && S_ISFIFO(st.st_mode));
	int fd = open(fd_path("/dev/fd", p[0]), O_RDONLY);
	result("open of a pipe's read end, writer gone", fd >= 0 ? 0 : -1);
	show_read("read", fd);
	show_read("read at the end", fd);
	close(fd);
	close(p[0]);
}

/* The write end, opened again through /proc/self/fd, writes into the same pipe. */
static void pipe_writer(void)
{
	int p[2];

	pipe(p);
	int fd = open(fd_path("/proc/self/fd", p[1]), O_WRONLY);
	result("open of a pipe's write end", fd >= 0 ? 0 : -1);
	result("write", write(fd, "again\n", 6));
	close(fd);
	close(p[1]);
	show_read("read from the first end", p[0]);
	show_read("read at the end", p[0]);
	/* No reader: opening the write end is no FIFO's ENXIO, writing is EPIPE. */
	pipe(p);
	close(p[0]);
	fd = open(fd_path("/dev/fd", p[1]), O_WRONLY | O_NONBLOCK);
	result("open of a write end without a reader", fd >= 0 ? 0 : -1);
	result("write without a reader", write(fd, "x", 1));
	close(fd);
	close(p[1]);
}

/* A regular file opened again has a position of its own; a deleted one still opens. */
static void regular(void)
{
	char name[64];
	struct stat a, b;

	snprintf(name, sizeof(name), "/tmp/devfd-%d", getpid());
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, "file contents\n", 14);
	int again = open(fd_path("/dev/fd", fd), O_RDONLY);
	result("open of a regular file", again >= 0 ? 0 : -1);
	fstat(fd, &a);
	fstat(again, &b);
	check("the same file", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	show_read("read from its own position", again);
	close(again);
	unlink(name);
	again = open(fd_path("/proc/self/fd", fd), O_RDONLY);
	result("open of a deleted file", again >= 0 ? 0 : -1);
	show_read("read", again);
	close(again);
	result("O_NOFOLLOW on the link", open(fd_path("/dev/fd", fd), O_RDONLY | O_NOFOLLOW));
	close(fd);
}

/* A directory's descriptor as the middle of a path. */
static void directory(void)
{
	char name[64], file[96];

	snprintf(name, sizeof(name), "/tmp/devfd-dir-%d", getpid());
	mkdir(name, 0755);
	snprintf(file, sizeof(file), "%s/inside", name);
	close(open(file, O_WRONLY | O_CREAT, 0644));
	int dir = open(name, O_RDONLY | O_DIRECTORY);
	snprintf(file, sizeof(file), "/dev/fd/%d/inside", dir);
	int fd = open(file, O_RDONLY);
	result("open of DIRFD/inside through /dev/fd", fd >= 0 ? 0 : -1);
	close(fd);
	snprintf(file, sizeof(file), "/dev/fd/%d/missing", dir);
	result("open of DIRFD/missing", open(file, O_RDONLY));
	snprintf(file, sizeof(file), "%s/inside", name);
	unlink(file);
	rmdir(name);
	close(dir);
}

static void others(void)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	result("open of a socket", open(fd_path("/dev/fd", sv[0]), O_RDWR));
	close(sv[0]);
	close(sv[1]);
	result("open of a closed descriptor", open("/dev/fd/99", O_RDONLY));
}

/*
 * The standard streams by name: each line where its descriptor's go
 * (O_APPEND: natively the runner's output is a regular file).
 */
static void streams(void)
{
	int out = open("/dev/stdout", O_WRONLY | O_APPEND);
	int err = open("/dev/stderr", O_WRONLY | O_APPEND);

	dprintf(out, "a line to /dev/stdout\n");
	dprintf(err, "a line to /dev/stderr\n");
	close(out);
	close(err);
}

int main(void)
{
	setup();
	signal(SIGPIPE, SIG_IGN);
	links();
	pipe_reader();
	pipe_writer();
	regular();
	directory();
	others();
	streams();
	return 0;
}
