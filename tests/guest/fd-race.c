/*
 * close() racing read() and write() on the same descriptor, from other
 * threads. A read blocked on a pipe keeps its file open after another
 * thread closes the descriptor: the pipe still has a reader, so a write
 * succeeds and wakes the read with the byte (the kernel's lookup of the
 * descriptor without a lock must still hold the file for the call).
 * Then threads write to, and read from, a descriptor that a fourth thread
 * closes and dup2()s again in a loop: each call either finds a file and
 * works, or fails with EBADF, never anything else. Last, writers race a
 * close whose freed file is reused at once by a new pipe: no byte may land
 * in it. And a process whose table stops being shared while it reads and
 * writes (the thread or the CLONE_FILES process that shared it ends): no
 * call on a descriptor it keeps open may fail.
 */
#include "threads.h"
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define ROUNDS	40
#define WORKERS 3
#define FLIPS	20000
#define RACE_FD 100
#define LEAVES	800  /* times the other user of the table ends */
#define SPIN	5000 /* its life, in empty loops: it ends while the writes go on */

static int pipe_fd[2];
static atomic_int entering;
static char got;
static long got_n;

static void *blocked_reader(void *arg)
{
	*(pid_t *)arg = tid();
	atomic_store(&entering, 1);
	got_n = read(pipe_fd[0], &got, 1);
	return NULL;
}

static void close_while_blocked(void)
{
	int ok = 0;

	for (int i = 0; i < ROUNDS; i++) {
		pthread_t th;
		pid_t reader = 0;

		if (pipe(pipe_fd))
			die_setup("pipe");
		atomic_store(&entering, 0);
		got = 0;
		got_n = -2;
		pthread_create(&th, NULL, blocked_reader, &reader);
		while (!atomic_load(&entering))
			sched_yield();
		while (task_state(reader) != 'S')
			sched_yield();
		close(pipe_fd[0]);
		long w = write(pipe_fd[1], "z", 1);
		pthread_join(th, NULL);
		close(pipe_fd[1]);
		if (w == 1 && got_n == 1 && got == 'z')
			ok++;
		else
			printf("round %d: write %ld (%s), the blocked read %ld '%c'\n", i, w,
			       w < 0 ? ename(errno) : "", got_n, got ? got : '-');
	}
	check("a read blocked on a pipe outlives close() of its descriptor", ok == ROUNDS);
}

static atomic_int stop;
static atomic_long odd, worked, ebadf;

static void *worker(void *arg)
{
	long n = (long)arg;
	char c;

	while (!atomic_load(&stop)) {
		long r = n % 2 ? write(RACE_FD, "x", 1) : read(RACE_FD, &c, 1);
		if (r >= 0 && r == (n % 2 ? 1 : 0))
			atomic_fetch_add(&worked, 1);
		else if (r < 0 && errno == EBADF)
			atomic_fetch_add(&ebadf, 1);
		else
			atomic_fetch_add(&odd, 1);
	}
	return NULL;
}

static void close_racing_io(void)
{
	pthread_t th[WORKERS];
	int null = open("/dev/null", O_RDWR);

	if (null < 0)
		die_setup("/dev/null");
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < FLIPS; i++) {
		if (i % 2)
			close(RACE_FD);
		else if (dup2(null, RACE_FD) != RACE_FD)
			die_setup("dup2");
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	check("every racing read and write worked or failed with EBADF", atomic_load(&odd) == 0);
	if (atomic_load(&odd))
		printf("(%ld odd results, %ld worked, %ld EBADF)\n", atomic_load(&odd),
		       atomic_load(&worked), atomic_load(&ebadf));
}

/*
 * The descriptor a writer looked up must be the one it writes to, even
 * when another thread closes it and the freed file's memory is taken at
 * once by a new one (a lookup without the lock may still hold the old
 * file's address): RACE_FD is a pipe's write end, closed, then a decoy
 * pipe is made and must never receive a byte.
 */
static void *decoy_writer(void *arg)
{
	while (!atomic_load(&stop))
		write(RACE_FD, "w", 1);
	return NULL;
}

static void close_reuse_race(void)
{
	pthread_t th[WORKERS];
	long stray = 0;
	char buf[4096];

	atomic_store(&stop, 0);
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, decoy_writer, NULL);
	for (int i = 0; i < 150; i++) {
		int p[2], d[2], spare = open("/dev/null", O_RDONLY);
		if (spare < 0 || pipe2(p, O_NONBLOCK) || dup2(p[1], RACE_FD) != RACE_FD)
			die_setup("pipe");
		close(p[1]);
		sched_yield();
		/* Alto hands freed files out last-first: the decoy's write end is the old one. */
		close(RACE_FD);
		close(spare);
		if (pipe2(d, O_NONBLOCK))
			die_setup("decoy pipe");
		sched_yield();
		for (long n; (n = read(d[0], buf, sizeof(buf))) > 0;)
			stray += n;
		close(d[0]);
		close(d[1]);
		close(p[0]);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	/* Writes that found RACE_FD while it was open are gone with its pipe. */
	check("no write reached a file opened after its descriptor was closed", stray == 0);
	if (stray)
		printf("(%ld bytes in decoy pipes)\n", stray);
}

static char sharer_stack[16 * 1024] __attribute__((aligned(16)));

static void *return_soon(void *arg)
{
	for (volatile int i = 0; i < SPIN; i++)
		;
	return arg;
}

static int leave_soon(void *arg)
{
	return_soon(arg);
	return 0;
}

/* Writes to fd until the other user of the table has surely gone; the failed ones. */
static long write_while(int fd, pid_t child, pthread_t th)
{
	long failed = 0;
	int status;

	for (int i = 0; i < 300 || (child > 0 && waitpid(child, &status, WNOHANG) == 0); i++)
		failed += write(fd, "x", 1) != 1;
	if (!child)
		pthread_join(th, NULL);
	return failed;
}

/*
 * The lockless lookup sees the table shared, then not: the descriptor is
 * still there. In a child of its own: the fast lookup needs one thread, and
 * the watchdog is a second. Exits with the number of failed writes (at most 99).
 */
static int sharer_leaves(void *arg)
{
	int fd = open("/dev/null", O_WRONLY);
	long failed = 0;

	(void)arg;
	if (fd < 0)
		die_setup("open");
	for (int i = 0; i < LEAVES; i++) {
		pthread_t th = 0;
		pid_t child = 0;
		if (i % 2)
			child = clone(leave_soon, sharer_stack + sizeof(sharer_stack),
				      CLONE_FILES | SIGCHLD, NULL);
		else if (pthread_create(&th, NULL, return_soon, NULL))
			child = -1;
		if (child < 0)
			die_setup("clone");
		failed += write_while(fd, child, th);
	}
	return failed > 99 ? 99 : (int)failed;
}

static void unshared_under_calls(void)
{
	int status = in_child(sharer_leaves, NULL);

	check("no call failed while the table stopped being shared",
	      WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (status)
		printf("(child status %#x: exit code = failed writes, 99 = setup)\n", status);
}

int main(void)
{
	setup();
	signal(SIGPIPE, SIG_IGN);
	watchdog(150); /* 10-12 s alone, over 60 at load 18 on one CPU; under the runner's 180 */
	phase("close while blocked");
	close_while_blocked();
	phase("close racing io");
	close_racing_io();
	phase("close and reuse racing writes");
	close_reuse_race();
	phase("table unshared under the calls");
	unshared_under_calls();
	return 0;
}
