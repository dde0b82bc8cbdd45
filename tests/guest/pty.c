/*
 * Pseudo-terminals: openpty (glibc through TIOCGPTPEER, musl through
 * /dev/pts/N), posix_openpt/grantpt/unlockpt/ptsname by hand, a locked
 * slave, the slave's name in /dev/pts and in /proc, isatty and termios,
 * the canonical line discipline (echo, erase, kill, ^D, a line at a time,
 * \n as \r\n towards the master), raw mode with VMIN, the window size,
 * poll on both ends, and what each end sees when the other closes.
 */
#include "threads.h"
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>

/*
 * What the master has to read now, shown with escapes. Linux moves pty data
 * through a work queue, so it may come in pieces: read until 100 ms pass
 * with nothing more.
 */
static void master_shows(const char *what, int m)
{
	char buf[256];
	struct pollfd p = { .fd = m, .events = POLLIN };
	long n = 0, r = 0;

	while (n < (long)sizeof(buf) && poll(&p, 1, n ? 100 : 1000) == 1 && (p.revents & POLLIN)) {
		r = read(m, buf + n, sizeof(buf) - (size_t)n);
		if (r <= 0)
			break;
		n += r;
	}
	if (r < 0 && !n)
		printf("%s: -1 %s\n", what, ename(errno));
	else
		show(what, buf, n);
}

static void slave_reads(const char *what, int s, size_t len)
{
	char buf[256];
	long n = read(s, buf, len < sizeof(buf) ? len : sizeof(buf));

	if (n < 0)
		printf("%s: -1 %s\n", what, ename(errno));
	else
		show(what, buf, n);
}

static void show_poll(const char *what, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	poll(&p, 1, 0);
	printf("%s:%s%s%s%s\n", what, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLHUP ? " HUP" : "",
	       p.revents & POLLERR ? " ERR" : "");
}

static void by_hand(void)
{
	phase("by hand");
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	check("posix_openpt", m >= 0);
	xresult("grantpt", grantpt(m));
	char *name = ptsname(m);
	check("ptsname is /dev/pts/N", name && !strncmp(name, "/dev/pts/", 9));
	struct stat st;
	check("the slave's node exists", name && stat(name, &st) == 0 && S_ISCHR(st.st_mode));
	xresult("open while locked", open(name, O_RDWR | O_NOCTTY));
	xresult("unlockpt", unlockpt(m));
	int s = open(name, O_RDWR | O_NOCTTY);
	check("open after unlockpt", s >= 0);
	check("isatty(slave)", isatty(s));
	check("isatty(master)", isatty(m));
	char *tn = ttyname(s);
	check("ttyname(slave) is its ptsname", tn && !strcmp(tn, name));
	int n = -1;
	xresult("TIOCGPTN on the slave", ioctl(s, TIOCGPTN, &n));
	close(s);
	close(m);
	check("closing the master removes its name", stat(name, &st) != 0 && errno == ENOENT);
}

static void canonical(int m, int s)
{
	phase("canonical");
	struct termios t;
	tcgetattr(s, &t);
	printf("defaults: ICANON %s, ECHO %s, ICRNL %s, ONLCR %s, VERASE %d, VEOF %d\n",
	       t.c_lflag & ICANON ? "on" : "off", t.c_lflag & ECHO ? "on" : "off",
	       t.c_iflag & ICRNL ? "on" : "off", t.c_oflag & ONLCR ? "on" : "off", t.c_cc[VERASE],
	       t.c_cc[VEOF]);
	show_poll("slave, nothing typed", s);
	write(m, "hello", 5);
	master_shows("echo of a partial line", m);
	show_poll("slave, a partial line", s);
	write(m, "X\177 world\r", 9);
	master_shows("echo: erase, and \\r as a newline", m);
	slave_reads("the slave reads the line", s, 100);
	write(m, "one\rtwo\r", 8);
	master_shows("echo of two lines", m);
	slave_reads("a read takes one line", s, 100);
	slave_reads("the next read the next", s, 100);
	write(m, "abc\025xyz\r", 8);
	master_shows("echo of a killed line", m);
	slave_reads("only what followed the kill", s, 100);
	write(m, "partial\004", 8);
	slave_reads("^D ends a line without a newline", s, 100);
	master_shows("its echo: no ^D", m);
	write(m, "\004", 1);
	slave_reads("^D on an empty line: end of file", s, 100);
	write(s, "out\nput\n", 8);
	master_shows("slave output, \\n as \\r\\n", m);
	int avail = -1;
	write(m, "q\r", 2);
	master_shows("echo", m);
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD on the slave: %d\n", avail);
	slave_reads("and the read", s, 100);
}

static void raw(int m, int s)
{
	phase("raw");
	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	xresult("tcsetattr raw, VMIN 3", tcsetattr(s, TCSANOW, &t));
	write(m, "ab", 2);
	show_poll("slave with 2 bytes of 3", s);
	write(m, "c\rd", 3);
	slave_reads("raw read: no echo, no mapping", s, 100);
	write(s, "raw\n", 4);
	master_shows("raw output: no \\r added", m);
	struct winsize ws = { .ws_row = 40, .ws_col = 100 }, got = { 0 };
	xresult("TIOCSWINSZ on the master", ioctl(m, TIOCSWINSZ, &ws));
	ioctl(s, TIOCGWINSZ, &got);
	printf("the slave sees %u rows, %u columns\n", got.ws_row, got.ws_col);
}

static void hangups(void)
{
	int m, s;

	phase("hangups");
	xresult("openpty", openpty(&m, &s, NULL, NULL, NULL));
	show_poll("master, fresh", m);
	write(s, "last words\n", 11);
	close(s);
	show_poll("master after the slave closed", m);
	master_shows("master still reads what was written", m);
	char c;
	xresult("then the master's read", read(m, &c, 1));
	close(m);

	xresult("openpty", openpty(&m, &s, NULL, NULL, NULL));
	close(m);
	show_poll("slave after the master closed", s);
	xresult("slave read", read(s, &c, 1));
	xresult("slave write", write(s, "x", 1));
	close(s);
}

int main(void)
{
	int m, s;
	char name[64];

	setup();
	watchdog(60);
	by_hand();
	xresult("openpty", openpty(&m, &s, name, NULL, NULL));
	check("openpty's name is /dev/pts/N", !strncmp(name, "/dev/pts/", 9));
	canonical(m, s);
	raw(m, s);
	close(s);
	close(m);
	hangups();
	return 0;
}
