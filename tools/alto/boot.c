/*
 * alto boot: boot a kernel (and, later, an image) under QEMU with a kernel
 * command line, stream the console, and exit with the guest's status.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alto.h"

static const char boot_usage[] =
	"usage: alto boot [OPTIONS] [-- KERNEL-ARGS...]\n"
	"\n"
	"Boot the Alto kernel under QEMU with the given kernel command line, with\n"
	"the console on this terminal, and exit with the guest's exit status.\n"
	"\n"
	"options:\n"
	"  --kernel FILE        the kernel (default: alto.elf next to this tool's bin/)\n"
	"  --initrd FILE        an initrd image to pass to the kernel\n"
	"  -m, --memory SIZE    guest memory, e.g. 128M or 2G (default 128M)\n"
	"  -c, --cpus N         virtual CPUs (default 1)\n"
	"  --machine TYPE[,OPT=VAL...]\n"
	"                       microvm (default) or q35, with QEMU machine options\n"
	"                       (e.g. microvm,acpi=off)\n"
	"  --accel ACCEL        auto (default), kvm or tcg; auto takes KVM only when\n"
	"                       the CPU has vmx/svm and /dev/kvm opens\n"
	"  --cpu-features LIST  CPU features to add or remove, as QEMU's -cpu takes them\n"
	"                       (e.g. +x2apic,+tsc-deadline)\n"
	"  --timeout SECONDS    stop the VM after this long (exit status 124)\n"
	"  --no-debug-exit      leave out QEMU's isa-debug-exit device, so the guest\n"
	"                       powers off through ACPI or a reset (tests those paths)\n"
	"  --dry-run            print the QEMU command and do nothing\n"
	"  -v, --verbose        print the QEMU command before running it\n"
	"  -h, --help           this text\n"
	"\n"
	"kernel arguments: --selftest[=NAME,...] runs the in-kernel self tests;\n"
	"--verbose prints what the kernel found (CPU, memory, clock, APIC, ACPI).\n"
	"exit status: the guest's; 124 on timeout; 125 when QEMU fails; 2 on bad usage.\n";

static void default_kernel(struct vm_config *c)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/../alto.elf", self_dir());
	c->kernel = path;
}

static void check_config(const struct vm_config *c)
{
	if (access(c->kernel, R_OK))
		die("no kernel at %s (build it with make, or give --kernel)", c->kernel);
	if (c->initrd && access(c->initrd, R_OK))
		die("cannot read the initrd %s", c->initrd);
	size_t type_len = strcspn(c->machine, ",");
	if (strncmp(c->machine, "microvm", type_len) && strncmp(c->machine, "q35", type_len))
		die("unknown machine '%.*s' (microvm or q35)", (int)type_len, c->machine);
	if (strcmp(c->accel, "auto") && strcmp(c->accel, "kvm") && strcmp(c->accel, "tcg"))
		die("unknown accelerator '%s' (auto, kvm or tcg)", c->accel);
	if (c->cpus < 1 || c->cpus > 64)
		die("--cpus must be between 1 and 64");
	if (c->memory < (16ull << 20))
		die("--memory must be at least 16M");
}

int cmd_boot(int argc, char **argv)
{
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "machine", required_argument, NULL, 'M' },
		{ "accel", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-debug-exit", no_argument, NULL, 'x' },
		{ "cpu-features", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vm_config c = {
		.machine = "microvm",
		.accel = "auto",
		.memory = 128ull << 20,
		.cpus = 1,
	};
	int opt;
	char *end;

	default_kernel(&c);
	argv[0] = "alto boot"; /* getopt names the command in its messages */
	while ((opt = getopt_long(argc, argv, "+m:c:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			c.kernel = optarg;
			break;
		case 'i':
			c.initrd = optarg;
			break;
		case 'm':
			if (parse_memory(optarg, &c.memory))
				die("bad memory size '%s'", optarg);
			break;
		case 'c':
			c.cpus = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg)
				die("bad CPU count '%s'", optarg);
			break;
		case 'M':
			c.machine = optarg;
			break;
		case 'a':
			c.accel = optarg;
			break;
		case 't':
			c.timeout = strtod(optarg, &end);
			if (*end || end == optarg || c.timeout < 0)
				die("bad timeout '%s'", optarg);
			break;
		case 'n':
			c.dry_run = true;
			break;
		case 'x':
			c.no_debug_exit = true;
			break;
		case 'f':
			c.cpu_features = optarg;
			break;
		case 'v':
			c.verbose = true;
			break;
		case 'h':
			fputs(boot_usage, stdout);
			return 0;
		default:
			fputs(boot_usage, stderr);
			return ALTO_EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--"))
		die("unexpected argument '%s' (kernel arguments go after --)", argv[optind]);
	c.cmdline = join_args(argc - optind, argv + optind);
	check_config(&c);
	return vm_boot(&c);
}
