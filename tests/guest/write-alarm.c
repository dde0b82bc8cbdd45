/*
 * Short writes to stdout while SIGALRM comes every 200 us to a handler
 * without SA_RESTART: a write that has not started is not cut by the
 * signal when stdout is a pipe or a file (natively it never is), so every
 * line arrives and every write returns its whole length. Alto's console
 * returned a restart code (EINTR here) when the signal was pending as the
 * write began, and printf lost lines.
 */
#include "common.h"
#include <signal.h>
#include <sys/time.h>

#define LINES 300

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval it = { .it_interval = { 0, 200 }, .it_value = { 0, 200 } };
	struct itimerval off = { 0 };
	int cut = 0;

	setup();
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < LINES; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "line %d\n", i);
		cut += write(1, line, (size_t)n) != n;
	}
	while (!alarms)
		;
	setitimer(ITIMER_REAL, &off, NULL);
	printf("%d writes under a SIGALRM every 200 us: %d cut, the alarm handled: yes\n", LINES,
	       cut);
	return 0;
}
