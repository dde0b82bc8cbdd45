/*
 * A long write to the console (slow under TCG: 64 MiB take minutes)
 * interrupted by SIGALRM after 200 ms: Linux's tty returns the bytes written
 * so far, so the alarm is never held up by the write. "write" writes 64 MiB
 * of NUL bytes with write(), "sendfile" sends 4 GiB of /dev/zero. Only for
 * Alto's console (natively, a file or pipe takes the bytes at once): the
 * runner checks what it prints, on stderr after the NULs.
 */
#include "common.h"
#include <signal.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/time.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "write";
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, 200000 } };
	long want, got;

	setup();
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (!strcmp(how, "sendfile")) {
		int zero = open("/dev/zero", O_RDONLY);
		want = 4l << 30;
		got = sendfile(1, zero, NULL, (size_t)want);
	} else {
		want = 64l << 20;
		got = write(1, calloc(1, (size_t)want), (size_t)want);
	}
	fprintf(stderr, "\n%s of %ld bytes returned %s, the alarm handled: %s\n", how, want,
		got < 0		      ? errname(errno) :
		got > 0 && got < want ? "a partial count" :
					"all of it",
		alarms ? "yes" : "no");
	return 0;
}
