/*
 * inotify on the in-memory file systems: a watched directory sees files
 * created, opened, written, closed, moved (one cookie for both halves) and
 * deleted, and directories made and removed; a watched file sees its own
 * changes, its deletion and the end of its watch; IN_ONESHOT, IN_MASK_ADD,
 * IN_MASK_CREATE, rm_watch, identical events merged, reads of whole
 * events (EINVAL for a buffer too small), non-blocking reads, FIONREAD,
 * poll and epoll readiness, inotify_add_watch's errors, and IN_MODIFY on
 * a device written through its direct entry (/dev/zero).
 */
#include "threads.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>

static const char *names[] = { "ACCESS",	"MODIFY", "ATTRIB",	 "CLOSE_WRITE",
			       "CLOSE_NOWRITE", "OPEN",	  "MOVED_FROM",	 "MOVED_TO",
			       "CREATE",	"DELETE", "DELETE_SELF", "MOVE_SELF" };

static uint32_t last_cookie;

/* Read and print every event queued now. */
static void drain(const char *what, int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	long n = read(fd, buf, sizeof(buf));

	printf("%s:", what);
	if (n < 0) {
		printf(" -1 %s\n", ename(errno));
		return;
	}
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *e = (struct inotify_event *)p;
		printf(" [wd %d", e->wd);
		for (int i = 0; i < 12; i++) {
			if (e->mask & (1u << i))
				printf(" %s", names[i]);
		}
		if (e->mask & IN_ISDIR)
			printf(" ISDIR");
		if (e->mask & IN_IGNORED)
			printf(" IGNORED");
		if (e->mask & IN_Q_OVERFLOW)
			printf(" Q_OVERFLOW");
		if (e->cookie) {
			printf(" cookie %s", e->cookie == last_cookie ? "same" : "new");
			last_cookie = e->cookie;
		}
		if (e->len)
			printf(" \"%s\" (len %u)", e->name, e->len);
		printf("]");
		p += sizeof(*e) + e->len;
	}
	printf("\n");
}

static void errors(int in)
{
	phase("errors");
	xresult("add_watch on a bad fd", inotify_add_watch(1000, ".", IN_ALL_EVENTS));
	int p[2];
	pipe(p);
	xresult("add_watch on a pipe", inotify_add_watch(p[0], ".", IN_ALL_EVENTS));
	close(p[0]);
	close(p[1]);
	xresult("add_watch with no events", inotify_add_watch(in, ".", 0));
	xresult("add_watch on a missing path", inotify_add_watch(in, "missing", IN_ALL_EVENTS));
	xresult("rm_watch of a wd never given", inotify_rm_watch(in, 999));
	xresult("inotify_init1 with a bad flag", inotify_init1(1));
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	check("IN_CLOEXEC", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	check("IN_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK);
	drain("nothing yet, non-blocking", fd);
	char link[64] = "", path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof(link) - 1);
	printf("/proc names it %s\n", link);
	close(fd);
}

static void directory(int in)
{
	char buf[16];

	phase("directory");
	mkdir("d", 0755);
	int wd = inotify_add_watch(in, "d", IN_ALL_EVENTS);
	printf("watch on d: wd %d\n", wd);
	xresult("the same directory again gives the same wd",
		inotify_add_watch(in, "d", IN_ALL_EVENTS));
	int fd = open("d/f", O_CREAT | O_WRONLY, 0644);
	write(fd, "hello", 5);
	write(fd, "again", 5);
	close(fd);
	drain("create, write twice, close", in);
	fd = open("d/f", O_RDONLY);
	read(fd, buf, sizeof(buf));
	close(fd);
	drain("open, read, close", in);
	int avail = -1;
	rename("d/f", "d/g");
	ioctl(in, FIONREAD, &avail);
	printf("FIONREAD after a rename: %d\n", avail);
	drain("rename in d", in);
	mkdir("d/sub", 0755);
	rmdir("d/sub");
	drain("mkdir and rmdir", in);
	rename("d/g", "outside");
	drain("moved out of d", in);
	rename("outside", "d/back");
	drain("moved back in", in);
	symlink("back", "d/link");
	link("d/back", "d/hard");
	drain("symlink and hard link", in);
	unlink("d/link");
	unlink("d/hard");
	unlink("d/back");
	drain("three unlinks", in);
	struct pollfd p = { .fd = in, .events = POLLIN };
	xresult("poll, nothing queued", poll(&p, 1, 0));
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);
	xresult("epoll, nothing queued", epoll_wait(ep, &ev, 1, 0));
	close(open("d/x", O_CREAT | O_WRONLY, 0644));
	xresult("poll after a create", poll(&p, 1, 0));
	xresult("epoll after a create", epoll_wait(ep, &ev, 1, 0));
	char small[8];
	xresult("read into 8 bytes", read(in, small, sizeof(small)));
	drain("then the events", in);
	unlink("d/x");
	drain("unlink", in);
	close(ep);
	xresult("rm_watch", inotify_rm_watch(in, wd));
	drain("after rm_watch", in);
	rmdir("d");
}

static void file_watch(int in)
{
	phase("file");
	int fd = open("w", O_CREAT | O_RDWR, 0644);
	int wd =
		inotify_add_watch(in, "w", IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF);
	printf("watch on w: wd %d\n", wd);
	write(fd, "x", 1);
	ftruncate(fd, 0);
	fchmod(fd, 0600);
	close(fd);
	drain("modify, truncate, chmod, close", in);
	xresult("IN_MASK_CREATE on a watched file",
		inotify_add_watch(in, "w", IN_OPEN | IN_MASK_CREATE));
	xresult("IN_MASK_ADD IN_OPEN", inotify_add_watch(in, "w", IN_OPEN | IN_MASK_ADD));
	close(open("w", O_RDONLY));
	drain("open with IN_OPEN added", in);
	xresult("IN_ONLYDIR on a file", inotify_add_watch(in, "w", IN_OPEN | IN_ONLYDIR));
	unlink("w");
	drain("unlinked", in);

	fd = open("once", O_CREAT | O_RDWR, 0644);
	wd = inotify_add_watch(in, "once", IN_MODIFY | IN_ONESHOT);
	write(fd, "1", 1);
	write(fd, "2", 1);
	close(fd);
	drain("IN_ONESHOT, two writes", in);
	unlink("once");
}

static void *late_create(void *arg)
{
	sleep_ms(50);
	close(open("late", O_CREAT | O_WRONLY, 0644));
	return arg;
}

static void blocking(int in)
{
	phase("blocking");
	char here[256];
	getcwd(here, sizeof(here));
	int wd = inotify_add_watch(in, here, IN_CREATE);
	pthread_t t = spawn(late_create, NULL);
	drain("a blocking read woken by a create", in);
	join(t);
	inotify_rm_watch(in, wd);
	drain("its IN_IGNORED", in);
	unlink("late");
}

/*
 * A device whose write(2) has a direct entry (/dev/zero) still reports
 * IN_MODIFY to a watch on it. In a child, which has one thread (the
 * watchdog's is the parent's): the direct entry serves only such a process.
 * Only the first event counts: on the host another program may write
 * /dev/zero too.
 */
static int device_watch(void *arg)
{
	(void)arg;
	int in = inotify_init1(IN_NONBLOCK);
	int zero = open("/dev/zero", O_WRONLY);
	char buf[4096] __attribute__((aligned(8)));
	int wd = inotify_add_watch(in, "/dev/zero", IN_MODIFY);

	check("watch /dev/zero for IN_MODIFY", wd >= 0 && zero >= 0);
	result("write /dev/zero", write(zero, "abc", 3));
	long n = read(in, buf, sizeof(buf));
	const struct inotify_event *e = (const void *)buf;
	check("IN_MODIFY on /dev/zero after the write",
	      n >= (long)sizeof(*e) && e->wd == wd && (e->mask & IN_MODIFY));
	close(zero);
	close(in);
	return 0;
}

int main(void)
{
	setup();
	watchdog(60);
	scratch_enter();
	int in = inotify_init();
	check("inotify_init", in >= 0);
	errors(in);
	directory(in);
	file_watch(in);
	blocking(in);
	close(in);
	result("a child watching /dev/zero", in_child(device_watch, NULL));
	scratch_leave();
	return 0;
}
