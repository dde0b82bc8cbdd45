/*
 * alto boot: boot the kernel under QEMU, with an image (made by alto build)
 * or without, and a kernel command line; or boot a bootable disk (alto
 * build --bootable) through the firmware and GRUB. Stream the console, and
 * exit with the guest's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <alto/cpio.h>
#include "alto.h"

static const char boot_usage_head[] =
	"usage: alto boot [OPTIONS] [IMAGE] [-- KERNEL-ARGS...]\n"
	"\n"
	"Boot the Alto kernel under QEMU with the given kernel command line, with\n"
	"the console on this terminal, and exit with the guest's exit status.\n"
	"With IMAGE (made by 'alto build'), the kernel runs the program in it, with\n"
	"the command line stored there unless KERNEL-ARGS name another program.\n"
	"An ext2 image ('alto build --fs ext2') is the root file system, on a disk\n"
	"that the program's writes go to. A bootable disk (raw or qcow2, 'alto\n"
	"build --bootable') boots through the firmware and GRUB on q35, with the\n"
	"kernel and command line it holds; the firmware's and GRUB's own lines may\n"
	"come before the kernel's.\n"
	"\n"
	"Image:\n"
	"  --initrd FILE        an initrd image to pass to the kernel as it is\n"
	"  --firmware FW        for a disk: bios (SeaBIOS, the default) or uefi (OVMF)\n"
	"\n"
	"Resources:\n";

static const char boot_usage_tail[] =
	"  -h, --help           this text\n"
	"\n"
	"Memory defaults to 128M, or 256M with an IMAGE.\n"
	"kernel arguments: --selftest[=NAME,...] runs the in-kernel self tests\n"
	"(with --kernel build/alto-selftest.elf, which has them);\n"
	"--verbose prints what the kernel found (CPU, memory, clock, APIC, ACPI);\n"
	"--strace prints every system call of the program.\n"
	"\n";

static int usage(FILE *f, int status)
{
	print_text(f, (const char *const[]){ boot_usage_head, vm_resources_help, "\nNetwork:\n",
					     net_options_help, "\nStorage:\n", vm_storage_help,
					     "\nDebugging:\n", vm_debug_help, observe_options_help,
					     boot_usage_tail, exit_status_help, NULL });
	return status;
}

/*
 * An image must be readable, and a bootable disk or a whole cpio newc
 * archive (read with the kernel's own reader, lib/cpio.c); say what is
 * wrong otherwise.
 */
static void check_image(const char *path, struct vm_config *c)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		die("no image '%s' (kernel arguments go after --)", path);
	if (fd < 0 || fstat(fd, &st))
		die("cannot read the image %s: %s", path, strerror(errno));
	if (fsimage_is_ext2(path)) {
		close(fd);
		disk_set_root(c, path);
		return;
	}
	c->disk_format = disk_detect(path);
	if (c->disk_format != DISK_NONE) {
		close(fd);
		c->disk = path;
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 6)
		die("%s is not an Alto image (a cpio newc archive or a bootable disk, as alto "
		    "build writes)",
		    path);
	void *data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED)
		die("cannot read the image %s: %s", path, strerror(errno));
	if (memcmp(data, "070701", 6))
		die("%s is not an Alto image (a cpio newc archive or a bootable disk, as alto "
		    "build writes)",
		    path);
	struct cpio_entry e;
	size_t off = 0, last = 0;
	int r;
	while ((r = cpio_next(data, st.st_size, &off, &e)) == 1)
		last = off;
	if (r < 0)
		die("%s is not a whole Alto image: the cpio archive is truncated or damaged at "
		    "byte %zu of %lld",
		    path, last, (long long)st.st_size);
	for (size_t i = off; i < (size_t)st.st_size; i++) {
		if (((const char *)data)[i])
			die("%s is not one Alto image: its cpio archive ends at byte %zu of %lld, "
			    "before more data the kernel would not read",
			    path, off, (long long)st.st_size);
	}
	munmap(data, st.st_size);
}

/* OVMF's code, and a copy of its variable store (the firmware writes to it). */
static void setup_uefi(struct vm_config *c)
{
	static const char *const dirs[] = { "/usr/share/OVMF", "/usr/share/ovmf" };
	static char code[4096], vars[4096];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(code, sizeof(code), "%s/OVMF_CODE_4M.fd", dirs[i]);
		snprintf(vars, sizeof(vars), "%s/OVMF_VARS_4M.fd", dirs[i]);
		if (!access(code, R_OK) && !access(vars, R_OK))
			break;
		code[0] = 0;
	}
	if (!code[0])
		die("no UEFI firmware: install Debian's ovmf (OVMF_CODE_4M.fd)");
	char *copy = xasprintf("%s/OVMF_VARS.fd", temp_dir());
	FILE *in = fopen(vars, "r"), *out = fopen(copy, "w");
	char buf[65536];
	size_t n;
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (!in || !out || ferror(in) || ferror(out) | fclose(out))
		die("cannot copy %s to %s", vars, copy);
	fclose(in);
	c->uefi_code = code;
	c->uefi_vars = copy;
}

/* A disk boots on q35 through its firmware: no -kernel, no command line from here. */
static void setup_disk(struct vm_config *c, bool machine_given, int nargs)
{
	if (nargs)
		die("a disk carries its own command line: no kernel arguments after --");
	if (c->initrd)
		die("give a disk or --initrd, not both");
	if (!machine_given)
		c->machine = "q35";
	else if (strncmp(c->machine, "q35", 3))
		die("a disk boots through the firmware, on q35 only (not %s)", c->machine);
	if (!strcmp(c->firmware, "uefi"))
		setup_uefi(c);
	else if (strcmp(c->firmware, "bios"))
		die("unknown firmware '%s' (bios or uefi)", c->firmware);
}

/* Kernel options before the rest of the command line (before the program's words). */
static char *join_options(char *options, const char *cmdline)
{
	char *s = xasprintf("%s%s%s", options, *options && *cmdline ? " " : "", cmdline);

	free(options);
	return s;
}

/* With an image the program runs, so its console input follows the stdin protocol. */
static char *image_cmdline(struct vm_config *c, int argc, char **argv)
{
	char *user = join_args(argc, argv);
	char *cmdline = xasprintf("%s%s%s", console_setup(c), *user ? " " : "", user);

	free(user);
	return cmdline;
}

int cmd_boot(int argc, char **argv)
{
	static const struct option own[] = {
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "firmware", required_argument, NULL, OPT_FIRMWARE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct option *options = options_join(
		(const struct option *const[]){ own, vm_long_options, observe_long_options, NULL });
	struct observe o = { 0 };
	struct vm_config c;
	const char *image = NULL;
	int opt;

	vm_defaults(&c, 128ull << 20);
	bool memory_given = false, machine_given = false;
	argv[0] = "alto boot"; /* getopt names the command in its messages */
	while ((opt = getopt_long(argc, argv, "+" VM_SHORT_OPTIONS "h", options, NULL)) != -1) {
		if (opt == OPT_INITRD)
			c.initrd = optarg;
		else if (opt == OPT_FIRMWARE)
			c.firmware = optarg;
		else if (opt == 'h')
			return usage(stdout, 0);
		else if (!vm_option(opt, optarg, &c) && !observe_option(opt, optarg, &o))
			return usage_error("boot");
		memory_given |= opt == 'm';
		machine_given |= opt == OPT_MACHINE;
	}
	if (optind < argc && strcmp(argv[optind - 1], "--")) {
		image = argv[optind++];
		check_image(image, &c);
		if (c.initrd && image)
			die("give an IMAGE or --initrd, not both");
		if (optind < argc && strcmp(argv[optind++], "--"))
			die("unexpected argument '%s' (kernel arguments go after --)",
			    argv[optind - 1]);
	}
	if (c.disk) {
		setup_disk(&c, machine_given, argc - optind);
		if (!memory_given)
			c.memory = 256ull << 20;
	} else if (c.ndisks && !strcmp(c.disks[0].guest ? c.disks[0].guest : "", "/")) {
		if (!memory_given)
			c.memory = 256ull << 20;
		c.cmdline = image_cmdline(&c, argc - optind, argv + optind);
	} else if (image) {
		c.initrd = image;
		if (!memory_given)
			c.memory = 256ull << 20;
		c.cmdline = image_cmdline(&c, argc - optind, argv + optind);
	} else {
		c.cmdline = join_args(argc - optind, argv + optind);
		if (!c.nnets)
			c.net_none = true; /* the kernel alone runs no program to serve */
	}
	if (c.cmdline)
		c.cmdline = join_options(observe_kernel_options(&o), c.cmdline);
	else if (o.trace || o.profile_hz || o.bootchart)
		die("a disk carries its own command line: --trace, --profile and --bootchart go to "
		    "alto build");
	observe_setup(&o, &c, NULL);
	vm_check(&c);
	int status = vm_boot(&c);
	if (!c.dry_run)
		observe_finish(&o, NULL, &c);
	return status;
}
