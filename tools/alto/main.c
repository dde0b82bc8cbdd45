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
	"Alto runs unmodified Linux x86_64 programs in a unikernel VM.\n"
	"\n"
	"commands:\n"
	"  run      run a host program in a VM: alto run [OPTIONS] PROGRAM [ARGS...]\n"
	"  build    write an image holding a program: alto build -o IMAGE PROGRAM [ARGS...]\n"
	"  boot     boot an image, or the kernel alone with a kernel command line\n"
	"  help     this text; 'alto COMMAND --help' explains a command\n"
	"\n"
	"examples:\n"
	"  alto run /bin/busybox ls -l /             (a static program, exit status passed on)\n"
	"  alto run -m 512M -e DEBUG=1 ./server --port 80\n"
	"  alto build -o app.img --add data/ ./app && alto boot app.img\n";

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
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "build"))
		return cmd_build(argc - 1, argv + 1);
	fprintf(stderr, "alto: unknown command '%s'\n\n%s", cmd, usage);
	return ALTO_EXIT_USAGE;
}
