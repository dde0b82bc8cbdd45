/*
 * fork and wait: the child's return values and ids, copy-on-write proven by
 * writes on both sides (data, heap, stack, a private file mapping), shared
 * memory proven by a write seen across (anonymous and file MAP_SHARED),
 * descriptors inherited with their shared offset, exit statuses and
 * signals through wait4/waitpid, WNOHANG, ECHILD, a child that faults
 * dying alone, and 1,000 children alive at once then reaped. Each child
 * reports through its exit status or a pipe, so the output is the
 * parent's alone and the same on every run.
 */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int global = 1;

static int child_ids(void *arg)
{
	pid_t parent = *(pid_t *)arg;

	return (getppid() == parent ? 1 : 0) | (getpid() != parent ? 2 : 0) |
	       (getpgrp() == getpgid(parent) ? 4 : 0) | (getsid(0) == getsid(parent) ? 8 : 0);
}

static void ids(void)
{
	pid_t me = getpid();
	int status = in_child(child_ids, &me);

	check("child exited normally", WIFEXITED(status));
	check("child: getppid is the parent", WEXITSTATUS(status) & 1);
	check("child: its own pid", WEXITSTATUS(status) & 2);
	check("child: the parent's process group", WEXITSTATUS(status) & 4);
	check("child: the parent's session", WEXITSTATUS(status) & 8);
}

static void statuses(void)
{
	static const int codes[] = { 0, 1, 42, 255 };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int status;
		pid_t pid = fork();
		if (pid == 0)
			_exit(codes[i]);
		waitpid(pid, &status, 0);
		printf("exit(%d): WIFEXITED %d WEXITSTATUS %d\n", codes[i], WIFEXITED(status),
		       WEXITSTATUS(status));
	}
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	printf("killed by SIGTERM: WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(status),
	       WTERMSIG(status));
	pid = fork();
	if (pid == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	printf("raise(SIGKILL): WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(status),
	       WTERMSIG(status));
}

static int faulter(void *arg)
{
	volatile int *null = arg;

	*null = 1;
	return 0;
}

static void fault(void)
{
	int status = in_child(faulter, NULL);

	printf("a child that faults: WIFSIGNALED %d WTERMSIG %s\n", WIFSIGNALED(status),
	       WTERMSIG(status) == SIGSEGV ? "SIGSEGV" : "other");
	check("the parent goes on", 1);
}

/* Write v to *p in the child, report what it saw there first. */
struct cow_arg {
	volatile int *p;
	int expect;
	int v;
};

static int cow_child(void *arg)
{
	struct cow_arg *a = arg;
	int saw = *a->p;

	*a->p = a->v;
	return (saw == a->expect ? 1 : 0) | (*a->p == a->v ? 2 : 0);
}

static void cow_one(const char *what, volatile int *p)
{
	*p = 100;
	struct cow_arg a = { p, 100, 200 };
	int status = in_child(cow_child, &a);
	check(what, WEXITSTATUS(status) == 3 && *p == 100);
}

static void cow(void)
{
	volatile int local = 0;
	int *heap = malloc(64 * 1024);
	char path[] = "/tmp/alto-fork-XXXXXX";
	int fd = mkstemp(path);

	if (!heap || fd < 0 || ftruncate(fd, 4096))
		die_setup("cow setup");
	unlink(path);
	int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	int *anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (priv == MAP_FAILED || anon == MAP_FAILED)
		die_setup("mmap");
	cow_one("copy-on-write: a global the child writes stays the parent's", &global);
	cow_one("copy-on-write: a stack variable", &local);
	cow_one("copy-on-write: the heap", &heap[4000]);
	cow_one("copy-on-write: a private file mapping", priv);
	cow_one("copy-on-write: private anonymous memory", &anon[1024]);

	/* The parent writes after the fork: the child still sees the old value. */
	int pipefd[2], back[2];
	if (pipe(pipefd) || pipe(back))
		die_setup("pipe");
	global = 5;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(pipefd[0], &c, 1);
		c = (char)global;
		write(back[1], &c, 1);
		_exit(0);
	}
	global = 6;
	write(pipefd[1], "x", 1);
	char seen = 0;
	read(back[0], &seen, 1);
	waitpid(pid, NULL, 0);
	check("the parent's write after fork is not seen by the child", seen == 5 && global == 6);
	close(pipefd[0]);
	close(pipefd[1]);
	close(back[0]);
	close(back[1]);
	munmap(priv, 4096);
	munmap(anon, 8192);
	close(fd);
	free(heap);
}

static int shared_child(void *arg)
{
	volatile int *p = arg;

	p[0] = 77;
	p[1000] = 78;
	return 0;
}

static void shared(void)
{
	volatile int *anon =
		mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char path[] = "/tmp/alto-fork-XXXXXX";
	int fd = mkstemp(path);

	if (anon == MAP_FAILED || fd < 0 || ftruncate(fd, 8192))
		die_setup("shared setup");
	unlink(path);
	volatile int *file = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (file == MAP_FAILED)
		die_setup("mmap shared file");
	anon[0] = 1;
	in_child(shared_child, (void *)anon);
	check("MAP_SHARED anonymous: the child's writes are seen by the parent",
	      anon[0] == 77 && anon[1000] == 78);
	in_child(shared_child, (void *)file);
	int v = 0;
	pread(fd, &v, sizeof(v), 1000 * sizeof(int));
	check("MAP_SHARED file: the child's writes are seen through the mapping and read()",
	      file[0] == 77 && v == 78);
	munmap((void *)anon, 8192);
	munmap((void *)file, 8192);
	close(fd);
}

static int read_one(void *arg)
{
	char c;

	return read(*(int *)arg, &c, 1) == 1 ? c : 0;
}

static void descriptors(void)
{
	char path[] = "/tmp/alto-fork-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, "abcdef", 6) != 6 || lseek(fd, 0, SEEK_SET))
		die_setup("file");
	unlink(path);
	int status = in_child(read_one, &fd);
	check("the child reads the inherited descriptor", WEXITSTATUS(status) == 'a');
	check("the offset is shared: the parent goes on after the child's read",
	      lseek(fd, 0, SEEK_CUR) == 1);
	status = in_child(read_one, &fd);
	check("and the child after the parent's", WEXITSTATUS(status) == 'b');
	close(fd);

	int p[2];
	if (pipe(p))
		die_setup("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		write(p[1], "from the child", 14);
		_exit(0);
	}
	close(p[1]);
	char buf[32] = { 0 };
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	show("a pipe from the child", buf, n);
	n = read(p[0], buf, sizeof(buf));
	result("then end of file once the child has exited", n);
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void waiting(void)
{
	int status;

	errno = 0;
	result("waitpid with no children", waitpid(-1, &status, 0));
	result("wait4 of a pid that is no child", wait4(1, &status, 0, NULL));
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(p[0], &c, 1);
		_exit(3);
	}
	result("WNOHANG while the child runs", waitpid(pid, &status, WNOHANG));
	write(p[1], "x", 1);
	check("then waitpid returns it",
	      waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 3);
	result("and it is gone", waitpid(pid, &status, WNOHANG));
	close(p[0]);
	close(p[1]);
	/* Any child, in order of nothing: all reaped, each once. */
	pid_t pids[5];
	for (int i = 0; i < 5; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(10 + i);
	}
	int sum = 0, found = 0;
	for (int i = 0; i < 5; i++) {
		pid_t w = wait(&status);
		for (int j = 0; j < 5; j++) {
			if (w == pids[j]) {
				found++;
				sum += WEXITSTATUS(status);
			}
		}
	}
	printf("wait(): %d children found, exit codes summing to %d\n", found, sum);
	result("then wait() has nothing", wait(&status));
	struct rusage ru;
	pid = fork();
	if (pid == 0) {
		for (volatile long i = 0; i < 2000000; i++)
			;
		_exit(0);
	}
	check("wait4 fills a rusage", wait4(pid, &status, 0, &ru) == pid);
}

static void many(int n)
{
	pid_t *pids = malloc(n * sizeof(pid_t));
	int ok = 0, failed = 0, gate[2];

	if (!pids || pipe(gate))
		die_setup("many");
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/* Stay alive until the parent has made them all: end of file on the gate.
			 */
			char c;
			close(gate[1]);
			read(gate[0], &c, 1);
			_exit(i % 200);
		}
		if (pids[i] < 0)
			failed++;
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < n; i++) {
		int status;
		if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] &&
		    WEXITSTATUS(status) == i % 200)
			ok++;
	}
	printf("%d children forked and reaped with their status: %d (fork failures: %d)\n", n, ok,
	       failed);
	free(pids);
}

int main(int argc, char **argv)
{
	setup();
	scratch_enter();
	ids();
	statuses();
	fault();
	cow();
	shared();
	descriptors();
	waiting();
	many(argc > 1 ? atoi(argv[1]) : 1000);
	scratch_leave();
	return 0;
}
