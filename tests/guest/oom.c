/*
 * Processes when memory runs out (run in Alto with little memory by
 * tests/cases/68-processes.sh; natively memory does not run out): a child
 * that writes to every page it shares copy-on-write with a parent holding
 * most of the memory is killed alone (SIGKILL, with a line from the kernel)
 * and the parent goes on; programs started one after the other, each taking
 * memory, until none is left make vfork fail with EAGAIN or ENOMEM (some
 * are killed while touching theirs), never the kernel; everything is
 * reaped and fork works again after.
 * RLIMIT_NPROC bounds the processes alive at once (EAGAIN beyond).
 */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MB (1024 * 1024)

static void touch(char *p, size_t len, char v)
{
	for (size_t off = 0; off < len; off += 4096)
		p[off] = v;
}

static void cow_exhaustion(void)
{
	size_t len = (size_t)(meminfo_kb("MemFree") / 1024 * 7 / 10) * MB;
	char *big = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (big == MAP_FAILED)
		die_setup("mmap");
	touch(big, len, 1);
	pid_t pid = fork();
	if (pid == 0) {
		touch(big, len, 2); /* needs as much again: there is not */
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("a child writing %zu MiB of copy-on-write pages: %s\n", len / MB,
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "killed by SIGKILL" :
	       WIFEXITED(status)				  ? "exited" :
								    "killed otherwise");
	check("the parent's memory is intact", big[0] == 1 && big[len - 4096] == 1);
	munmap(big, len);
}

/* A hog: 2 MiB taken and touched, then held until the gate (fd 3) closes. */
static int hog(void)
{
	char *mem = malloc(2 * MB), c;

	if (mem)
		touch(mem, 2 * MB, 3);
	read(3, &c, 1);
	return 0;
}

/* vfork and run this program as a hog, reading the gate on fd 3. */
static __attribute__((noinline)) pid_t start_hog(const char *self, int gate_w)
{
	pid_t pid = vfork();

	if (pid == 0) {
		close(gate_w);
		execl(self, self, "hog", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/*
 * Hogs started with vfork and execve until memory runs out: the parent
 * shares no page copy-on-write with them (vfork lends it, execve drops
 * it), so its own writes need no memory that the hogs took.
 */
static void fork_exhaustion(const char *self)
{
	static pid_t pids[4096];
	int n = 0, gate[2], failed = 0, killed = 0;

	memset(pids, 0, sizeof(pids));
	if (pipe(gate) || dup2(gate[0], 3) != 3)
		die_setup("pipe");
	while (n < 4096 && !failed) {
		pid_t pid = start_hog(self, gate[1]);
		if (pid < 0)
			failed = errno == EAGAIN || errno == ENOMEM ? 1 : -1;
		else
			pids[n++] = pid;
	}
	close(gate[0]);
	close(gate[1]);
	close(3);
	for (int i = 0; i < n; i++) {
		int status;
		if (waitpid(pids[i], &status, 0) == pids[i] && WIFSIGNALED(status))
			killed++;
	}
	printf("starting programs that take 2 MiB each until memory runs out: %s\n",
	       failed > 0 ? "vfork failed with EAGAIN or ENOMEM" :
	       failed < 0 ? "vfork failed otherwise" :
			    "no limit reached");
	printf("  some were killed for memory: %s\n", killed ? "yes" : "no");
	check("  more than a few started first", n > 4);
	pid_t pid = fork();
	if (pid == 0)
		_exit(4);
	int status;
	waitpid(pid, &status, 0);
	check("fork works again once they are reaped",
	      WIFEXITED(status) && WEXITSTATUS(status) == 4);
}

static void nproc_limit(void)
{
	struct rlimit lim = { 5, 5 }, old;
	int gate[2], made = 0, err = 0;
	pid_t pids[8];

	getrlimit(RLIMIT_NPROC, &old);
	check("RLIMIT_NPROC has a finite default", old.rlim_cur != RLIM_INFINITY);
	if (pipe(gate) || setrlimit(RLIMIT_NPROC, &lim))
		die_setup("nproc");
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char c;
			close(gate[1]);
			read(gate[0], &c, 1);
			_exit(0);
		}
		if (pids[i] < 0) {
			err = errno;
			break;
		}
		made++;
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < made; i++)
		waitpid(pids[i], NULL, 0);
	printf("with RLIMIT_NPROC 5 (us included): %d children, then %s\n", made, errname(err));
	setrlimit(RLIMIT_NPROC, &old);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "hog"))
		return hog();
	setup();
	cow_exhaustion();
	fork_exhaustion(argv[0]);
	nproc_limit();
	return 0;
}
