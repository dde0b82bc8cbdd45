/*
 * Signals this stage supports: "signal kill SIG" sends SIG to the process
 * itself (kill(getpid())), "signal raise SIG" through raise() (tgkill), and
 * "signal ignore" checks that an ignored SIGTERM does nothing. The default
 * action of SIGTERM and SIGUSR1 ends the process with 128+signal.
 * "signal wait-term handle|ignore|default" says "ready" and waits for a
 * SIGTERM from outside (the host tool's stop request): handled, it says so
 * and exits with 0.
 */
#include "common.h"
#include <signal.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = sig;
}

static int wait_term(const char *how)
{
	if (!strcmp(how, "handle"))
		signal(SIGTERM, on_term);
	else if (!strcmp(how, "ignore"))
		signal(SIGTERM, SIG_IGN);
	printf("ready\n");
	fflush(stdout);
	while (!got_term)
		pause();
	printf("SIGTERM handled: cleaning up and exiting\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "kill";
	int sig = argc > 2 ? atoi(argv[2]) : SIGTERM;

	if (!strcmp(how, "wait-term"))
		return wait_term(argc > 2 ? argv[2] : "default");

	printf("sending signal %d by %s\n", sig, how);
	fflush(stdout);
	if (!strcmp(how, "ignore")) {
		signal(SIGTERM, SIG_IGN);
		kill(getpid(), SIGTERM);
		printf("still running after an ignored SIGTERM\n");
		printf("kill(getpid(), 0) = %d\n", kill(getpid(), 0));
		return 0;
	}
	if (!strcmp(how, "raise"))
		raise(sig);
	else
		kill(getpid(), sig);
	printf("not reached\n");
	return 1;
}
