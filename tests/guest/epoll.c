/*
 * epoll and pipes under it: creation flags, epoll_ctl's errors, level- and
 * edge-triggered readiness on pipes (an edge-triggered read half-way gives
 * no new event, no EPOLLIN is left for an emptied pipe), EPOLLONESHOT and
 * its re-arm, writers told of room only at PIPE_BUF, EPOLLHUP and EPOLLERR
 * when an end goes, round-robin over more ready items than fit, nested sets
 * and their loops, one file in two sets, close semantics (an item goes with
 * the file's last reference, not with its descriptor), timerfd, signalfd
 * and eventfd in a set, a set under poll(), a waiter woken by another
 * thread, and EINTR with signal masks (epoll_wait is never restarted;
 * epoll_pwait's mask holds during the wait only).
 */
#include "threads.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>

static void show_events(const char *what, struct epoll_event *ev, int n)
{
	printf("%s: %d", what, n);
	if (n < 0)
		printf(" %s", ename(errno));
	for (int i = 0; i < n; i++) {
		uint32_t e = ev[i].events;
		printf(" [%llu:", (unsigned long long)ev[i].data.u64);
		static const struct {
			uint32_t bit;
			const char *name;
		} names[] = { { EPOLLIN, "IN" },	 { EPOLLPRI, "PRI" },
			      { EPOLLOUT, "OUT" },	 { EPOLLERR, "ERR" },
			      { EPOLLHUP, "HUP" },	 { EPOLLRDNORM, "RDNORM" },
			      { EPOLLWRNORM, "WRNORM" }, { EPOLLRDHUP, "RDHUP" } };
		for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			if (e & names[j].bit) {
				printf(" %s", names[j].name);
				e &= ~names[j].bit;
			}
		}
		if (e)
			printf(" 0x%x", e);
		printf("]");
	}
	printf("\n");
}

/* epoll_wait with a short or zero time-out, printed. */
static int wait_show(const char *what, int ep, int max, int timeout)
{
	struct epoll_event ev[16];
	int n = epoll_wait(ep, ev, max, timeout);

	show_events(what, ev, n);
	return n;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static void creation(void)
{
	phase("creation");
	xresult("epoll_create(0)", epoll_create(0));
	xresult("epoll_create(-1)", epoll_create(-1));
	xresult("epoll_create1(bad flag)", epoll_create1(1));
	int ep = epoll_create(1);
	check("epoll_create(1) works", ep >= 0);
	check("no FD_CLOEXEC without the flag", !(fcntl(ep, F_GETFD) & FD_CLOEXEC));
	close(ep);
	ep = epoll_create1(EPOLL_CLOEXEC);
	check("EPOLL_CLOEXEC sets FD_CLOEXEC", fcntl(ep, F_GETFD) & FD_CLOEXEC);
	char buf[8];
	xresult("read from an epoll fd", read(ep, buf, sizeof(buf)));
	xresult("write to an epoll fd", write(ep, buf, sizeof(buf)));
	xresult("lseek on an epoll fd", lseek(ep, 0, SEEK_SET));
	close(ep);
}

static void ctl_errors(void)
{
	int ep = epoll_create1(0), other = epoll_create1(0), p[2];
	struct epoll_event ev = { .events = EPOLLIN };

	phase("ctl errors");
	pipe(p);
	int file = open("/proc/self/exe", O_RDONLY);
	int null = open("/dev/null", O_RDONLY);
	xresult("ADD a bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 1000, &ev));
	xresult("ADD to a bad epfd", epoll_ctl(1000, EPOLL_CTL_ADD, p[0], &ev));
	xresult("ADD to an epfd that is a pipe", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev));
	xresult("ADD a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev));
	xresult("ADD /dev/null", epoll_ctl(ep, EPOLL_CTL_ADD, null, &ev));
	xresult("ADD the set to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	xresult("ADD with a bad event pointer", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)8));
	xresult("ADD", add(ep, p[0], EPOLLIN, 1));
	xresult("ADD again", add(ep, p[0], EPOLLIN, 1));
	xresult("MOD", mod(ep, p[0], EPOLLIN | EPOLLET, 2));
	xresult("MOD a file not in the set", mod(ep, p[1], EPOLLOUT, 3));
	xresult("DEL a file not in the set", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	xresult("DEL with a NULL event", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	xresult("DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	xresult("bad op", epoll_ctl(ep, 42, p[0], &ev));
	xresult("ADD EXCLUSIVE", add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 4));
	xresult("MOD of an EXCLUSIVE item", mod(ep, p[0], EPOLLIN, 4));
	xresult("MOD with EXCLUSIVE", mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 4));
	xresult("ADD EXCLUSIVE|ONESHOT",
		add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 5));
	xresult("ADD EXCLUSIVE of an epoll fd", add(ep, other, EPOLLIN | EPOLLEXCLUSIVE, 6));
	xresult("ADD with EPOLLWAKEUP", add(ep, p[1], EPOLLOUT | EPOLLWAKEUP, 7));
	struct epoll_event evs[4];
	xresult("wait with maxevents 0", epoll_wait(ep, evs, 0, 0));
	xresult("wait with maxevents -1", syscall(SYS_epoll_wait, ep, evs, -1, 0));
	xresult("wait on a bad fd", epoll_wait(1000, evs, 4, 0));
	xresult("wait on a pipe", epoll_wait(p[0], evs, 4, 0));
	xresult("wait into a bad buffer", syscall(SYS_epoll_wait, ep, (void *)8, 4, 0));
	wait_show("the write end is writable", ep, 4, 0);
	close(file);
	close(null);
	close(p[0]);
	close(p[1]);
	close(ep);
	close(other);
}

static void level_triggered(void)
{
	int ep = epoll_create1(0), p[2];
	char buf[64];

	phase("level-triggered");
	pipe(p);
	add(ep, p[0], EPOLLIN, 10);
	wait_show("LT empty pipe", ep, 4, 0);
	write(p[1], "0123456789", 10);
	wait_show("LT after a write", ep, 4, 0);
	wait_show("LT again (still readable)", ep, 4, 0);
	read(p[0], buf, 4);
	wait_show("LT after reading part", ep, 4, 0);
	read(p[0], buf, sizeof(buf));
	wait_show("LT after reading all", ep, 4, 10);
	close(p[1]);
	wait_show("LT after the writer closed", ep, 4, 0);
	close(p[0]);
	close(ep);
}

static void edge_triggered(void)
{
	int ep = epoll_create1(0), p[2];
	char buf[64];

	phase("edge-triggered");
	pipe(p);
	add(ep, p[0], EPOLLIN | EPOLLET, 20);
	wait_show("ET empty pipe", ep, 4, 0);
	write(p[1], "0123456789", 10);
	wait_show("ET after a write", ep, 4, 0);
	wait_show("ET again: no new edge", ep, 4, 0);
	show("ET read half", buf, read(p[0], buf, 5));
	wait_show("ET after reading half: no new edge", ep, 4, 0);
	write(p[1], "x", 1);
	wait_show("ET after another write", ep, 4, 0);
	write(p[1], "y", 1);
	show("ET read everything", buf, read(p[0], buf, sizeof(buf)));
	wait_show("ET emptied before the wait: nothing", ep, 4, 0);
	write(p[1], "a", 1);
	write(p[1], "b", 1);
	wait_show("ET two writes, one wait", ep, 4, 0);
	close(p[1]);
	wait_show("ET writer closed", ep, 4, 0);
	wait_show("ET writer closed, asked again", ep, 4, 0);
	close(p[0]);
	close(ep);
}

static void oneshot(void)
{
	int ep = epoll_create1(0), p[2];
	char buf[64];

	phase("oneshot");
	pipe(p);
	add(ep, p[0], EPOLLIN | EPOLLONESHOT, 30);
	write(p[1], "a", 1);
	wait_show("ONESHOT first", ep, 4, 0);
	write(p[1], "b", 1);
	wait_show("ONESHOT disabled", ep, 4, 0);
	xresult("MOD re-arms", mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 31));
	wait_show("ONESHOT re-armed, data waiting", ep, 4, 0);
	wait_show("ONESHOT disabled again", ep, 4, 0);
	read(p[0], buf, sizeof(buf));
	xresult("MOD re-arms, pipe empty", mod(ep, p[0], EPOLLIN | EPOLLONESHOT | EPOLLET, 32));
	wait_show("ONESHOT|ET empty", ep, 4, 0);
	write(p[1], "c", 1);
	wait_show("ONESHOT|ET after a write", ep, 4, 0);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void writers(void)
{
	int ep = epoll_create1(0), p[2];
	char buf[4096];
	long total = 0, n;

	phase("writers");
	pipe2(p, O_NONBLOCK);
	add(ep, p[1], EPOLLOUT | EPOLLET, 40);
	wait_show("empty pipe is writable", ep, 4, 0);
	memset(buf, 'w', sizeof(buf));
	while ((n = write(p[1], buf, sizeof(buf))) > 0)
		total += n;
	printf("filled with %ld bytes\n", total);
	wait_show("full pipe", ep, 4, 0);
	read(p[0], buf, 100);
	wait_show("100 bytes read: less than PIPE_BUF of room", ep, 4, 0);
	read(p[0], buf, 3996);
	wait_show("PIPE_BUF of room", ep, 4, 0);
	mod(ep, p[1], EPOLLOUT, 41);
	wait_show("level-triggered writer", ep, 4, 0);
	close(p[0]);
	wait_show("reader gone", ep, 4, 0);
	close(p[1]);
	close(ep);

	pipe(p);
	ep = epoll_create1(0);
	add(ep, p[0], EPOLLIN | EPOLLOUT, 42);
	add(ep, p[1], EPOLLIN | EPOLLOUT, 43);
	wait_show("each end reports only its direction", ep, 4, 0);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void round_robin(void)
{
	int ep = epoll_create1(0), p[3][2];

	phase("round robin");
	for (int i = 0; i < 3; i++) {
		pipe(p[i]);
		add(ep, p[i][0], EPOLLIN, 50 + i);
	}
	for (int i = 0; i < 3; i++)
		write(p[i][1], "x", 1);
	wait_show("one of three", ep, 1, 0);
	wait_show("the next", ep, 1, 0);
	wait_show("the next", ep, 1, 0);
	wait_show("round again", ep, 1, 0);
	wait_show("two at once", ep, 2, 0);
	wait_show("all", ep, 16, 0);
	for (int i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	close(ep);
}

static void nested(void)
{
	int outer = epoll_create1(0), inner = epoll_create1(0), third = epoll_create1(0), p[2];

	phase("nested");
	pipe(p);
	xresult("ADD pipe to inner", add(inner, p[0], EPOLLIN, 60));
	xresult("ADD inner to outer", add(outer, inner, EPOLLIN, 61));
	xresult("ADD outer to inner (a loop)", add(inner, outer, EPOLLIN, 62));
	xresult("ADD outer to third", add(third, outer, EPOLLIN, 63));
	xresult("ADD third to inner (a longer loop)", add(inner, third, EPOLLIN, 64));
	wait_show("outer, nothing ready", outer, 4, 0);
	write(p[1], "x", 1);
	wait_show("outer sees inner ready", outer, 4, 0);
	wait_show("third sees outer ready", third, 4, 0);
	wait_show("inner itself", inner, 4, 0);
	char c;
	read(p[0], &c, 1);
	wait_show("outer after the read", outer, 4, 0);
	wait_show("third after the read", third, 4, 0);
	struct pollfd pfd = { .fd = outer, .events = POLLIN };
	xresult("poll on outer, nothing ready", poll(&pfd, 1, 0));
	write(p[1], "y", 1);
	xresult("poll on outer, pipe written", poll(&pfd, 1, 0));
	printf("revents 0x%x\n", pfd.revents);

	/* Depth: a chain of sets, each inside the next, until Linux's limit refuses one. */
	int chain[8];
	chain[0] = epoll_create1(0);
	for (int i = 1; i < 8; i++) {
		chain[i] = epoll_create1(0);
		int r = add(chain[i], chain[i - 1], EPOLLIN, 70 + i);
		printf("chain depth %d: %s\n", i, r ? ename(errno) : "ok");
		if (r)
			break;
	}
	for (int i = 0; i < 8; i++)
		close(chain[i]);
	close(p[0]);
	close(p[1]);
	close(outer);
	close(inner);
	close(third);
}

static void two_sets(void)
{
	int a = epoll_create1(0), b = epoll_create1(0), p[2];

	phase("two sets");
	pipe(p);
	add(a, p[0], EPOLLIN, 80);
	add(b, p[0], EPOLLIN | EPOLLET, 81);
	write(p[1], "x", 1);
	wait_show("set a", a, 4, 0);
	wait_show("set b", b, 4, 0);
	wait_show("set b again (ET)", b, 4, 0);
	wait_show("set a again (LT)", a, 4, 0);
	close(p[0]);
	close(p[1]);
	close(a);
	close(b);
}

static void close_semantics(void)
{
	int ep = epoll_create1(0), p[2];

	phase("close");
	pipe(p);
	add(ep, p[0], EPOLLIN, 90);
	int dup_fd = dup(p[0]);
	close(p[0]);
	write(p[1], "x", 1);
	wait_show("closed fd, file still open through a dup", ep, 4, 0);
	xresult("DEL through the closed fd", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	xresult("DEL through the dup (another key)", epoll_ctl(ep, EPOLL_CTL_DEL, dup_fd, NULL));
	xresult("ADD the dup", add(ep, dup_fd, EPOLLIN, 91));
	wait_show("both items", ep, 4, 0);
	close(dup_fd);
	wait_show("last reference gone: no items", ep, 4, 0);
	int q[2];
	pipe(q);
	write(q[1], "y", 1);
	wait_show("a new pipe on the same numbers is not watched", ep, 4, 0);
	xresult("ADD it", add(ep, q[0], EPOLLIN, 92));
	wait_show("now it is", ep, 4, 0);
	close(q[0]);
	close(q[1]);
	close(p[1]);
	close(ep);
}

static void other_files(void)
{
	int ep = epoll_create1(0);
	uint64_t v;

	phase("other files");
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	add(ep, tfd, EPOLLIN, 100);
	wait_show("timerfd not armed", ep, 4, 0);
	timerfd_settime(tfd, 0, &its, NULL);
	wait_show("timerfd fired", ep, 4, 5000);
	read(tfd, &v, sizeof(v));
	wait_show("timerfd read", ep, 4, 0);
	close(tfd);

	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	int sfd = signalfd(-1, &usr1, 0);
	add(ep, sfd, EPOLLIN, 101);
	wait_show("signalfd, nothing pending", ep, 4, 0);
	raise(SIGUSR1);
	wait_show("signalfd, SIGUSR1 pending", ep, 4, 0);
	struct signalfd_siginfo si;
	read(sfd, &si, sizeof(si));
	printf("signalfd read %s\n", signame((int)si.ssi_signo));
	wait_show("signalfd taken", ep, 4, 0);
	close(sfd);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);

	int efd = eventfd(0, EFD_NONBLOCK);
	add(ep, efd, EPOLLIN | EPOLLOUT | EPOLLET, 102);
	wait_show("eventfd 0", ep, 4, 0);
	v = 3;
	write(efd, &v, sizeof(v));
	wait_show("eventfd 3", ep, 4, 0);
	read(efd, &v, sizeof(v));
	wait_show("eventfd read", ep, 4, 0);
	close(efd);
	close(ep);
}

struct writer_arg {
	int fd;
	int delay_ms;
};

static void *delayed_write(void *arg)
{
	struct writer_arg *w = arg;

	sleep_ms(w->delay_ms);
	write(w->fd, "t", 1);
	return NULL;
}

static void threads(void)
{
	int ep = epoll_create1(0), p[2];
	struct epoll_event ev[4];

	phase("threads");
	pipe(p);
	add(ep, p[0], EPOLLIN, 110);
	struct writer_arg w = { p[1], 50 };
	pthread_t t = spawn(delayed_write, &w);
	int n = epoll_wait(ep, ev, 4, -1);
	show_events("woken by another thread's write", ev, n);
	join(t);
	close(p[0]);
	close(p[1]);
	close(ep);
}

/* musl has no wrapper for it. */
static int pwait2(int ep, struct epoll_event *ev, int max, const struct timespec *ts,
		  const sigset_t *mask)
{
	return (int)syscall(SYS_epoll_pwait2, ep, ev, max, ts, mask, 8);
}

static volatile int handled;

static void on_signal(int sig)
{
	handled++;
}

/*
 * SIGALRM in 50 ms, from a timer: sent to the process, it goes to the main
 * thread (the one waiting), where a signal sent by another thread could be
 * taken by that thread on its way out of kill().
 */
static void alarm_soon(void)
{
	struct itimerval it = { .it_value = { 0, 50000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void interruptions(void)
{
	int ep = epoll_create1(0), p[2];
	struct epoll_event ev[4];
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigset_t alrm, none;

	phase("interruptions");
	pipe(p);
	add(ep, p[0], EPOLLIN, 120);
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&none);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);

	handled = 0;
	alarm_soon();
	int n = epoll_wait(ep, ev, 4, 10000);
	printf("epoll_wait with an SA_RESTART handler: %d %s, handled %d\n", n,
	       n < 0 ? ename(errno) : "", handled);

	/* The signal is blocked around the call and let in by epoll_pwait's mask only. */
	handled = 0;
	sigprocmask(SIG_BLOCK, &alrm, NULL);
	alarm_soon();
	n = epoll_pwait(ep, ev, 4, 10000, &none);
	printf("epoll_pwait letting SIGALRM in: %d %s, handled %d\n", n, n < 0 ? ename(errno) : "",
	       handled);

	/* Blocked by the wait's mask: the wait runs to its time-out, the signal comes after. */
	handled = 0;
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	alarm_soon();
	n = epoll_pwait(ep, ev, 4, 300, &alrm);
	printf("epoll_pwait blocking SIGALRM: %d (its time-out), handled on the way out %d\n", n,
	       handled);

	struct timespec ts = { 0, 1000000 };
	n = pwait2(ep, ev, 4, &ts, NULL);
	printf("epoll_pwait2 1 ms: %d\n", n);
	struct timespec bad = { 0, 1000000000 };
	xresult("epoll_pwait2 bad timespec", pwait2(ep, ev, 4, &bad, NULL));
	write(p[1], "z", 1);
	n = pwait2(ep, ev, 4, NULL, NULL);
	show_events("epoll_pwait2 no time-out, data there", ev, n);
	close(p[0]);
	close(p[1]);
	close(ep);
	signal(SIGALRM, SIG_DFL);
}

int main(void)
{
	setup();
	watchdog(60);
	creation();
	ctl_errors();
	level_triggered();
	edge_triggered();
	oneshot();
	writers();
	round_robin();
	nested();
	two_sets();
	close_semantics();
	other_files();
	threads();
	interruptions();
	return 0;
}
