/*
 * execve from a thread that is not the main one while every other thread
 * reads and writes in a loop (a pipe, /dev/null), and a process made with
 * CLONE_FILES does the same through the shared descriptor table: each call
 * works until the exec ends the thread, none fails, and the new image has
 * the process's id as its pid and its thread id, the descriptors without
 * close-on-exec and not those with it, and the other process goes on with
 * the old table to its end. The exec replaces the table (it was shared)
 * while lookups of it run. The new image does it again, ROUNDS times.
 */
#include "threads.h"
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define ROUNDS	8
#define WORKERS 3 /* the main thread and two more; a fourth thread execs */
#define WARMUP	200
#define SHARER	2000 /* round trips of the CLONE_FILES process */

static int pipe_fd[2], null_fd;
static atomic_long done[WORKERS];

static void io_once(void)
{
	char c = 'x';

	if (write(pipe_fd[1], &c, 1) != 1 || read(pipe_fd[0], &c, 1) != 1 || c != 'x' ||
	    write(null_fd, &c, 1) != 1) {
		printf("I/O beside the exec failed: %s\n", errname(errno));
		_exit(1);
	}
}

static void *worker(void *arg)
{
	atomic_long *n = arg;

	for (;;) {
		io_once();
		atomic_fetch_add(n, 1);
	}
	return NULL;
}

static char self[4096];
static char sharer_stack[64 * 1024] __attribute__((aligned(16)));

static int sharer(void *arg)
{
	(void)arg;
	for (int i = 0; i < SHARER; i++)
		io_once();
	return 0;
}

/* Once every worker is busy: exec the next round from this (non-main) thread. */
static void *execer(void *arg)
{
	int round = *(int *)arg;
	char r[16], pid[16], fd[16];

	for (int i = 0; i < WORKERS; i++) {
		while (atomic_load(&done[i]) < WARMUP)
			sched_yield();
	}
	if (clone(sharer, sharer_stack + sizeof(sharer_stack), CLONE_FILES | SIGCHLD, NULL) < 0) {
		printf("clone: %s\n", errname(errno));
		_exit(1);
	}
	snprintf(r, sizeof(r), "%d", round + 1);
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(fd, sizeof(fd), "%d", pipe_fd[0]);
	char *argv[] = { "exec-race", r, pid, fd, NULL };
	execv(self, argv);
	printf("execv: %s\n", errname(errno));
	_exit(1);
	return NULL;
}

/* What the previous image left: the same process, the kept and the closed descriptors. */
static void check_inherited(int round, const char *pid, const char *fd)
{
	int kept = fcntl(atoi(fd), F_GETFD) >= 0, status = -1;

	printf("round %d: pid kept %d, tid is pid %d, pipe kept %d, cloexec closed %d", round,
	       getpid() == atoi(pid), tid() == getpid(), kept, fcntl(atoi(fd) + 2, F_GETFD) < 0);
	close(atoi(fd));
	close(atoi(fd) + 1);
	pid_t child = wait(&status);
	printf(", sharer %s status %#x\n", child > 0 ? "exited" : errname(errno), status);
}

int main(int argc, char **argv)
{
	int round = argc > 3 ? atoi(argv[1]) : 0;
	pthread_t t;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (round)
		check_inherited(round, argv[2], argv[3]);
	if (round == ROUNDS) {
		printf("done\n");
		return 0;
	}
	watchdog(120);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || pipe(pipe_fd) || (null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
		printf("test setup failed: %s\n", errname(errno));
		return 99;
	}
	self[n] = 0;
	/* The descriptors the next image checks: the pipe's read end, and null_fd two above it. */
	if (null_fd != pipe_fd[0] + 2) {
		printf("test setup failed: descriptors %d %d %d\n", pipe_fd[0], pipe_fd[1],
		       null_fd);
		return 99;
	}
	for (int i = 1; i < WORKERS; i++)
		must("pthread_create", pthread_create(&t, NULL, worker, &done[i]));
	must("pthread_create", pthread_create(&t, NULL, execer, &round));
	worker(&done[0]);
	return 1;
}
