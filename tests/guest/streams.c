/*
 * Not a differential test (the kernel speaks on stderr in Alto): distinct
 * bytes to stdout and to stderr, a system call Alto lacks in between, and
 * with the argument "fault" a fault after them. tests/cases/56-streams.sh
 * checks that each stream reaches its own file, the kernel's lines stderr.
 * With "epipe FD" (differential, run with FD's reader gone early): writes
 * to FD until one fails with SIGPIPE ignored, says how on the other stream,
 * then writes once more with SIGPIPE's default action, which ends it.
 * With "interleave N" (differential, with stderr and stdout one file or
 * pipe): N lines to stdout and N to stderr, one write each, alternating.
 */
#include "common.h"
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

static int epipe(int fd)
{
	static char line[4096];
	long total = 0;
	ssize_t n;

	memset(line, 'x', sizeof(line));
	signal(SIGPIPE, SIG_IGN);
	while ((n = write(fd, line, sizeof(line))) > 0)
		total += n;
	dprintf(3 - fd, "write: %s (more than 0 bytes before: %s)\n", strerror(errno),
		total > 0 ? "yes" : "no");
	signal(SIGPIPE, SIG_DFL);
	n = write(fd, line, 1);
	dprintf(3 - fd, "not ended by SIGPIPE: %zd\n", n);
	return 1;
}

static void put(int fd, const char *s, size_t n)
{
	if (write(fd, s, n) != (ssize_t)n)
		exit(2);
}

int main(int argc, char **argv)
{
	static const char bin[] = { 'B', 0, (char)0xff, '\r', '\n', 0x1b, 'E' };

	if (argc > 2 && !strcmp(argv[1], "epipe"))
		return epipe(atoi(argv[2]) == 2 ? 2 : 1);
	if (argc > 2 && !strcmp(argv[1], "interleave")) {
		for (int i = 0; i < atoi(argv[2]); i++)
			dprintf(1, "stdout %d\n", i), dprintf(2, "stderr %d\n", i);
		return 0;
	}

	put(1, "stdout 1\n", 9);
	put(2, "stderr 1\n", 9);
	long r = syscall(SYS_kexec_load, 0, 0, 0, 0);
	put(1, r == -1 && errno == ENOSYS ? "ENOSYS\n" : "other\n",
	    r == -1 && errno == ENOSYS ? 7 : 6);
	put(1, bin, sizeof(bin));
	put(2, "stderr 2\n", 9);
	if (argc > 1 && !strcmp(argv[1], "fault")) {
		volatile int *bad = (int *)(uintptr_t)strtoul("16", NULL, 0);
		*bad = 1;
	}
	put(1, "stdout end\n", 11);
	return 0;
}
