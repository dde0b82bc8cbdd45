/*
 * What a fork's child has of the POSIX state, run as root: a shared
 * /dev/zero mapping and a shared anonymous one (pages untouched before the
 * fork included) seen across both ways, a private one copy-on-write; a
 * message queue opened before the fork (the child sends to it and receives
 * from it, the parent's notification survives the child's close and makes
 * the child's mq_notify EBUSY, and ends with the parent's own close); credentials (the child's own
 * after setresuid, seen in /proc/PID, inherited by its children, kept by execve with the saved ids
 * following the effective ones, AT_SECURE, kill's and the scheduling calls' EPERM between users);
 * scheduling (policy, priority, nice, CPU set and SCHED_RESET_ON_FORK, setpriority over a process
 * group and a user); and areas (copy-on-write pages under mprotect, munmap and mremap in the child
 * among many areas, mlock not inherited, and vm.max_map_count counted per address space). Each
 * child prints its lines while the parent waits, so the output is in one order everywhere.
 */
#include "common.h"
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE	4096ul
#define USER	54321 /* a uid nobody on the host uses */
#define QUEUE	"/alto-inherit-test"
#define NAREAS	600
#define MAP_MAX 70000

static char self[512], copy[600]; /* the program, and a copy anyone may run */

/* Run fn in a child and wait for it; its exit status (99 when it did not exit). */
static int child_code(int (*fn)(void *), void *arg)
{
	int status = in_child(fn, arg);

	return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

/* A child that waits for a byte on a pipe (or the pipe's end) before going on. */
struct paused {
	pid_t pid;
	int go; /* write end: a byte lets the child go on */
};

/* fn(wait_fd, ready) calls tell_ready(ready) once it is ready, then wait_byte(wait_fd). */
static struct paused fork_paused(int (*fn)(int wait_fd, void *ready))
{
	int p[2], ready[2];
	struct paused c;

	if (pipe(p) || pipe(ready))
		die_setup("pipe");
	c.pid = fork();
	if (c.pid < 0)
		die_setup("fork");
	if (c.pid == 0) {
		close(p[1]);
		close(ready[0]);
		_exit(fn(p[0], &ready[1]));
	}
	close(p[0]);
	close(ready[1]);
	char b;
	if (read(ready[0], &b, 1) != 1) /* the child has done what comes before its wait */
		die_setup("child not ready");
	close(ready[0]);
	c.go = p[1];
	return c;
}

static int finish(struct paused *c)
{
	int status;

	if (write(c->go, "g", 1) != 1)
		die_setup("write");
	close(c->go);
	if (waitpid(c->pid, &status, 0) != c->pid)
		die_setup("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

static void wait_byte(int fd)
{
	char b;

	if (read(fd, &b, 1) < 0)
		_exit(98);
}

static void tell_ready(void *arg)
{
	if (write(*(int *)arg, "r", 1) != 1)
		_exit(98);
}

/* ---- shared and private memory */

static char *mem;

static int shared_child(int wait_fd, void *arg)
{
	int bits = 0;

	bits |= mem[0] == 'a' ? 1 : 0; /* the parent's write before the fork */
	mem[PAGE] = 'c';	       /* a page nobody touched before the fork */
	tell_ready(arg);
	wait_byte(wait_fd);
	bits |= mem[2 * PAGE] == 'p' ? 2 : 0; /* the parent's write after the fork */
	return bits;
}

static void shared_memory(const char *what, int flags, int fd)
{
	mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (mem == MAP_FAILED)
		die_setup("mmap");
	mem[0] = 'a';
	struct paused c = fork_paused(shared_child);
	mem[2 * PAGE] = 'p';
	int bits = finish(&c);
	printf("%s:\n", what);
	check("  the child sees the parent's write from before the fork", bits & 1);
	check("  the child sees the parent's write to an untouched page after it", bits & 2);
	check("  the parent sees the child's write to an untouched page", mem[PAGE] == 'c');
	munmap(mem, 3 * PAGE);
}

static int private_child(void *arg)
{
	int bits = mem[0] == 'a';

	mem[0] = 'c';
	mem[PAGE] = 'c';
	return bits;
}

static void memory(void)
{
	int zero = open("/dev/zero", O_RDWR);

	if (zero < 0)
		die_setup("open /dev/zero");
	shared_memory("MAP_SHARED of /dev/zero", MAP_SHARED, zero);
	shared_memory("MAP_SHARED | MAP_ANONYMOUS", MAP_SHARED | MAP_ANONYMOUS, -1);
	mem = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
	if (mem == MAP_FAILED)
		die_setup("mmap private");
	mem[0] = 'a';
	int seen = child_code(private_child, NULL);
	printf("MAP_PRIVATE of /dev/zero:\n");
	check("  the child sees the parent's page", seen == 1);
	check("  the child's writes stay its own", mem[0] == 'a' && mem[PAGE] == 0);
	munmap(mem, 2 * PAGE);
	close(zero);
}

/* ---- a message queue opened before the fork */

static mqd_t queue;

static int queue_sender(void *arg)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };

	printf("  child: mq_notify while the parent is registered: %s\n",
	       mq_notify(queue, &ev) ? errname(errno) : "0");
	printf("  child: mq_send: %d\n", mq_send(queue, "from the child", 15, 3));
	printf("  child: mq_close: %d\n", mq_close(queue));
	return 0;
}

static int queue_receiver(int wait_fd, void *arg)
{
	char buf[64];
	unsigned int prio = 0;

	tell_ready(arg);
	ssize_t n = mq_receive(queue, buf, sizeof(buf), &prio);
	printf("  child: received %zd bytes, priority %u: %s\n", n, prio, n > 0 ? buf : "-");
	wait_byte(wait_fd);
	return 0;
}

/* The parent's registration ended with its close, though the open queue lives on here. */
static int queue_notifier(int wait_fd, void *arg)
{
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };

	tell_ready(arg);
	wait_byte(wait_fd);
	printf("  child: mq_notify once the parent closed: %s\n",
	       mq_notify(queue, &ev) ? errname(errno) : "0");
	mq_notify(queue, NULL);
	return 0;
}

static void message_queue(void)
{
	struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 32 };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	sigset_t usr1;
	siginfo_t si;
	char buf[64];
	unsigned int prio = 0;

	printf("a message queue opened before the fork:\n");
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	mq_unlink(QUEUE);
	queue = mq_open(QUEUE, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	if (queue == (mqd_t)-1)
		die_setup("mq_open");
	result("  the parent's mq_notify", mq_notify(queue, &ev));
	pid_t pid = fork();
	if (pid < 0)
		die_setup("fork");
	if (pid == 0)
		_exit(queue_sender(NULL));
	waitpid(pid, NULL, 0);
	ssize_t n = mq_receive(queue, buf, sizeof(buf), &prio);
	printf("  the parent receives %zd bytes, priority %u: %s\n", n, prio, n > 0 ? buf : "-");
	struct timespec ts = { 5, 0 };
	int sig = sigtimedwait(&usr1, &si, &ts);
	check("  the parent was notified after the child closed its descriptor", sig == SIGUSR1);
	check("  by SI_MESGQ from the child", si.si_code == SI_MESGQ && si.si_pid == pid);

	struct paused c = fork_paused(queue_receiver);
	usleep(50000); /* the child is most likely blocked in mq_receive by now */
	int sent = mq_send(queue, "to the child", 13, 7);
	finish(&c);
	result("  the parent sent to the child blocked in mq_receive", sent);

	result("  the parent's mq_notify again", mq_notify(queue, &ev));
	c = fork_paused(queue_notifier);
	result("  the parent closes its descriptor (the child keeps its own)", mq_close(queue));
	finish(&c);
	result("  mq_unlink", mq_unlink(QUEUE));
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
}

/* ---- credentials */

static void show_ids(const char *who)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	printf("  %s: uids %u %u %u, gids %u %u %u\n", who, r, e, s, rg, eg, sg);
}

/* A line of /proc/PID/status, from its key up to the end of the line, into out. */
static void status_line(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], buf[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	char *line = strstr(buf, key);
	snprintf(out, size, "%s", line ? line : "(none)");
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
	for (char *t = out; *t; t++)
		*t = *t == '\t' ? ' ' : *t;
}

static int grandchild_ids(void *arg)
{
	show_ids("grandchild");
	return 0;
}

static int user_child(int wait_fd, void *arg)
{
	if (setresgid(USER, USER, USER) || setresuid(USER, USER, USER))
		_exit(97);
	show_ids("child after setresuid");
	child_code(grandchild_ids, NULL);
	pid_t parent = getppid();
	printf("  child: kill(parent, 0): %s\n", kill(parent, 0) ? errname(errno) : "0");
	printf("  child: kill(parent, SIGCONT), same session: %s\n",
	       kill(parent, SIGCONT) ? errname(errno) : "0");
	printf("  child: setpriority(parent): %s\n",
	       setpriority(PRIO_PROCESS, parent, 1) ? errname(errno) : "0");
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	printf("  child: sched_setaffinity(parent): %s\n",
	       sched_setaffinity(parent, sizeof(one), &one) ? errname(errno) : "0");
	struct sched_param sp = { 0 };
	printf("  child: sched_setscheduler(parent, SCHED_BATCH): %s\n",
	       syscall(SYS_sched_setscheduler, parent, SCHED_BATCH, &sp) ? errname(errno) : "0");
	tell_ready(arg);
	wait_byte(wait_fd);
	return 0;
}

/* Exec ourselves with ids r, e, s (the role prints what the new program has). */
static int exec_child(void *arg)
{
	const uid_t *ids = arg;

	if (setresuid(ids[0], ids[1], ids[2]))
		_exit(97);
	execl(copy, copy, "ids", (char *)NULL);
	_exit(96);
}

static int role_ids(void)
{
	char caps[128];

	show_ids("after execve");
	printf("  AT_SECURE %lu, AT_UID %lu, AT_EUID %lu\n", getauxval(AT_SECURE),
	       getauxval(AT_UID), getauxval(AT_EUID));
	status_line(getpid(), "CapEff:", caps, sizeof(caps));
	check("  effective capabilities", strcmp(caps, "CapEff: 0000000000000000") != 0);
	status_line(getpid(), "CapPrm:", caps, sizeof(caps));
	check("  permitted capabilities", strcmp(caps, "CapPrm: 0000000000000000") != 0);
	return 0;
}

/* A copy of the program in the scratch directory, which anyone may search: exec by any uid works.
 */
static void copy_self(void)
{
	static char buf[1 << 16];
	int in = open(self, O_RDONLY), out;
	ssize_t n;

	snprintf(copy, sizeof(copy), "%s/self", scratch_dir);
	out = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (in < 0 || out < 0 || chmod(scratch_dir, 0755))
		die_setup("copy of the program");
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n)
			die_setup("write the copy");
	}
	close(in);
	close(out);
}

static void credentials(void)
{
	char line[128];
	struct stat st;
	char path[64];

	printf("credentials:\n");
	struct paused c = fork_paused(user_child);
	status_line(c.pid, "Uid:", line, sizeof(line));
	printf("  the child's /proc status: %s\n", line);
	status_line(c.pid, "Gid:", line, sizeof(line));
	printf("  the child's /proc status: %s\n", line);
	snprintf(path, sizeof(path), "/proc/%d", c.pid);
	check("  /proc/CHILD belongs to the child's user",
	      stat(path, &st) == 0 && st.st_uid == USER && st.st_gid == USER);
	check("  /proc/self still belongs to root", stat("/proc/self", &st) == 0 && st.st_uid == 0);
	printf("  kill(child, 0) as root: %s\n", kill(c.pid, 0) ? errname(errno) : "0");
	finish(&c);
	show_ids("the parent");

	static const uid_t cases[][3] = { { 1000, 0, 1000 }, { 0, 1000, 0 }, { 0, 0, 1000 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		printf("  execve with uids %u %u %u:\n", cases[i][0], cases[i][1], cases[i][2]);
		int status = child_code(exec_child, (void *)cases[i]);
		if (status)
			printf("  exec child status %d\n", status);
	}
}

/* ---- scheduling */

static int first_cpu; /* the lowest CPU the program may run on */

static void show_sched(const char *who)
{
	struct sched_param sp;
	cpu_set_t set;

	sched_getparam(0, &sp);
	sched_getaffinity(0, sizeof(set), &set);
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	printf("  %s: policy %#lx, priority %d, nice %d, on the parent's one CPU: %s\n", who,
	       syscall(SYS_sched_getscheduler, 0), sp.sched_priority, nice,
	       CPU_COUNT(&set) == 1 && CPU_ISSET(first_cpu, &set) ? "yes" : "no");
}

static int sched_child(void *arg)
{
	show_sched("child");
	return 0;
}

static void set_policy(int policy, int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	if (syscall(SYS_sched_setscheduler, 0, policy, &sp))
		die_setup("sched_setscheduler");
}

static int member_of_group(int wait_fd, void *arg)
{
	tell_ready(arg);
	wait_byte(wait_fd);
	errno = 0;
	return getpriority(PRIO_PROCESS, 0) + 20;
}

/* In a group of its own with a member: setpriority on the group reaches both. */
static int group_leader(void *arg)
{
	if (setpgid(0, 0))
		_exit(97);
	struct paused m = fork_paused(member_of_group);
	printf("  setpriority(PRIO_PGRP, 0, 6): %d\n", setpriority(PRIO_PGRP, 0, 6));
	errno = 0;
	printf("  the leader's nice: %d\n", getpriority(PRIO_PROCESS, 0));
	printf("  the member's nice: %d\n", finish(&m) - 20);
	return 0;
}

static int member_of_user(int wait_fd, void *arg)
{
	if (setresuid(USER, USER, USER))
		_exit(97);
	tell_ready(arg);
	wait_byte(wait_fd);
	errno = 0;
	return getpriority(PRIO_PROCESS, 0) + 20;
}

static void scheduling(void)
{
	cpu_set_t one, all;

	printf("scheduling:\n");
	sched_getaffinity(0, sizeof(all), &all);
	while (!CPU_ISSET(first_cpu, &all))
		first_cpu++;
	CPU_ZERO(&one);
	CPU_SET(first_cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		die_setup("sched_setaffinity");
	setpriority(PRIO_PROCESS, 0, 5);
	child_code(sched_child, NULL);
	set_policy(SCHED_FIFO, 10);
	child_code(sched_child, NULL);
	set_policy(SCHED_RR | SCHED_RESET_ON_FORK, 20);
	show_sched("parent");
	child_code(sched_child, NULL);
	set_policy(SCHED_IDLE | SCHED_RESET_ON_FORK, 0);
	child_code(sched_child, NULL);
	set_policy(SCHED_OTHER | SCHED_RESET_ON_FORK, 0);
	setpriority(PRIO_PROCESS, 0, -5);
	child_code(sched_child, NULL);
	set_policy(SCHED_OTHER, 0);
	setpriority(PRIO_PROCESS, 0, 0);
	sched_setaffinity(0, sizeof(all), &all);

	child_code(group_leader, NULL);
	struct paused u = fork_paused(member_of_user);
	printf("  setpriority(PRIO_USER, %d, 4): %d\n", USER, setpriority(PRIO_USER, USER, 4));
	errno = 0;
	printf("  getpriority(PRIO_USER, %d): %d\n", USER, getpriority(PRIO_USER, USER));
	printf("  the user's process's nice: %d\n", finish(&u) - 20);
	errno = 0;
	printf("  the parent's nice: %d\n", getpriority(PRIO_PROCESS, 0));
}

/* ---- areas */

static char *areas;
static long map_count;

static int areas_child(void *arg)
{
	int bits = 0;

	/* Make every other area read-only and writable again: the pages stay copy-on-write. */
	for (long i = 0; i < NAREAS; i += 2)
		mprotect(areas + 2 * i * PAGE, PAGE, PROT_READ);
	for (long i = 0; i < NAREAS; i += 2)
		mprotect(areas + 2 * i * PAGE, PAGE, PROT_READ | PROT_WRITE);
	for (long i = 0; i < NAREAS; i++)
		areas[2 * i * PAGE] = (char)(i + 1);
	/* Unmap ten areas, and move one elsewhere. */
	munmap(areas + 200 * PAGE, 20 * PAGE);
	char *moved = mremap(areas + 2 * 300 * PAGE, PAGE, PAGE, MREMAP_MAYMOVE);
	if (moved != MAP_FAILED)
		moved[0] = 'm';
	bool ok = true;
	for (long i = 0; i < NAREAS; i++) {
		if ((i < 100 || i >= 110) && i != 300 && areas[2 * i * PAGE] != (char)(i + 1))
			ok = false;
	}
	bits |= ok ? 1 : 0;
	bits |= moved != MAP_FAILED && moved[0] == 'm' ? 2 : 0;
	return bits;
}

static int mlock_child(void *arg)
{
	char *p = arg;

	return msync(p, PAGE, MS_INVALIDATE) ? errno : 0;
}

static char *limit_pages[MAP_MAX];

static int at_limit_child(void *arg)
{
	long n = *(long *)arg, freed = 0;
	int bits = 0;

	bits |= mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED;
	for (long i = 0; i < n && freed < 100; i += 2, freed++)
		munmap(limit_pages[i], PAGE);
	bits |= (mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED)
		<< 1;
	return bits;
}

static void count_maps(void)
{
	static char buf[1 << 20];
	int fd = open("/proc/self/maps", O_RDONLY);
	long len = 0, n;

	map_count = 0;
	while (fd >= 0 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	if (fd >= 0)
		close(fd);
	for (long i = 0; i < len; i++)
		map_count += buf[i] == '\n';
}

static int maps_child(void *arg)
{
	long before = *(long *)arg;

	count_maps();
	return map_count == before;
}

static void many_areas(void)
{
	printf("areas:\n");
	/* NAREAS writable pages with a PROT_NONE page after each: 2 * NAREAS areas. */
	areas = mmap(NULL, 2 * NAREAS * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (areas == MAP_FAILED)
		die_setup("mmap areas");
	for (long i = 0; i < NAREAS; i++) {
		mprotect(areas + 2 * i * PAGE, PAGE, PROT_READ | PROT_WRITE);
		areas[2 * i * PAGE] = (char)i;
	}
	count_maps();
	long before = map_count;
	check("  the child has the same areas", child_code(maps_child, &before) == 1);
	int bits = child_code(areas_child, NULL);
	check("  the child's writes after mprotect and munmap are its own", bits & 1);
	check("  the child's moved area", bits & 2);
	bool ok = true;
	for (long i = 0; i < NAREAS; i++)
		ok = ok && areas[2 * i * PAGE] == (char)i;
	check("  the parent's pages are unchanged", ok);
	count_maps();
	check("  the parent's areas are unchanged", map_count == before);
	munmap(areas, 2 * NAREAS * PAGE);

	char *locked = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	locked[0] = 1;
	result("  mlock", mlock(locked, PAGE));
	printf("  msync(MS_INVALIDATE) over it: %s\n",
	       msync(locked, PAGE, MS_INVALIDATE) ? errname(errno) : "0");
	int e = child_code(mlock_child, locked);
	printf("  in the child, which has no lock: %s\n", e ? errname(e) : "0");
	munmap(locked, PAGE);

	/* One-page areas with a hole after each, in a region found free first. */
	char *region =
		mmap(NULL, 2 * MAP_MAX * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die_setup("mmap region");
	munmap(region, 2 * MAP_MAX * PAGE);
	long n = 0;
	errno = 0;
	for (; n < MAP_MAX; n++) {
		char *p = mmap(region + 2 * n * PAGE, PAGE, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			break;
		limit_pages[n] = p;
	}
	printf("  at vm.max_map_count: %s\n", n < MAP_MAX && errno == ENOMEM ? "ENOMEM" : "no");
	bits = child_code(at_limit_child, &n);
	check("  the child is at the limit too", bits & 1);
	check("  the child maps again once it unmapped some", bits & 2);
	check("  the parent is still at the limit",
	      mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	for (long i = 0; i < n; i++)
		munmap(limit_pages[i], PAGE);
}

int main(int argc, char **argv)
{
	setup();
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		die_setup("readlink");
	if (argc > 1 && !strcmp(argv[1], "ids"))
		return role_ids();
	scratch_enter();
	copy_self();
	memory();
	message_queue();
	credentials();
	scheduling();
	many_areas();
	unlink(copy);
	scratch_leave();
	return 0;
}
