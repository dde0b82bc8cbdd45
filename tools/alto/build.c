/*
 * alto build: write an image (cpio newc) holding a program, its command
 * line, environment and extra files, for alto boot or any VMM that takes an
 * initrd. Nothing is booted: the image is made on the host.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alto.h"

static const char build_usage_head[] =
	"usage: alto build -o IMAGE [OPTIONS] PROGRAM [ARGS...]\n"
	"\n"
	"Write an image that runs PROGRAM with ARGS: the program at its absolute\n"
	"path (found through PATH when it has no slash), the --add and --manifest\n"
	"files, and the command line in /.alto/cmdline. Boot it with\n"
	"'alto boot IMAGE'.\n"
	"\n"
	"options:\n"
	"  -o, --output IMAGE   the image to write (required)\n";

static const char build_usage_tail[] =
	"  -v, --verbose        say what was written\n"
	"  -h, --help           this text\n"
	"\n"
	"exit status: 0, or 2 on bad usage or a program Alto cannot run.\n";

static int usage(FILE *f, int status)
{
	fputs(build_usage_head, f);
	fputs(app_options_help, f);
	fputs(build_usage_tail, f);
	return status;
}

int cmd_build(int argc, char **argv)
{
	static const struct option own[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct option *options =
		options_join((const struct option *const[]){ own, app_long_options, NULL });
	const char *output = NULL;
	bool verbose = false;
	struct app a;
	int opt;

	app_init(&a);
	argv[0] = "alto build";
	while ((opt = getopt_long(argc, argv, "+" APP_SHORT_OPTIONS "o:vh", options, NULL)) != -1) {
		if (opt == 'o')
			output = optarg;
		else if (opt == 'v')
			verbose = true;
		else if (opt == 'h')
			return usage(stdout, 0);
		else if (!app_option(opt, optarg, &a))
			return usage_error("build");
	}
	if (!output)
		die("no image given: alto build -o IMAGE PROGRAM [ARGS...]");
	app_resolve(&a, argc - optind, argv + optind);
	remove_on_exit(output); /* a half-written image, however the tool ends */
	double start = now_ms();
	unsigned int entries = app_write_image(&a, output);
	remove_on_exit(NULL);
	struct stat st;
	if (verbose && !stat(output, &st))
		warnx_("image %s: %u entries, %lld KiB, built in %.1f ms", output, entries,
		       (long long)st.st_size >> 10, now_ms() - start);
	return 0;
}
