/*
 * Processes around fork: groups and sessions (setpgid's rules, setsid),
 * signals to a group, to -1 and through a pidfd, a group's kill while its
 * leader forks (the children get it too), zombies and orphans as
 * /proc shows them (state Z, the new parent), SIGCHLD with its siginfo,
 * SIG_IGN and SA_NOCLDWAIT reaping, waitid (WEXITED, WSTOPPED, WCONTINUED,
 * WNOWAIT, P_PGID, P_PIDFD), stop and continue, clone's CLONE_FILES and
 * CLONE_FS, and fork from a process of 8 threads (only the caller goes on
 * in the child). Only relations are printed: pids differ between runs.
 */
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define FUTEX_WAIT 0 /* linux/futex.h: musl's headers do not have it */
#define FUTEX_WAKE 1

static int gate[2];

/* A child that waits on the gate (until the parent closes it), then exits with code. */
static pid_t sleeper(int code)
{
	pid_t pid = fork();

	if (pid == 0) {
		char c;
		close(gate[1]);
		read(gate[0], &c, 1);
		_exit(code);
	}
	return pid;
}

static void open_gate(void)
{
	if (pipe(gate))
		die_setup("pipe");
}

static void release_gate(void)
{
	close(gate[0]);
	close(gate[1]);
}

/* The state letter and the parent in /proc/PID/stat. */
static int proc_stat(pid_t pid, char *state, pid_t *ppid, pid_t *pgrp)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *close_paren = strrchr(buf, ')');
	int pp = 0, pg = 0;
	if (!close_paren || sscanf(close_paren + 2, "%c %d %d", state, &pp, &pg) != 3)
		return -1;
	*ppid = pp;
	*pgrp = pg;
	return 0;
}

static void groups(void)
{
	pid_t me = getpid();
	pid_t child;

	open_gate();
	child = sleeper(0);
	check("a child starts in the parent's group", getpgid(child) == getpgrp());
	result("setpgid(child, 0) makes it a group leader", setpgid(child, 0));
	check("  its group is its pid", getpgid(child) == child);
	result("setpgid(child, our group) moves it back", setpgid(child, getpgrp()));
	result("setpgid to a group that does not exist", setpgid(child, child + 100000));
	result("setpgid of a process that is no child", setpgid(1, 0));
	result("setpgid(0, 0) on ourselves", setpgid(0, 0));
	check("  our group is our pid", getpgrp() == me);
	result("setsid as a group leader", setsid());
	release_gate();
	waitpid(child, NULL, 0);

	int p[2];
	pipe(p);
	child = fork();
	if (child == 0) {
		pid_t sid = setsid();
		char r[3] = { sid == getpid(), getpgrp() == getpid(), getsid(0) == getpid() };
		write(p[1], r, 3);
		_exit(0);
	}
	char r[3] = { 0 };
	read(p[0], r, 3);
	waitpid(child, NULL, 0);
	check("setsid in a child: a new session, a new group, it leads both", r[0] && r[1] && r[2]);
	close(p[0]);
	close(p[1]);

	/* The exec'd program writes to the pipe it is given, so the exec is done before setpgid. */
	char fd_text[16];
	pipe(p);
	snprintf(fd_text, sizeof(fd_text), "%d", p[1]);
	child = fork();
	if (child == 0) {
		close(p[0]);
		execv("/proc/self/exe", (char *[]){ "x", "sleep", fd_text, NULL });
		_exit(1);
	}
	close(p[1]);
	read(p[0], r, 1);
	close(p[0]);
	result("setpgid of a child that has exec'd", setpgid(child, child));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	result("getsid of a process that does not exist", getsid(999999));
	result("getpgid of a process that does not exist", getpgid(999999));
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1++;
}

static void group_signals(void)
{
	int p[2];
	pid_t kids[3];

	pipe(p);
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			if (i)
				setpgid(0, kids[0]);
			else
				setpgid(0, 0);
			write(p[1], "r", 1);
			pause();
			_exit(0);
		}
		setpgid(kids[i], kids[0]);
	}
	char c;
	for (int i = 0; i < 3; i++)
		read(p[0], &c, 1);
	result("kill(-group, SIGTERM) to a group of three", kill(-kids[0], SIGTERM));
	int killed = 0;
	for (int i = 0; i < 3; i++) {
		int status;
		waitpid(kids[i], &status, 0);
		killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
	}
	printf("  children killed by it: %d\n", killed);
	result("kill(-group) of a group with nobody left", kill(-kids[0], SIGTERM));

	/* kill(0) reaches our own group (ours alone since setpgid above), us included. */
	if (getpgrp() != getpid())
		die_setup("not a group leader: kill(0) would reach others");
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	signal(SIGUSR1, on_usr1);
	pid_t child = fork();
	if (child == 0) {
		got_usr1 = 0;
		write(p[1], "r", 1);
		while (!got_usr1)
			sigsuspend(&old);
		_exit(got_usr1 ? 7 : 0);
	}
	read(p[0], &c, 1);
	result("kill(0, SIGUSR1)", kill(0, SIGUSR1));
	int status;
	waitpid(child, &status, 0);
	check("  the child in our group got it", WEXITSTATUS(status) == 7);
	while (!got_usr1)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	check("  and so did we", got_usr1 > 0);
	signal(SIGUSR1, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

#define KILL_FORKS_MAX 1000

static void on_term(int sig)
{
	(void)sig;
}

/*
 * The group's forker: forks children that wait for SIGTERM (blocked here,
 * so it stays pending) until SIGTERM is pending for itself, then reaps
 * them. Exits 0 when every child ended through the signal within 60 s;
 * killed by SIGKILL otherwise, with whatever is left of the group. A fork
 * that fails for memory ends the forking (under load the kill may come
 * late, after hundreds of children): those forked count. Its
 * 64 MiB of written memory make each fork long (page tables to copy), so
 * the kill most likely lands inside one: a signal that comes before the
 * fork starts is the parent's alone, on Linux as here, and a child made
 * then could rightly miss it, but that window is a system call's entry.
 */
static void forker(int ready_fd)
{
	sigset_t term, none;
	int forked = 0, reaped = 0;
	size_t big = 64 << 20;
	char *mem = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		_exit(1);
	memset(mem, 1, big);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &term, NULL);
	signal(SIGTERM, on_term);
	for (sigset_t pending; forked < KILL_FORKS_MAX;) {
		pid_t pid = fork();
		if (pid == 0) {
			sigsuspend(&none); /* returns once the handler ran */
			_exit(3);
		}
		/* Out of memory (the kill came late: hundreds of 64 MiB children's page tables). */
		if (pid < 0 && !forked)
			_exit(1);
		if (pid < 0)
			break;
		if (forked++ == 0)
			write(ready_fd, "r", 1);
		sigpending(&pending);
		if (sigismember(&pending, SIGTERM))
			break;
	}
	/* A bound for a failure only: reaping took over 10 s natively at load 10. */
	long long deadline = time(NULL) + 60;
	while (reaped < forked && time(NULL) < deadline) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0)
			reaped += WIFEXITED(status) && WEXITSTATUS(status) == 3;
		else
			usleep(1000);
	}
	if (reaped < forked)
		kill(0, SIGKILL);
	_exit(0);
}

/*
 * kill(-group) while a process of the group forks: the signal reaches the
 * child too, or the fork does not happen (Linux notes group signals that
 * come during a fork for the child). The kill lands while the forker is
 * most likely inside fork, on any CPU count.
 */
static void group_kill_during_fork(void)
{
	int p[2];
	char c;

	pipe(p);
	pid_t leader = fork();
	if (leader == 0) {
		setpgid(0, 0);
		close(p[0]);
		forker(p[1]);
	}
	setpgid(leader, leader);
	close(p[1]);
	read(p[0], &c, 1);
	usleep(20000);
	result("kill(-group, SIGTERM) while its leader forks", kill(-leader, SIGTERM));
	int status = 0;
	waitpid(leader, &status, 0);
	check("  every child it forked got the signal",
	      WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
}

static void zombies_and_orphans(void)
{
	char state = '?';
	pid_t ppid = 0, pgrp = 0;

	pid_t child = fork();
	if (child == 0)
		_exit(3);
	/* Wait until it is a zombie: WNOWAIT leaves it so. */
	siginfo_t si;
	waitid(P_PID, child, &si, WEXITED | WNOWAIT);
	proc_stat(child, &state, &ppid, &pgrp);
	printf("an exited child before wait: state %c, its parent us: %s\n", state,
	       ppid == getpid() ? "yes" : "no");
	check("  /proc lists it",
	      access("/proc/self", F_OK) == 0 && proc_stat(child, &state, &ppid, &pgrp) == 0);
	int status;
	waitpid(child, &status, 0);
	check("after wait it is gone from /proc", proc_stat(child, &state, &ppid, &pgrp) < 0);

	/* An orphan: the middle process exits; the grandchild goes on under init. */
	int up[2], down[2];
	pipe(up);
	pipe(down);
	child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			char c;
			read(down[0], &c, 1); /* until our parent is gone */
			pid_t pp = getppid();
			write(up[1], &pp, sizeof(pp));
			_exit(0);
		}
		write(up[1], &grandchild, sizeof(grandchild));
		_exit(0);
	}
	pid_t grandchild;
	read(up[0], &grandchild, sizeof(grandchild));
	waitpid(child, NULL, 0);
	proc_stat(grandchild, &state, &ppid, &pgrp);
	/* Init, or natively a subreaper above us: someone else than the parent that exited. */
	check("an orphan gets another parent in /proc",
	      ppid > 0 && ppid != child && ppid != getpid());
	write(down[1], "x", 1);
	pid_t seen = 0;
	read(up[0], &seen, sizeof(seen));
	check("  and getppid() says the same", seen == ppid);
	result("  it is no child of ours", waitpid(grandchild, NULL, WNOHANG));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

static volatile sig_atomic_t chld_count, chld_code, chld_status, chld_pid_ok;
static pid_t chld_expect;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_count++;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid_ok = si->si_pid == chld_expect;
}

static void sigchld(void)
{
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO };

	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaction(SIGCHLD, &sa, NULL);
	chld_count = 0;
	/* Blocked until chld_expect is set: the child may exit before fork returns here. */
	sigprocmask(SIG_BLOCK, &block, &old);
	chld_expect = fork();
	if (chld_expect == 0)
		_exit(9);
	while (!chld_count)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("SIGCHLD: si_code %s, si_status %d, si_pid the child's: %s\n",
	       chld_code == CLD_EXITED ? "CLD_EXITED" : "other", (int)chld_status,
	       chld_pid_ok ? "yes" : "no");
	waitpid(chld_expect, NULL, 0);

	/* SIG_IGN: children are reaped at once, wait finds none. */
	signal(SIGCHLD, SIG_IGN);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	int status;
	errno = 0;
	pid_t r = waitpid(child, &status, 0);
	printf("with SIGCHLD ignored, waitpid: %d %s\n", r < 0 ? -1 : 0,
	       r < 0 ? errname(errno) : "");

	/* SA_NOCLDWAIT: the handler runs, the child is still reaped at once. */
	struct sigaction nw = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO | SA_NOCLDWAIT };
	sigaction(SIGCHLD, &nw, NULL);
	chld_count = 0;
	sigprocmask(SIG_BLOCK, &block, &old);
	chld_expect = fork();
	if (chld_expect == 0)
		_exit(0);
	while (!chld_count)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	r = waitpid(chld_expect, &status, 0);
	printf("with SA_NOCLDWAIT: handler ran %d time, waitpid: %s\n", (int)chld_count,
	       r < 0 ? errname(errno) : "found it");
	signal(SIGCHLD, SIG_DFL);
}

static void stop_continue(void)
{
	siginfo_t si;
	int status;

	open_gate();
	pid_t child = sleeper(4);
	kill(child, SIGSTOP);
	pid_t r = waitpid(child, &status, WUNTRACED);
	printf("SIGSTOP: WIFSTOPPED %d, WSTOPSIG %s, found %s\n", WIFSTOPPED(status),
	       WSTOPSIG(status) == SIGSTOP ? "SIGSTOP" : "other", r == child ? "yes" : "no");
	char state = '?';
	pid_t ppid, pgrp;
	proc_stat(child, &state, &ppid, &pgrp);
	printf("  /proc state %c\n", state);
	result("  a second WUNTRACED wait has nothing new",
	       waitpid(child, &status, WUNTRACED | WNOHANG));
	kill(child, SIGCONT);
	r = waitpid(child, &status, WCONTINUED);
	printf("SIGCONT: WIFCONTINUED %d, found %s\n", WIFCONTINUED(status),
	       r == child ? "yes" : "no");
	/* In a group of its own, which is not orphaned (we are its parent, in this session). */
	setpgid(child, child);
	kill(child, SIGTSTP);
	memset(&si, 0, sizeof(si));
	waitid(P_PID, child, &si, WSTOPPED);
	printf("waitid WSTOPPED after SIGTSTP: si_code %s, si_status %s\n",
	       si.si_code == CLD_STOPPED ? "CLD_STOPPED" : "other",
	       si.si_status == SIGTSTP ? "SIGTSTP" : "other");
	kill(child, SIGCONT);
	memset(&si, 0, sizeof(si));
	waitid(P_PID, child, &si, WCONTINUED);
	printf("waitid WCONTINUED: si_code %s\n",
	       si.si_code == CLD_CONTINUED ? "CLD_CONTINUED" : "other");
	release_gate();
	memset(&si, 0, sizeof(si));
	waitid(P_PID, child, &si, WEXITED | WNOWAIT);
	printf("waitid WEXITED|WNOWAIT: si_code %s, si_status %d\n",
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status);
	memset(&si, 0, sizeof(si));
	waitid(P_ALL, 0, &si, WEXITED);
	printf("then waitid P_ALL reaps it: %s\n", si.si_pid == child ? "yes" : "no");
	memset(&si, 0xff, sizeof(si));
	result("waitid WNOHANG with no child", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
	result("waitid without WEXITED, WSTOPPED or WCONTINUED", waitid(P_ALL, 0, &si, 0));

	/* A stopped child killed outright. */
	open_gate();
	child = sleeper(0);
	kill(child, SIGSTOP);
	waitpid(child, &status, WUNTRACED);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	printf("SIGKILL to a stopped child: WTERMSIG %s\n",
	       WTERMSIG(status) == SIGKILL ? "SIGKILL" : "other");
	release_gate();

	/* P_PGID */
	open_gate();
	child = sleeper(6);
	setpgid(child, child);
	release_gate();
	memset(&si, 0, sizeof(si));
	waitid(P_PGID, child, &si, WEXITED);
	printf("waitid P_PGID: found it: %s, si_status %d\n", si.si_pid == child ? "yes" : "no",
	       si.si_status);
}

static void pidfds(void)
{
	open_gate();
	pid_t child = sleeper(0);
	int fd = syscall(SYS_pidfd_open, child, 0);
	check("pidfd_open", fd >= 0);
	check("  close-on-exec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	struct pollfd_like {
		int fd;
		short events, revents;
	} pfd = { fd, 1, 0 };
	int n = syscall(SYS_poll, &pfd, 1, 0);
	printf("  poll while it runs: %d\n", n);
	result("  pidfd_send_signal SIGKILL", syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0));
	n = syscall(SYS_poll, &pfd, 1, 5000);
	printf("  poll once it died: %d, readable %s\n", n, (pfd.revents & 1) ? "yes" : "no");
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	waitid(P_PIDFD, fd, &si, WEXITED);
	printf("  waitid P_PIDFD: si_code %s, si_status %s\n",
	       si.si_code == CLD_KILLED ? "CLD_KILLED" : "other",
	       si.si_status == SIGKILL ? "SIGKILL" : "other");
	result("  pidfd_send_signal once reaped",
	       syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0));
	close(fd);
	release_gate();
	result("pidfd_open of no process", syscall(SYS_pidfd_open, 999999, 0));
	result("pidfd_open with bad flags", syscall(SYS_pidfd_open, getpid(), 1));
	result("pidfd_send_signal on a file that is no pidfd",
	       syscall(SYS_pidfd_send_signal, 0, 0, NULL, 0));
}

static int shared_fd_child(void *arg)
{
	close(*(int *)arg);
	return 0;
}

static char stack[256 * 1024] __attribute__((aligned(16)));

static void on_usr2(int sig)
{
}

/* In the parent's memory (CLONE_VM): set a disposition, change directory, write a word. */
static int shared_parts_child(void *arg)
{
	signal(SIGUSR2, on_usr2);
	chdir("/tmp");
	*(volatile int *)arg = 42;
	return 0;
}

static void clone_flags(void)
{
	int fd = open("/dev/null", O_RDONLY);
	pid_t pid = clone(shared_fd_child, stack + sizeof(stack), CLONE_FILES | SIGCHLD, &fd);
	waitpid(pid, NULL, 0);
	result("CLONE_FILES: the child's close is ours too", fcntl(fd, F_GETFD));
	fd = open("/dev/null", O_RDONLY);
	pid = clone(shared_fd_child, stack + sizeof(stack), SIGCHLD, &fd);
	waitpid(pid, NULL, 0);
	check("without it the descriptor stays ours", fcntl(fd, F_GETFD) >= 0);
	close(fd);

	char before[256], after[256];
	volatile int word = 0;
	chdir("/");
	getcwd(before, sizeof(before));
	pid = clone(shared_parts_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_SIGHAND | CLONE_FS | SIGCHLD, (void *)&word);
	waitpid(pid, NULL, 0);
	struct sigaction sa;
	sigaction(SIGUSR2, NULL, &sa);
	getcwd(after, sizeof(after));
	check("CLONE_VM: the child's write is ours", word == 42);
	check("CLONE_SIGHAND: the child's handler is ours", sa.sa_handler == on_usr2);
	check("CLONE_FS: the child's chdir is ours",
	      !strcmp(before, "/") && !strcmp(after, "/tmp"));
	signal(SIGUSR2, SIG_DFL);
	chdir("/");
}

/*
 * A futex in MAP_SHARED memory between two processes (not FUTEX_PRIVATE):
 * the child's wake reaches the parent's wait. Private keys would leave the
 * parent to time out.
 */
static void shared_futex(void)
{
	volatile int *word =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int timeouts = 0;

	if (word == MAP_FAILED)
		die_setup("mmap");
	*word = 0;
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		*word = 1;
		syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
		_exit(0);
	}
	while (*word == 0) {
		struct timespec ts = { 10, 0 };
		if (syscall(SYS_futex, word, FUTEX_WAIT, 0, &ts, NULL, 0) && errno == ETIMEDOUT)
			timeouts++;
	}
	waitpid(pid, NULL, 0);
	printf("a shared futex woken from another process: %s\n",
	       timeouts ? "no (timed out)" : "yes");
	munmap((void *)word, 4096);
}

static void *spinner(void *arg)
{
	for (;;)
		usleep(1000);
	return NULL;
}

static void fork_with_threads(void)
{
	pthread_t t[7];

	for (int i = 0; i < 7; i++)
		pthread_create(&t[i], NULL, spinner, NULL);
	int p[2];
	pipe(p);
	pid_t child = fork();
	if (child == 0) {
		/* Only the thread that forked goes on here. */
		char buf[256];
		int fd = open("/proc/self/status", O_RDONLY);
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		int threads = -1;
		char *line = strstr(buf, "Threads:");
		if (!line) {
			fd = open("/proc/self/status", O_RDONLY);
			char big[4096];
			n = read(fd, big, sizeof(big) - 1);
			big[n > 0 ? n : 0] = 0;
			close(fd);
			line = strstr(big, "Threads:");
			if (line)
				threads = atoi(line + 8);
		} else {
			threads = atoi(line + 8);
		}
		write(p[1], &threads, sizeof(threads));
		_exit(0);
	}
	int threads = 0;
	read(p[0], &threads, sizeof(threads));
	waitpid(child, NULL, 0);
	printf("fork from a process of 8 threads: the child has %d\n", threads);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1 && !strcmp(argv[1], "sleep")) {
		if (argc > 2)
			write(atoi(argv[2]), "x", 1);
		pause();
		return 0;
	}
	groups();
	group_signals();
	group_kill_during_fork();
	zombies_and_orphans();
	sigchld();
	stop_continue();
	pidfds();
	clone_flags();
	shared_futex();
	fork_with_threads();
	return 0;
}
