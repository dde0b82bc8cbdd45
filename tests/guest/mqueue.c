/*
 * POSIX message queues, run as root: creation and its errors (names,
 * access modes, sizes, O_EXCL), messages by priority (first in, first out
 * among equals), a full and an empty queue (O_NONBLOCK's EAGAIN, timed
 * sends and receives to ETIMEDOUT, a blocked receiver and a blocked sender
 * woken by the other side), message size and descriptor errors,
 * mq_getattr/mq_setattr, poll, notification by signal (SI_MESGQ with the
 * value and the sender's pid, once, EBUSY for a second, only for a message
 * reaching an empty queue), by thread (the C library's SIGEV_THREAD, and
 * the kernel's side of it: the cookie on a netlink socket, its last byte 1
 * when woken and 2 when removed, and the refusals), the queue as a file under /dev/mqueue (listed,
 * stat, the QSIZE line, unlink), unlinking an open queue, RLIMIT_MSGQUEUE's
 * byte count, and the limits and permissions an unprivileged caller meets. /dev/mqueue is mounted
 * natively in a private mount namespace when the host has not mounted it.
 */
#include "threads.h"
#include <dirent.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/mount.h>
#include <sys/socket.h>

#define NAME	      "/alto-mq-test"
#define NETLINK_ROUTE 0 /* <linux/netlink.h>, which musl's compiler does not see */

static char mqdir[128] = "/dev/mqueue";

static struct timespec in_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static mqd_t create(const char *name, int flags, long maxmsg, long msgsize)
{
	struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
	return mq_open(name, flags | O_CREAT, 0600, maxmsg ? &a : NULL);
}

static void show_attr(const char *what, mqd_t q)
{
	struct mq_attr a;

	if (mq_getattr(q, &a))
		printf("%s: mq_getattr %s\n", what, errname(errno));
	else
		printf("%s: flags %s, maxmsg %ld, msgsize %ld, curmsgs %ld\n", what,
		       a.mq_flags & O_NONBLOCK ? "O_NONBLOCK" : "0", a.mq_maxmsg, a.mq_msgsize,
		       a.mq_curmsgs);
}

static void receive_all(mqd_t q, const char *what)
{
	char buf[64];
	unsigned int prio;
	ssize_t n;

	printf("%s:", what);
	while ((n = mq_timedreceive(q, buf, sizeof(buf), &prio, &(struct timespec){ 0, 0 })) >= 0)
		printf(" %.*s(%u)", (int)n, buf, prio);
	printf(" then %s\n", errname(errno));
}

static void names_and_errors(void)
{
	char longname[300];

	memset(longname, 'x', sizeof(longname));
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	result("mq_open of a missing queue", mq_open("/alto-mq-none", O_RDONLY));
	result("mq_open(\"/\")", create("/", O_RDWR, 0, 0));
	result("mq_open(\"/a/b\")", create("/a/b", O_RDWR, 0, 0));
	result("mq_open of a 299-byte name", create(longname, O_RDWR, 0, 0));
	struct mq_attr zero = { .mq_maxmsg = 0, .mq_msgsize = 64 };
	result("mq_open with maxmsg 0", mq_open(NAME, O_RDWR | O_CREAT, 0600, &zero));
	struct mq_attr neg = { .mq_maxmsg = 4, .mq_msgsize = -1 };
	result("mq_open with msgsize -1", mq_open(NAME, O_RDWR | O_CREAT, 0600, &neg));
	mqd_t q = create("/alto-mq-acc3", 3, 0, 0);
	check("mq_open of a new queue with O_ACCMODE 3", q != (mqd_t)-1);
	char buf[8192];
	result("  mq_send on it", mq_send(q, "x", 1, 0));
	result("  mq_receive on it", mq_receive(q, buf, sizeof(buf), NULL));
	result("mq_open of it again with O_ACCMODE 3", mq_open("/alto-mq-acc3", 3));
	mq_close(q);
	result("mq_unlink", mq_unlink("/alto-mq-acc3"));
	result("mq_unlink of a missing queue", mq_unlink("/alto-mq-none"));
}

static void priorities_and_limits(mqd_t q)
{
	char buf[64];

	show_attr("new queue", q);
	result("send low(1)", mq_send(q, "low", 3, 1));
	result("send high(10)", mq_send(q, "high", 4, 10));
	result("send mid(5)", mq_send(q, "mid", 3, 5));
	result("send high2(10)", mq_send(q, "high2", 5, 10));
	show_attr("four queued", q);
	struct timespec soon = in_ms(50);
	result("a timed send to the full queue", mq_timedsend(q, "x", 1, 0, &soon));
	struct mq_attr nb = { .mq_flags = O_NONBLOCK }, old;
	result("mq_setattr O_NONBLOCK", mq_setattr(q, &nb, &old));
	printf("  the old flags: %s\n", old.mq_flags & O_NONBLOCK ? "O_NONBLOCK" : "0");
	result("a send to the full queue", mq_send(q, "x", 1, 0));
	struct mq_attr bad = { .mq_flags = O_APPEND };
	result("mq_setattr with another flag", mq_setattr(q, &bad, NULL));
	receive_all(q, "received");
	nb.mq_flags = 0;
	mq_setattr(q, &nb, NULL);
	soon = in_ms(50);
	result("a timed receive from the empty queue", mq_timedreceive(q, buf, 64, NULL, &soon));
	struct timespec badts = { 0, 1000000000 };
	result("a timed receive with tv_nsec 1e9", mq_timedreceive(q, buf, 64, NULL, &badts));
	char big[65] = { 0 };
	result("a 65-byte message (msgsize 64)", mq_send(q, big, 65, 0));
	result("a receive into 63 bytes", mq_receive(q, buf, 63, NULL));
	result("priority 32768", mq_send(q, "x", 1, 32768));
	result("priority 32767", mq_send(q, "x", 1, 32767));
	result("an empty message", mq_send(q, "", 0, 0));
	receive_all(q, "received");
	result("mq_send on a file that is no queue", mq_send(1, "x", 1, 0));
	result("mq_getattr of a closed descriptor", mq_getattr(999, &old));
	mqd_t ro = mq_open(NAME, O_RDONLY), wo = mq_open(NAME, O_WRONLY);
	result("mq_send on a read-only descriptor", mq_send(ro, "x", 1, 0));
	result("mq_receive on a write-only descriptor", mq_receive(wo, buf, 64, NULL));
	mq_close(ro);
	mq_close(wo);
}

static mqd_t shared_q;
static char got[64];
static unsigned int got_prio;
static ssize_t got_len, sent;

/* The threads print nothing: main prints once they are joined, in a fixed order. */
static void *receiver(void *arg)
{
	got_len = mq_receive(shared_q, got, sizeof(got), &got_prio);
	return NULL;
}

static void *sender(void *arg)
{
	sent = mq_send(shared_q, "late", 4, 3);
	return NULL;
}

static void blocking(mqd_t q)
{
	pthread_t t;

	shared_q = q;
	t = spawn(receiver, NULL);
	sleep_ms(100);
	result("send to the waiting receiver", mq_send(q, "hello", 5, 7));
	join(t);
	printf("  the blocked receiver got: %.*s(%u)\n", got_len > 0 ? (int)got_len : 0, got,
	       got_prio);
	for (int i = 0; i < 4; i++)
		mq_send(q, "fill", 4, 1);
	t = spawn(sender, NULL);
	sleep_ms(100);
	char buf[64];
	result("a receive makes room", mq_receive(q, buf, sizeof(buf), NULL));
	join(t);
	result("  the blocked sender's mq_send", sent);
	receive_all(q, "left");
}

static sigset_t usr1;

static void notification(mqd_t q)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct timespec wait = { 1, 0 };
	siginfo_t si;

	ev.sigev_value.sival_int = 42;
	result("mq_notify SIGEV_SIGNAL SIGUSR1", mq_notify(q, &ev));
	result("a second mq_notify", mq_notify(q, &ev));
	result("mq_notify with signal 99",
	       mq_notify(q, &(struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 99 }));
	result("mq_notify with notify 42", mq_notify(q, &(struct sigevent){ .sigev_notify = 42 }));
	mq_send(q, "wake", 4, 0);
	int sig = sigtimedwait(&usr1, &si, &wait);
	check("SIGUSR1 came", sig == SIGUSR1);
	check("  si_code SI_MESGQ", si.si_code == SI_MESGQ);
	check("  si_value 42", si.si_value.sival_int == 42);
	check("  si_pid our pid", si.si_pid == getpid());
	result("mq_notify again (the first is used up)", mq_notify(q, &ev));
	mq_send(q, "second", 6, 0);
	check("a message to a non-empty queue notifies nobody",
	      sigtimedwait(&usr1, &si, &(struct timespec){ 0, 100000000 }) < 0);
	receive_all(q, "emptied");
	result("mq_notify(NULL) ends it", mq_notify(q, NULL));
	mq_send(q, "third", 5, 0);
	check("then nobody is notified",
	      sigtimedwait(&usr1, &si, &(struct timespec){ 0, 100000000 }) < 0);
	receive_all(q, "emptied");
	result("mq_notify SIGEV_NONE",
	       mq_notify(q, &(struct sigevent){ .sigev_notify = SIGEV_NONE }));
	result("a second, SIGEV_SIGNAL", mq_notify(q, &ev));
	mq_send(q, "fourth", 6, 0);
	result("after a message, SIGEV_SIGNAL again", mq_notify(q, &ev));
	check("no signal for SIGEV_NONE",
	      sigtimedwait(&usr1, &si, &(struct timespec){ 0, 100000000 }) < 0);
	receive_all(q, "emptied");
}

static sem_t notified;
static int notified_value;

static void on_notify(union sigval v)
{
	notified_value = v.sival_int;
	sem_post(&notified);
}

/* SIGEV_THREAD as programs use it: the C library starts a thread running the function. */
static void thread_notification(mqd_t q)
{
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_notify };
	struct sigevent sig = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct timespec until;

	sem_init(&notified, 0, 0);
	ev.sigev_value.sival_int = 7;
	result("mq_notify(NULL) ends the last test's", mq_notify(q, NULL));
	result("mq_notify SIGEV_THREAD", mq_notify(q, &ev));
	result("a second, SIGEV_SIGNAL", mq_notify(q, &sig));
	mq_send(q, "wake", 4, 0);
	until = in_ms(10000);
	check("the function ran in a thread", !sem_timedwait(&notified, &until));
	printf("  with the value %d\n", notified_value);
	receive_all(q, "emptied");
	result("SIGEV_THREAD again", mq_notify(q, &ev));
	result("mq_notify(NULL) ends it", mq_notify(q, NULL));
	mq_send(q, "none", 4, 0);
	until = in_ms(200);
	check("then no thread runs", sem_timedwait(&notified, &until) < 0);
	receive_all(q, "emptied");
}

static long raw_notify(mqd_t q, int sock, void *cookie)
{
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD, .sigev_signo = sock };

	ev.sigev_value.sival_ptr = cookie;
	return syscall(SYS_mq_notify, q, &ev);
}

/* The next cookie on the netlink socket, waited for up to a second: its length and last byte. */
static void read_cookie(int sock, const char *what, const unsigned char *sent)
{
	unsigned char buf[64];
	struct pollfd p = { .fd = sock, .events = POLLIN };
	long n = poll(&p, 1, 1000) == 1 ? recv(sock, buf, sizeof(buf), 0) : -1;

	printf("%s: %ld bytes, last %d, the rest as sent: %s\n", what, n, n == 32 ? buf[31] : -1,
	       n == 32 && !memcmp(buf, sent, 31) ? "yes" : "no");
}

/* The kernel's side of SIGEV_THREAD, which the C libraries build on. */
static void thread_protocol(mqd_t q)
{
	unsigned char cookie[32];
	int fds[2], sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	for (int i = 0; i < 32; i++)
		cookie[i] = (unsigned char)(0xa0 + i);
	pipe(fds);
	result("SIGEV_THREAD with a pipe", raw_notify(q, fds[0], cookie));
	int unix_sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	result("SIGEV_THREAD with an AF_UNIX socket", raw_notify(q, unix_sock, cookie));
	result("SIGEV_THREAD with a closed descriptor", raw_notify(q, 999, cookie));
	result("SIGEV_THREAD with a bad cookie", raw_notify(q, sock, NULL));
	result("SIGEV_THREAD with a netlink socket", raw_notify(q, sock, cookie));
	mq_send(q, "wake", 4, 0);
	read_cookie(sock, "a message came", cookie);
	receive_all(q, "emptied");
	result("registered again", raw_notify(q, sock, cookie));
	result("mq_notify(NULL)", mq_notify(q, NULL));
	read_cookie(sock, "ended", cookie);
	close(unix_sock);
	close(fds[0]);
	close(fds[1]);
	close(sock);
}

/* Mount /dev/mqueue's file system somewhere when the host has not: a private namespace. */
static void find_mqdir(void)
{
	if (access("/dev/mqueue", F_OK) == 0)
		return;
	snprintf(mqdir, sizeof(mqdir), "%s/mq", scratch_dir);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mkdir(mqdir, 0755) || mount("mqueue", mqdir, "mqueue", 0, NULL))
		die_setup("mount mqueue");
}

static void as_file(mqd_t q)
{
	char path[256], line[128];
	struct stat st;
	int fd, n;

	snprintf(path, sizeof(path), "%s%s", mqdir, NAME);
	DIR *d = opendir(mqdir);
	struct dirent *e;
	int found = 0;
	while (d && (e = readdir(d)))
		found += !strcmp(e->d_name, NAME + 1);
	if (d)
		closedir(d);
	check("the queue is listed in /dev/mqueue", found == 1);
	check("stat: a regular file, 0600, 80 bytes", stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
							      (st.st_mode & 0777) == 0600 &&
							      st.st_size == 80);
	mq_send(q, "abc", 3, 0);
	mq_send(q, "defgh", 5, 0);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	mq_notify(q, &ev);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	unsigned long qsize = 0;
	int notify = -1, signo = -1, pid = -1;
	sscanf(line, "QSIZE:%lu NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", &qsize, &notify, &signo, &pid);
	printf("reading it: QSIZE %lu NOTIFY %d SIGNO %d, NOTIFY_PID ours: %s, %d bytes\n", qsize,
	       notify, signo, pid == getpid() ? "yes" : "no", n);
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	result("poll of the opened file", poll(&pfd, 1, 0));
	printf("  events %s%s\n", pfd.revents & POLLIN ? "POLLIN " : "",
	       pfd.revents & POLLOUT ? "POLLOUT" : "");
	char buf[64];
	result("the opened file is a queue: mq_receive", mq_receive(fd, buf, sizeof(buf), NULL));
	close(fd);
	mq_notify(q, NULL);
	receive_all(q, "emptied");
	pfd.fd = q;
	poll(&pfd, 1, 0);
	printf("poll of the empty queue: %s%s\n", pfd.revents & POLLIN ? "POLLIN " : "",
	       pfd.revents & POLLOUT ? "POLLOUT" : "");
	fd = open(path, O_RDONLY);
	n = read(fd, line, sizeof(line) - 1);
	printf("reading it empty: %.*s", n > 0 ? n : 0, line);
	close(fd);
	result("unlink through /dev/mqueue", unlink(path));
	result("mq_open of it now", mq_open(NAME, O_RDWR));
	result("the open descriptor still works: send", mq_send(q, "after", 5, 0));
	receive_all(q, "received");
	mqd_t again = create(NAME, O_RDWR | O_EXCL, 2, 16);
	check("a new queue by the same name", again != (mqd_t)-1);
	show_attr("  it", again);
	show_attr("  and the old one", q);
	mq_close(again);
}

/* RLIMIT_MSGQUEUE (800 KiB): Linux counts 82,880 bytes for a default queue, so 9 fit. */
static void byte_limit(void)
{
	char name[32];
	int n;

	for (n = 0; n < 20; n++) {
		snprintf(name, sizeof(name), "/alto-mq-limit%d", n);
		mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, NULL);
		if (q == (mqd_t)-1)
			break;
		mq_close(q);
	}
	printf("default queues made before %s: %d\n", errname(errno), n);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "/alto-mq-limit%d", i);
		mq_unlink(name);
	}
	mqd_t q = mq_open("/alto-mq-limit0", O_CREAT | O_RDWR, 0600, NULL);
	check("freed queues give their bytes back", q != (mqd_t)-1);
	mq_close(q);
	mq_unlink("/alto-mq-limit0");
}

static void unprivileged(void)
{
	result("seteuid(1000)", seteuid(1000));
	result("  mq_open of root's 0600 queue", mq_open(NAME, O_RDONLY));
	result("  mq_unlink of root's queue", mq_unlink(NAME));
	result("  maxmsg 11 (over fs.mqueue.msg_max)", create("/alto-mq-user", O_RDWR, 11, 64));
	result("  msgsize 8193 (over msgsize_max)", create("/alto-mq-user", O_RDWR, 10, 8193));
	mqd_t q = create("/alto-mq-user", O_RDWR | O_EXCL, 10, 8192);
	check("  maxmsg 10, msgsize 8192", q != (mqd_t)-1);
	struct stat st;
	check("  it belongs to uid 1000 (fstat)", fstat(q, &st) == 0 && st.st_uid == 1000);
	result("  mq_unlink of its own", mq_unlink("/alto-mq-user"));
	mq_close(q);
	result("seteuid(0)", seteuid(0));
}

static void limits(void)
{
	static const char *const names[] = { "msg_default", "msg_max", "msgsize_default",
					     "msgsize_max", "queues_max" };

	for (int i = 0; i < 5; i++) {
		char path[64], text[32] = "";
		snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", names[i]);
		int fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, text, sizeof(text) - 1) < 0)
			strcpy(text, "unreadable\n");
		close(fd);
		printf("fs.mqueue.%s: %s", names[i], text);
	}
}

int main(void)
{
	setup();
	watchdog(60);
	limits();
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	scratch_enter();
	find_mqdir();
	mq_unlink(NAME);
	names_and_errors();
	mqd_t q = create(NAME, O_RDWR | O_EXCL, 4, 64);
	check("mq_open O_CREAT | O_EXCL", q != (mqd_t)-1);
	result("again with O_EXCL", create(NAME, O_RDWR | O_EXCL, 4, 64));
	mqd_t same = create(NAME, O_RDWR, 8, 128);
	check("again without O_EXCL: the same queue", same != (mqd_t)-1);
	show_attr("  its attributes", same);
	mq_close(same);
	priorities_and_limits(q);
	blocking(q);
	notification(q);
	thread_notification(q);
	thread_protocol(q);
	as_file(q);
	byte_limit();
	unprivileged();
	mq_close(q);
	mq_unlink(NAME);
	if (strcmp(mqdir, "/dev/mqueue")) {
		umount(mqdir);
		rmdir(mqdir);
	}
	scratch_leave();
	return 0;
}
