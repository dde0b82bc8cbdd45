/*
 * alto run: run a host program in a VM, as one command. The image is built
 * on the host into a temporary file (the program at its own absolute path,
 * the --add files, the command line) that no way of ending leaves behind,
 * and booted; the tool exits with the program's exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alto.h"

static const char run_usage_head[] =
	"usage: alto run [OPTIONS] [-- KERNEL-OPTIONS...] PROGRAM [ARGS...]\n"
	"       alto run [OPTIONS] -- [KERNEL-OPTIONS...] PROGRAM [ARGS...] [SEP\n"
	"                [--env=NAME=VALUE]... [--cwd=DIR] PROGRAM [ARGS...]]... [SEP]\n"
	"\n"
	"Run a Linux x86_64 program in an Alto VM and exit with its exit\n"
	"status (128+N when signal N killed it). PROGRAM is found through PATH when\n"
	"it has no slash, and goes into the image at its absolute path, which is also\n"
	"its argv[0]; ARGS reach it exactly as given. The console is this terminal;\n"
	"when stdin is not a terminal, the program reads it to its end.\n"
	"After a --, several programs may follow, each its own process, as OSv runs\n"
	"them: a word SEP of ';' runs the next once the last has ended, '&' runs it\n"
	"in the background, '!' ends the VM (and every process) once the last has\n"
	"ended, with its status, '&!' the same from the background ('\\;' and the\n"
	"like are an argument ';'). A program may be 'runscript FILE': FILE's text\n"
	"is more of the same line, its $NAME and ${NAME} taken from the environment\n"
	"(-e); it goes into the image with the programs it runs. The VM's status is\n"
	"the last program's that was waited for.\n"
	"\n"
	"Program:\n";

/* After app_options_help: the rest of the program's options. */
static const char run_program_help[] =
	"  -i, -t, -it          accepted as Docker takes them, and not needed: a\n"
	"                       terminal on stdin and stdout is the program's terminal,\n"
	"                       and a pipe or file on stdin is read to its end\n"
	"  --rm                 accepted as Docker takes it, and not needed: the\n"
	"                       temporary image is always removed (--keep-image keeps\n"
	"                       one)\n"
	"\n"
	"Resources:\n";

static const char run_storage_help[] =
	"  --files MODE         where the program's files come from: host (the host's\n"
	"                       /usr, /etc and /opt read-only through virtio-fs, so it\n"
	"                       reads what it reads natively; needs root) or image (the\n"
	"                       program, its libraries and its runtime's data trees in\n"
	"                       the image, as alto build makes it). By default, host\n"
	"                       for a dynamically linked program given no --add or\n"
	"                       --manifest, image otherwise\n"
	"  --root FS            cpio (the default: the files in RAM) or ext2 (the same\n"
	"                       files in an ext2 file system on a disk, as alto build\n"
	"                       --fs ext2 makes it; with --keep-image, writes stay)\n"
	"  --keep-image FILE    write the image to FILE and keep it (see alto boot)\n";

static const char run_usage_tail[] =
	"  --log FILE           the kernel's lines (its notes, fault reports, boot lines\n"
	"                       with --verbose) go to FILE instead of stderr; on a\n"
	"                       terminal they share it with the program and FILE stays\n"
	"                       empty\n"
	"  --quiet              leave out the kernel's notes (system calls it does not\n"
	"                       implement and the like); errors and fault reports stay\n"
	"  --strace             print every system call of the program\n"
	"  -h, --help           this text\n"
	"\n"
	"Memory defaults to 256M. KERNEL-OPTIONS are --name[=value] words for the\n"
	"kernel, after a -- that comes before PROGRAM (e.g. -- --verbose). The\n"
	"console shows the program's output alone; with -v, the kernel's boot lines\n"
	"(its command line, the boot time) too.\n"
	"\n";

static int usage(FILE *f, int status)
{
	print_text(f, (const char *const[]){ run_usage_head, app_options_help, run_program_help,
					     vm_resources_help, "\nNetwork:\n", net_options_help,
					     "\nStorage:\n", run_storage_help, vm_storage_help,
					     "\nDebugging:\n", vm_debug_help, observe_options_help,
					     run_usage_tail, exit_status_help, NULL });
	return status;
}

/*
 * The temporary image: a file removed at once and kept open (temp_file), so
 * that nothing is left behind however the tool ends; QEMU reads it as
 * /dev/fd/N. Returns that path.
 */
static char *make_temp_image(void)
{
	return xasprintf("/dev/fd/%d", temp_file("image"));
}

static void build_image(const struct app *a, const char *path, bool verbose)
{
	double start = now_ms();
	unsigned int entries = app_write_image(a, path);
	struct stat st;

	if (verbose && !stat(path, &st))
		warnx_("image %s%s: %u entries, %lld KiB, built in %.1f ms", path,
		       strncmp(path, "/dev/fd/", 8) ? "" : " (a temporary file, removed already)",
		       entries, (long long)st.st_size >> 10, now_ms() - start);
}

/*
 * The console mode (and the streams: split from the kernel's lines, in one
 * port when stdout and stderr are one file), the kernel's --quiet (no boot
 * lines, unless -v; no notes either with alto run --quiet), --strace,
 * tracing and profiling, the user's.
 */
static char *kernel_cmdline(struct vm_config *c, bool quiet, bool strace, const char *observe,
			    const char *extra)
{
	const char *console = console_setup(c);

	c->split_streams = console_split_streams(c);
	c->merged_streams = c->split_streams && console_same_streams();
	return xasprintf("%s%s%s%s%s%s%s%s", console, c->merged_streams ? " --stderr=stdout" : "",
			 quiet	    ? " --quiet=notes" :
			 c->verbose ? "" :
				      " --quiet",
			 strace ? " --strace" : "", *observe ? " " : "", observe, *extra ? " " : "",
			 extra);
}

/* --log on a console that carries the program's output too: say it once. */
static void check_log(const struct vm_config *c)
{
	if (c->log && !c->split_streams)
		warnx_("--log %s: the kernel's lines share the console with the program here (a "
		       "terminal, or a socket on stdout or stderr); %s stays empty",
		       c->log, c->log);
}

int cmd_run(int argc, char **argv)
{
	static const struct option own[] = {
		{ "strace", no_argument, NULL, OPT_STRACE },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "keep-image", required_argument, NULL, OPT_KEEP_IMAGE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "files", required_argument, NULL, OPT_FILES },
		{ "help", no_argument, NULL, 'h' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "rm", no_argument, NULL, OPT_RM },
		{ 0 },
	};
	struct option *options = options_join((const struct option *const[]){
		own, vm_long_options, app_long_options, observe_long_options, NULL });
	struct observe o = { 0 };
	const char *keep = NULL, *root = "cpio", *files = "auto";
	bool strace = false, quiet = false;
	struct vm_config c;
	struct app a;
	char *extra;
	int opt;

	vm_defaults(&c, 256ull << 20);
	app_init(&a);
	argv[0] = "alto run";
	while ((opt = getopt_long(argc, argv, "+" VM_SHORT_OPTIONS APP_SHORT_OPTIONS "hit", options,
				  NULL)) != -1) {
		if (opt == 'i' || opt == 't' || opt == OPT_RM)
			continue; /* Docker's habits: the terminal is found, the image removed */
		if (opt == OPT_STRACE)
			strace = true;
		else if (opt == OPT_QUIET)
			quiet = true;
		else if (opt == OPT_LOG)
			c.log = optarg;
		else if (opt == OPT_KEEP_IMAGE)
			keep = optarg;
		else if (opt == OPT_ROOT)
			root = optarg;
		else if (opt == OPT_FILES)
			files = optarg;
		else if (opt == 'h')
			return usage(stdout, 0);
		else if (!vm_option(opt, optarg, &c) && !app_option(opt, optarg, &a) &&
			 !observe_option(opt, optarg, &o))
			return usage_error("run");
	}
	int first = kernel_options(argc, argv, optind, &extra);
	if (strcmp(root, "cpio") && strcmp(root, "ext2"))
		die("unknown root file system '%s' (cpio or ext2)", root);
	if (strcmp(files, "auto") && strcmp(files, "host") && strcmp(files, "image"))
		die("unknown --files mode '%s' (host or image)", files);
	/* After a --, the command line may hold several programs (alto/commands.h). */
	app_resolve(&a, argc - first, argv + first, optind > 0 && !strcmp(argv[optind - 1], "--"));
	if (!strcmp(files, "auto"))
		files = a.nlibs && !a.nadds && !strcmp(root, "cpio") && !geteuid() &&
					!access("/usr/lib/qemu/virtiofsd", X_OK) ?
				"host" :
				"image";
	if (!strcmp(files, "host") && strcmp(root, "cpio"))
		die("--files host serves the host's files to a root in RAM: no --root ext2");
	if (!strcmp(files, "host"))
		runtime_host_files(&a, &c);
	else
		runtime_add_trees(&a);
	vm_check(&c);

	const char *image = keep ? keep : make_temp_image();
	if (keep)
		remove_on_exit(keep); /* only while it is half-written */
	if (!strcmp(root, "ext2")) {
		app_write_fs_image(&a, image, 0);
		disk_set_root(&c, image);
	} else {
		build_image(&a, image, c.verbose);
		c.initrd = image;
	}
	remove_on_exit(NULL);
	c.cmdline = kernel_cmdline(&c, quiet, strace, observe_kernel_options(&o), extra);
	check_log(&c);
	observe_setup(&o, &c,
		      a.nprogs ? a.progs[0].host_path :
				 NULL); /* gdb: the first program's symbols */
	int status = vm_boot(&c);
	if (!c.dry_run)
		observe_finish(&o, &a, &c);
	return status;
}
