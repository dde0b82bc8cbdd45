/*
 * Pipes in one thread: data written is read back in order, partial reads,
 * pipe2's flags, EOF once the write end is closed, EPIPE once the read end
 * is (SIGPIPE ignored), ESPIPE on lseek, a FIFO's access modes. With the
 * argument "sigpipe" the signal is left at its default and must end the
 * program (status 141).
 */
#include "common.h"
#include <signal.h>

static void basics(void)
{
	char buf[64];
	int p[2];
	struct stat st;

	result("pipe", pipe(p));
	fstat(p[0], &st);
	check("fstat says FIFO", S_ISFIFO(st.st_mode));
	result("write 10", write(p[1], "0123456789", 10));
	show("read 4", buf, read(p[0], buf, 4));
	show("read the rest", buf, read(p[0], buf, sizeof(buf)));
	result("write 3", write(p[1], "abc", 3));
	result("write 3 more", write(p[1], "def", 3));
	show("one read gets both writes", buf, read(p[0], buf, sizeof(buf)));
	result("lseek on a pipe", lseek(p[0], 0, SEEK_CUR));
	result("read from the write end", read(p[1], buf, 1));
	result("write to the read end", write(p[0], "x", 1));
	write(p[1], "last", 4);
	close(p[1]);
	show("data written before close", buf, read(p[0], buf, sizeof(buf)));
	result("then EOF", read(p[0], buf, sizeof(buf)));
	result("and EOF again", read(p[0], buf, sizeof(buf)));
	close(p[0]);
}

static void flags(void)
{
	char buf[4096];
	int p[2];

	result("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK));
	check("read end FD_CLOEXEC", fcntl(p[0], F_GETFD) & FD_CLOEXEC);
	check("write end FD_CLOEXEC", fcntl(p[1], F_GETFD) & FD_CLOEXEC);
	check("O_NONBLOCK in F_GETFL", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	result("read of an empty non-blocking pipe", read(p[0], buf, 1));
	long total = 0, n;
	memset(buf, 'x', sizeof(buf));
	while ((n = write(p[1], buf, sizeof(buf))) > 0)
		total += n;
	result("write to a full pipe", n);
	check("it held at least 4096 bytes", total >= 4096);
	long drained = 0;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		drained += n;
	check("everything written came back", drained == total);
	close(p[0]);
	result("write with no reader (SIGPIPE ignored)", write(p[1], "x", 1));
	close(p[1]);

	result("pipe2 without flags", pipe2(p, 0));
	check("no FD_CLOEXEC", !(fcntl(p[0], F_GETFD) & FD_CLOEXEC));
	result("fcntl F_SETFL O_NONBLOCK", fcntl(p[0], F_SETFL, O_NONBLOCK));
	result("read now returns at once", read(p[0], buf, 1));
	close(p[0]);
	close(p[1]);
}

/*
 * A FIFO opened with access mode 3 (neither reading nor writing, which Linux
 * keeps for ioctls) is refused with EINVAL; Alto took such an open without
 * counting it as a reader or writer, freed the pipe when the others closed,
 * and the last close then used freed memory (found by the fuzzer).
 */
static void fifo_modes(void)
{
	scratch_enter();
	result("mkfifo", mkfifo("fifo", 0644));
	int rw = open("fifo", O_RDWR | O_NONBLOCK);
	check("open O_RDWR", rw >= 0);
	result("open with access mode 3", open("fifo", 3));
	result("open with access mode 3 and O_NONBLOCK", open("fifo", 3 | O_NONBLOCK));
	result("write through the O_RDWR one", write(rw, "ab", 2));
	char buf[4];
	result("read it back", read(rw, buf, sizeof(buf)));
	close(rw);
	result("unlink", unlink("fifo"));
	scratch_leave();
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) {
		int p[2];
		pipe(p);
		close(p[0]);
		printf("writing to a pipe without a reader\n");
		write(p[1], "x", 1);
		printf("still alive: no\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	basics();
	flags();
	fifo_modes();
	return 0;
}
