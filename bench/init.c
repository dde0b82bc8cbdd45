/*
 * /init of the Linux guest: runs the program that follows "--" on the kernel
 * command line (the kernel passes it to init as arguments), prints its exit
 * status in the one line the harness reads (a power-off carries no status),
 * and powers off, so that QEMU exits as it does after Alto's program.
 */
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("init: fork");
		return 126;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("init: waitpid");
		return 126;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	int status = 2;

	if (argc < 2)
		fprintf(stderr,
			"init: no program: put '-- PROGRAM ARGS' on the kernel command line\n");
	else
		status = run(argv + 1);
	printf("bench-init: exit status %d\n", status);
	fflush(stdout);
	reboot(RB_POWER_OFF);
	perror("init: reboot");
	return status;
}
