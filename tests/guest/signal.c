/*
 * Signals this stage supports: "signal kill SIG" sends SIG to the process
 * itself (kill(getpid())), "signal raise SIG" through raise() (tgkill), and
 * "signal ignore" checks that an ignored SIGTERM does nothing. The default
 * action of SIGTERM and SIGUSR1 ends the process with 128+signal.
 */
#include "common.h"
#include <signal.h>

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "kill";
	int sig = argc > 2 ? atoi(argv[2]) : SIGTERM;

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
