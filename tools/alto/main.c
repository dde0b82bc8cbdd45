/*
 * alto: the host tool. Dispatches to a sub-command; each explains itself
 * with --help.
 */
#include <stdio.h>
#include <string.h>
#include "alto.h"

static const char usage[] =
	"usage: alto COMMAND [ARGS...]\n"
	"\n"
	"Alto runs one unmodified Linux x86_64 program in a unikernel VM.\n"
	"\n"
	"commands:\n"
	"  boot     boot the kernel under QEMU with a kernel command line\n"
	"  help     this text; 'alto COMMAND --help' explains a command\n"
	"\n"
	"Coming with later work: run (a host program, one command), build (an image).\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return ALTO_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "boot"))
		return cmd_boot(argc - 1, argv + 1);
	fprintf(stderr, "alto: unknown command '%s'\n\n%s", cmd, usage);
	return ALTO_EXIT_USAGE;
}
