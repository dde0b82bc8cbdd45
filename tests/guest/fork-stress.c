/*
 * Fork stress: N cycles of fork + exit + wait, each child writing to pages
 * it shares copy-on-write with the parent, then N/10 of vfork + execve +
 * wait of this program and N/10 of fork from a process of 4 threads. The
 * free memory (/proc/meminfo's MemFree) is read after a warm-up and again
 * at the end: in Alto nothing may be lost, so the two must be equal, which
 * tests/cases/68-processes.sh checks (natively other processes move it).
 */
#include "common.h"
#include <pthread.h>
#include <sys/wait.h>

static char *heap;
#define HEAP_SIZE (256 * 1024)

/* A child: kind 1 vforks and runs this program again, else it forks and writes to the heap. */
static __attribute__((noinline)) pid_t start(int kind, int code, const char *self)
{
	pid_t pid = kind == 1 ? vfork() : fork();

	if (pid == 0) {
		if (kind == 1) {
			execl(self, self, "child", (char *)NULL);
			_exit(127);
		}
		/* Touch shared pages: every write copies one. */
		for (int off = 0; off < HEAP_SIZE; off += 4096 * 7)
			heap[off]++;
		_exit(code);
	}
	return pid;
}

static int cycles(int n, int kind, const char *self)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		pid_t pid = start(kind, i & 0x7f, self);
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    WEXITSTATUS(status) != (kind == 1 ? 3 : (i & 0x7f)))
			failed++;
	}
	return failed;
}

static void *idle_thread(void *arg)
{
	for (;;)
		usleep(10000);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return 3;
	setup();
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	heap = malloc(HEAP_SIZE);
	memset(heap, 1, HEAP_SIZE);
	/*
	 * Warm-up: the kernel's caches fill (the first read of /proc/meminfo
	 * too), and a sleep lets the CPU idle, which starts the work Alto
	 * leaves until after the program's start (kernel/late.c).
	 */
	meminfo_kb("MemFree");
	usleep(200000);
	cycles(20, 0, argv[0]);
	cycles(2, 1, argv[0]);
	long before = meminfo_kb("MemFree");
	int failed = cycles(n, 0, argv[0]);
	int vfailed = cycles(n / 10, 1, argv[0]);
	long after = meminfo_kb("MemFree"); /* before printing: stdio's own memory is no leak */
	printf("fork + exit + wait: %d cycles, %d failed\n", n, failed);
	printf("vfork + execve + wait: %d cycles, %d failed\n", n / 10, vfailed);
	fprintf(stderr, "MemFree before %ld kB, after %ld kB\n", before, after);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, idle_thread, NULL);
	cycles(20, 0, argv[0]);
	before = meminfo_kb("MemFree");
	failed = cycles(n / 10, 0, argv[0]);
	printf("fork from 4 threads + exit + wait: %d cycles, %d failed\n", n / 10, failed);
	after = meminfo_kb("MemFree");
	fprintf(stderr, "MemFree with threads before %ld kB, after %ld kB\n", before, after);
	return 0;
}
