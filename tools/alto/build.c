/*
 * alto build: write an image (cpio newc) holding a program, its command
 * line, environment and extra files, for alto boot or any VMM that takes an
 * initrd; or a bootable disk holding GRUB, the kernel and that image
 * (disk.c); or a directory for Firecracker or cloud-hypervisor (vmm.c).
 * Nothing is booted: everything is made on the host.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alto.h"

static const char build_usage_head[] =
	"usage: alto build -o IMAGE [OPTIONS] [-- KERNEL-OPTIONS] PROGRAM [ARGS...]\n"
	"\n"
	"Write an image that runs PROGRAM with ARGS (or several programs after a\n"
	"--, separated as for alto run): the program at its absolute\n"
	"path (found through PATH when it has no slash), the --add and --manifest\n"
	"files, and the command line in /.alto/cmdline. Boot it with\n"
	"'alto boot IMAGE'. KERNEL-OPTIONS (--verbose, --strace...) go into a disk's\n"
	"or a VMM's kernel command line; a cpio image takes them from alto boot.\n"
	"\n"
	"options:\n"
	"  -o, --output IMAGE   the image to write (required; a directory with --vmm)\n"
	"  --format FORMAT      cpio (the default: an initrd image for alto boot or\n"
	"                       any VMM's -initrd), raw or qcow2 (a bootable disk)\n"
	"  --fs ext2            an ext2 file system holding the same files, made with\n"
	"                       mke2fs -d: 'alto boot IMAGE' boots from it as a disk\n"
	"                       (read and written: what the program writes stays)\n"
	"  --size SIZE          the ext2 file system's size (default: its files, a\n"
	"                       quarter more and 64M free)\n"
	"  --bootable           a bootable disk: GPT with GRUB for BIOS and UEFI, the\n"
	"                       kernel and the image; boots with plain\n"
	"                       qemu-system-x86_64 -drive file=IMAGE (raw unless --format)\n"
	"  --vmm VMM            a directory for firecracker (firecracker.json for\n"
	"                       --config-file) or cloud-hypervisor (cloud-hypervisor.sh),\n"
	"                       with the kernel (alto.elf) and the image (initrd.img)\n"
	"  -m, --memory SIZE    the VM's memory in --vmm configurations (default 256M)\n"
	"  -c, --cpus N         its CPUs (default 1)\n"
	"  --kernel FILE        the kernel (default: alto.elf next to this tool's bin/,\n"
	"                       and alto.bzimage beside it for disks)\n";

static const char build_usage_tail[] =
	"  -v, --verbose        say what was written\n"
	"  -h, --help           this text\n"
	"\n"
	"exit status: 0, or 2 on bad usage, a program Alto cannot run, or a host\n"
	"tool missing or failing (disks need grub-pc-bin, grub-efi-amd64-bin,\n"
	"dosfstools, mtools, fdisk, and qemu-utils for qcow2).\n";

static int usage(FILE *f, int status)
{
	fputs(build_usage_head, f);
	fputs(app_options_help, f);
	fputs(build_usage_tail, f);
	fputs("\nThe image is self-contained: it boots where the host's files are not.\n", f);
	fputs(runtime_help, f);
	return status;
}

/* The image (or disk) being written: removed if the tool ends before it is whole. */
static const char *output;

struct build_options {
	const char *format; /* cpio, raw or qcow2 */
	const char *fs;	    /* NULL (cpio) or ext2 */
	unsigned long long size;
	char *kernel_args;
	const char *vmm;
	struct vm_config vm; /* the kernel, and memory and CPUs for --vmm */
};

/* The bzImage built with the kernel: alto.bzimage beside alto.elf. */
static const char *bzimage_of(const char *kernel)
{
	size_t n = strlen(kernel);
	char *p = n > 4 && !strcmp(kernel + n - 4, ".elf") ?
			  xasprintf("%.*s.bzimage", (int)(n - 4), kernel) :
			  xasprintf("%s.bzimage", kernel);

	if (access(p, R_OK))
		die("no bzImage at %s (make builds it beside the kernel)", p);
	return p;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	char buf[65536];
	size_t n;

	if (!in || !out)
		die("cannot copy %s to %s: %s", from, to, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			break;
	}
	if (ferror(in) || ferror(out) | fclose(out))
		die("cannot copy %s to %s", from, to);
	fclose(in);
}

static void build_disk(const struct app *a, const struct build_options *o)
{
	char *dir = temp_dir();
	char *image = xasprintf("%s/initrd.img", dir);
	struct disk_config d = {
		.output = output,
		.kernel = o->vm.kernel,
		.bzimage = bzimage_of(o->vm.kernel),
		.initrd = image,
		.cmdline = o->kernel_args,
		.qcow2 = !strcmp(o->format, "qcow2"),
	};

	app_write_image(a, image);
	disk_build(&d, dir);
}

static void build_vmm_dir(const struct app *a, const struct build_options *o)
{
	if (mkdir(output, 0755) && errno != EEXIST)
		die("cannot make the directory %s: %s", output, strerror(errno));
	char *dir = realpath(output, NULL);
	if (!dir)
		die("cannot use the directory %s: %s", output, strerror(errno));
	char *kernel = xasprintf("%s/alto.elf", dir), *image = xasprintf("%s/initrd.img", dir);

	copy_file(o->vm.kernel, kernel);
	app_write_image(a, image);
	vmm_write_config(o->vmm, dir, kernel, image, o->kernel_args, o->vm.cpus, o->vm.memory);
}

static bool build_option(int opt, const char *arg, struct build_options *o)
{
	switch (opt) {
	case 'o':
		output = arg;
		return true;
	case 'v':
		o->vm.verbose = true;
		return true;
	case 'm':
	case 'c':
	case OPT_KERNEL:
		return vm_option(opt, arg, &o->vm);
	case OPT_FORMAT:
		o->format = arg;
		return true;
	case OPT_BOOTABLE:
		if (!strcmp(o->format, "cpio"))
			o->format = "raw";
		return true;
	case OPT_VMM:
		o->vmm = arg;
		return true;
	case OPT_FS:
		o->fs = arg;
		return true;
	case OPT_SIZE:
		if (parse_memory(arg, &o->size))
			die("bad size '%s'", arg);
		return true;
	}
	return false;
}

static void check_options(struct build_options *o)
{
	if (!output)
		die("no image given: alto build -o IMAGE PROGRAM [ARGS...]");
	if (strcmp(o->format, "cpio") && strcmp(o->format, "raw") && strcmp(o->format, "qcow2"))
		die("unknown format '%s' (cpio, raw or qcow2)", o->format);
	if (o->vmm && strcmp(o->format, "cpio"))
		die("--vmm writes a directory with a cpio image; it takes no --format or --bootable");
	if (o->fs && strcmp(o->fs, "ext2") && strcmp(o->fs, "cpio"))
		die("unknown file system '%s' (ext2, or cpio for an initrd image)", o->fs);
	if (o->fs && !strcmp(o->fs, "cpio"))
		o->fs = NULL;
	if (o->fs && (o->vmm || strcmp(o->format, "cpio")))
		die("--fs ext2 makes a disk of its own; it takes no --format, --bootable or --vmm");
	if (o->size && !o->fs)
		die("--size is for --fs ext2 images");
	vm_check(&o->vm);
	if (*o->kernel_args && !o->vmm && !strcmp(o->format, "cpio"))
		die("a cpio or ext2 image holds no kernel options: give them to alto boot");
	/* They go into grub.cfg and JSON as they are: keep them to plain words. */
	if (strpbrk(o->kernel_args, "'\"\\$;`\n\t"))
		die("kernel options for a disk or a VMM must not hold quotes, backslashes, $, ; or `");
}

int cmd_build(int argc, char **argv)
{
	static const struct option own[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "bootable", no_argument, NULL, OPT_BOOTABLE },
		{ "vmm", required_argument, NULL, OPT_VMM },
		{ "fs", required_argument, NULL, OPT_FS },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct option *options =
		options_join((const struct option *const[]){ own, app_long_options, NULL });
	struct build_options o = { .format = "cpio" };
	struct app a;
	int opt;

	app_init(&a);
	vm_defaults(&o.vm, 256ull << 20);
	argv[0] = "alto build";
	while ((opt = getopt_long(argc, argv, "+" APP_SHORT_OPTIONS "o:m:c:vh", options, NULL)) !=
	       -1) {
		if (opt == 'h')
			return usage(stdout, 0);
		if (!build_option(opt, optarg, &o) && !app_option(opt, optarg, &a))
			return usage_error("build");
	}
	int first = kernel_options(argc, argv, optind, &o.kernel_args);
	check_options(&o);
	/* After a --, the command line may hold several programs (alto/commands.h). */
	app_resolve(&a, argc - first, argv + first, optind > 0 && !strcmp(argv[optind - 1], "--"));
	runtime_add_trees(&a);
	double start = now_ms();
	if (o.vmm) {
		build_vmm_dir(&a, &o);
		return 0;
	}
	remove_on_exit(output); /* a half-written image, however the tool ends */
	if (o.fs)
		app_write_fs_image(&a, output, o.size);
	else if (strcmp(o.format, "cpio"))
		build_disk(&a, &o);
	else
		app_write_image(&a, output);
	remove_on_exit(NULL);
	struct stat st;
	if (o.vm.verbose && !stat(output, &st))
		warnx_("%s %s: %lld KiB, built in %.1f ms", o.fs ? o.fs : o.format, output,
		       (long long)st.st_size >> 10, now_ms() - start);
	return 0;
}
