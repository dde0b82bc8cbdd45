/*
 * Ctrl-C on the console: with "handle", a SIGINT handler sets a flag, the
 * program leaves its pause() and exits 3 after saying so (a graceful exit);
 * without it, SIGINT's default action ends the program (status 130). Either
 * way it prints "ready" first, so the test knows when to type Ctrl-C. A
 * blocking read of the console is interrupted too (EINTR without
 * SA_RESTART), which is what an interactive program waiting for input sees.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sigint(int sig)
{
	got = sig;
}

int main(int argc, char **argv)
{
	int handle = argc > 1 && !strcmp(argv[1], "handle");
	char c;

	if (handle) {
		struct sigaction sa = { 0 };
		sa.sa_handler = on_sigint;
		sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: read returns EINTR */
	}
	printf("ready\n");
	fflush(stdout);
	ssize_t n = read(0, &c, 1);
	int err = errno;
	if (!handle) {
		printf("read returned %zd: SIGINT was not delivered\n", n);
		return 1;
	}
	printf("read returned %zd (%s)\n", n, n < 0 ? strerror(err) : "data");
	printf("SIGINT handled: %s; exiting gracefully\n", got == SIGINT ? "yes" : "no");
	return got == SIGINT ? 3 : 1;
}
