/*
 * Exit statuses: "exit CODE [HOW]" ends with CODE through exit() (the
 * default), _exit(), return from main, or the exit_group system call, after
 * printing what it does (through stdio, so exit() must flush it).
 */
#include "common.h"
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 0;
	const char *how = argc > 2 ? argv[2] : "exit";

	setvbuf(stdout, NULL, _IOFBF, 4096); /* exit() must flush this */
	printf("exiting with %d through %s\n", code, how);
	if (!strcmp(how, "_exit")) {
		fflush(stdout);
		_exit(code);
	}
	if (!strcmp(how, "exit_group")) {
		fflush(stdout);
		syscall(SYS_exit_group, code);
	}
	if (!strcmp(how, "return"))
		return code;
	exit(code);
}
