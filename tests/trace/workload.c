/*
 * A known program for the tracing tests (tests/cases/78-trace.sh): it
 * touches a fresh page (a page fault), makes a pipe, and starts a thread
 * that sleeps 20 ms and writes "ping" into the pipe while the main thread
 * blocks reading it (a switch, a wake-up), then joins it. It prints what
 * the test looks for in the trace: the page's address and the pipe's ends.
 * `workload wait` says "ready", writes 4 KiB more and reads its input up
 * to a newline (or its end) instead, for the dumps asked for while the program runs: the
 * test lets it go once the dump is in the trace file.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int fds[2];

static void *writer(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	if (write(fds[1], "ping", 4) != 4)
		perror("write");
	return NULL;
}

/* After "ready", 4 KiB more output: a break sent on "ready" comes while the console writes. */
static int wait_for_line(void)
{
	char c = 0, dots[64 * 65];

	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < 64; i++) {
		memset(dots + i * 65, '.', 64);
		dots[i * 65 + 64] = '\n';
	}
	fwrite(dots, 1, sizeof(dots), stdout);
	fflush(stdout);
	while (c != '\n' && read(0, &c, 1) == 1)
		;
	printf("woke\n");
	return 0;
}

int main(int argc, char **argv)
{
	char buf[8] = { 0 };
	pthread_t t;

	if (argc > 1 && !strcmp(argv[1], "wait"))
		return wait_for_line();

	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	printf("page %p\n", (void *)page);
	fflush(stdout);
	page[100] = 1; /* the fault */
	if (pipe(fds))
		return 1;
	printf("pipe %d %d\n", fds[0], fds[1]);
	fflush(stdout);
	pthread_create(&t, NULL, writer, NULL);
	if (read(fds[0], buf, 4) != 4)
		return 1;
	pthread_join(t, NULL);
	printf("read %s\n", buf);
	return 0;
}
