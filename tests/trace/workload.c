/*
 * A known program for the tracing tests (tests/cases/78-trace.sh): it
 * touches a fresh page (a page fault), makes a pipe, and starts a thread
 * that sleeps 20 ms and writes "ping" into the pipe while the main thread
 * blocks reading it (a switch, a wake-up), then joins it. It prints what
 * the test looks for in the trace: the page's address and the pipe's ends.
 * `workload sleep N` says "ready" and sleeps N seconds instead, for the
 * dumps asked for while the program runs.
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

static int sleep_for(const char *seconds)
{
	struct timespec ts = { atoi(seconds), 0 };

	printf("ready\n");
	fflush(stdout);
	nanosleep(&ts, NULL);
	printf("woke\n");
	return 0;
}

int main(int argc, char **argv)
{
	char buf[8] = { 0 };
	pthread_t t;

	if (argc > 2 && !strcmp(argv[1], "sleep"))
		return sleep_for(argv[2]);

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
