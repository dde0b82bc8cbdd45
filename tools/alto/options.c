/*
 * The options every sub-command that boots a VM shares (memory, CPUs,
 * machine, accelerator, kernel, timeout), parsed and checked in one place so
 * that boot and run take them the same way and explain them the same way.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <alto/console.h>
#include "alto.h"

/* The shared options' help, in docker run --help's groups (run.c and boot.c add theirs). */
const char vm_resources_help[] =
	"  -m, --memory SIZE    guest memory, e.g. 128M, 2g or 268435456b (Docker's\n"
	"                       suffixes b, k, m, g; a plain number below 1M is MiB)\n"
	"  -c, --cpus N         virtual CPUs (default 1); a fraction, as Docker takes\n"
	"                       it, is rounded up (--cpus 1.5 gives 2)\n"
	"  --name NAME          the VM's name: QEMU's -name, its window title and its\n"
	"                       process name in ps (letters, digits, _ . -)\n"
	"  --machine TYPE[,OPT=VAL...]\n"
	"                       microvm (default) or q35, with QEMU machine options\n"
	"                       (e.g. microvm,acpi=off)\n"
	"  --accel ACCEL        auto (default), kvm or tcg; auto takes KVM only when\n"
	"                       the CPU has vmx/svm and /dev/kvm opens\n"
	"  --cpu-features LIST  CPU features to add or remove, as QEMU's -cpu takes them\n"
	"                       (e.g. +x2apic,+tsc-deadline)\n"
	"  --kernel FILE        the kernel (default: alto.elf next to this tool's bin/)\n"
	"  --timeout SECONDS    stop the VM after this long (exit status 124)\n"
	"  --stop-timeout SECONDS\n"
	"                       on SIGTERM, SIGINT or SIGHUP the program gets SIGTERM;\n"
	"                       the VM is stopped if it has not ended this long after\n"
	"                       (default 10; exit status 137), or at a second signal\n";

const char vm_storage_help[] =
	"  -v, --volume HOSTDIR:GUESTDIR[:ro]\n"
	"                       serve the host directory HOSTDIR at GUESTDIR through\n"
	"                       virtio-fs (virtiofsd, as root), read and written, or\n"
	"                       read-only with :ro (repeatable)\n"
	"  --disk FILE[:GUESTPATH[:ro]]\n"
	"                       attach FILE (raw or qcow2) as a virtio disk (/dev/vda,\n"
	"                       vdb... in order); with GUESTPATH, mount the ext2 file\n"
	"                       system on it there (read-only with :ro). Writes go to\n"
	"                       FILE (repeatable)\n";

const char vm_debug_help[] =
	"  --verbose            print the QEMU command (and timings) before running it\n"
	"  --dry-run            print the QEMU command and do not start it\n"
	"  --no-debug-exit      leave out QEMU's isa-debug-exit device, so the guest\n"
	"                       powers off through ACPI or a reset (tests those paths)\n"
	"  --device SPEC        add a QEMU device (-device SPEC), e.g. for tests\n"
	"  --no-rng             leave out the virtio-rng device (host entropy)\n";

const char app_options_help[] =
	"  -e, --env NAME=VALUE set a variable in the program's environment (repeatable);\n"
	"                       -e NAME takes the value from this environment. The\n"
	"                       defaults are PATH=/usr/local/sbin:/usr/local/bin:\n"
	"                       /usr/sbin:/usr/bin:/sbin:/bin and HOME=/root\n"
	"  --env-file FILE      -e for each line of FILE, as Docker reads it: NAME=VALUE,\n"
	"                       or NAME alone; blank lines and # comments are skipped\n"
	"  -w, --workdir DIR    the program's working directory (absolute; default /)\n"
	"  --add HOST[:GUEST]   put a host file or directory (recursively, symlinks kept)\n"
	"                       into the image at GUEST (default: HOST's absolute path)\n"
	"  --manifest FILE      add the files FILE lists, one 'GUEST_PATH: HOST_PATH' a\n"
	"                       line: a file, DIR/** (the whole tree) or a glob (each\n"
	"                       match at its place under the guest directory); HOST_PATH\n"
	"                       relative to FILE's directory, # starts a comment. Their\n"
	"                       shared objects and programs bring their libraries, as\n"
	"                       with --add (repeatable)\n";

const struct option vm_long_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "memory", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "machine", required_argument, NULL, OPT_MACHINE },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "no-debug-exit", no_argument, NULL, OPT_NO_DEBUG_EXIT },
	{ "cpu-features", required_argument, NULL, OPT_CPU_FEATURES },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "volume", required_argument, NULL, 'v' },
	{ "net", required_argument, NULL, OPT_NET },
	{ "publish", required_argument, NULL, 'p' },
	{ "mac", required_argument, NULL, OPT_MAC },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "no-rng", no_argument, NULL, OPT_NO_RNG },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "name", required_argument, NULL, OPT_NAME },
	{ 0 },
};

const struct option app_long_options[] = {
	{ "env", required_argument, NULL, 'e' },
	{ "add", required_argument, NULL, OPT_ADD },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "env-file", required_argument, NULL, OPT_ENV_FILE },
	{ "workdir", required_argument, NULL, 'w' },
	{ 0 },
};

struct option *options_join(const struct option *const *tables)
{
	struct option *all = NULL;
	size_t n = 0;

	for (; *tables; tables++) {
		for (const struct option *o = *tables; o->name; o++) {
			all = xrealloc(all, (n + 2) * sizeof(*all));
			all[n++] = *o;
		}
	}
	all = xrealloc(all, (n + 1) * sizeof(*all));
	all[n] = (struct option){ 0 };
	return all;
}

/* alto.elf next to bin/, named without the "bin/.." when it exists (for --verbose). */
static void default_kernel(struct vm_config *c)
{
	static char path[PATH_MAX], real[PATH_MAX];

	snprintf(path, sizeof(path), "%s/../alto.elf", self_dir());
	c->kernel = realpath(path, real) ? real : path;
}

void vm_defaults(struct vm_config *c, unsigned long long memory)
{
	*c = (struct vm_config){
		.machine = "microvm",
		.firmware = "bios",
		.accel = "auto",
		.memory = memory,
		.cpus = 1,
		.stop_timeout = 10, /* as docker stop */
	};
	default_kernel(c);
}

void vm_check(struct vm_config *c)
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
	volumes_check(c);
	for (int i = 0; c->disk && i < c->ndisks; i++) {
		if (c->disks[i].guest)
			die("a bootable disk carries its own command line: attach --disk %s without a "
			    "guest path",
			    c->disks[i].path);
	}
	net_check(c);
	if (c->cmdline && strlen(c->cmdline) >= BOOT_CMDLINE_MAX)
		die("the kernel command line is %zu bytes long; the kernel takes at most %d",
		    strlen(c->cmdline), BOOT_CMDLINE_MAX - 1);
}

#define NAME_CHARS  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
#define TIMEOUT_MAX 1e9 /* seconds: about 31 years, and a time_t for sure */

/* Seconds, a finite number from 0 (no limit) to TIMEOUT_MAX. */
static double parse_timeout(const char *arg)
{
	char *end;
	double t = strtod(arg, &end);

	if (*end || end == arg || !isfinite(t) || t < 0 || t > TIMEOUT_MAX)
		die("bad timeout '%s' (seconds, from 0 for none to %.0f)", arg, TIMEOUT_MAX);
	return t;
}

/* A whole number from lo to hi, in decimal, nothing else. */
static long parse_count(const char *what, const char *arg, long lo, long hi)
{
	char *end;

	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || *arg < '0' || *arg > '9')
		die("bad %s '%s'", what, arg);
	if (v < lo || v > hi)
		die("bad %s '%s' (from %ld to %ld)", what, arg, lo, hi);
	return v;
}

/* A CPU count from 1 to 64; Docker's fractions (0.5, 1.5) round up to whole vCPUs. */
static int parse_cpus(const char *arg)
{
	char *end;

	if (!strchr(arg, '.'))
		return (int)parse_count("CPU count", arg, 1, 64);
	double v = strtod(arg, &end);
	if (*end || end == arg || *arg < '0' || *arg > '9' || !(v > 0) || v > 64)
		die("bad CPU count '%s' (from 1 to 64, a fraction rounded up)", arg);
	return (int)ceil(v);
}

bool vm_option(int opt, const char *arg, struct vm_config *c)
{
	switch (opt) {
	case OPT_KERNEL:
		c->kernel = arg;
		return true;
	case 'm':
		if (parse_memory(arg, &c->memory))
			die("bad memory size '%s'", arg);
		return true;
	case 'c':
		c->cpus = parse_cpus(arg);
		return true;
	case OPT_MACHINE:
		c->machine = arg;
		return true;
	case OPT_ACCEL:
		c->accel = arg;
		return true;
	case OPT_TIMEOUT:
		c->timeout = parse_timeout(arg);
		return true;
	case OPT_STOP_TIMEOUT:
		c->stop_timeout = parse_timeout(arg);
		return true;
	case OPT_DRY_RUN:
		c->dry_run = true;
		return true;
	case OPT_NO_DEBUG_EXIT:
		c->no_debug_exit = true;
		return true;
	case OPT_CPU_FEATURES:
		c->cpu_features = arg;
		return true;
	case OPT_VERBOSE:
		c->verbose = true;
		return true;
	case 'v':
		volume_option(arg, c);
		return true;
	case OPT_DEVICE:
		c->devices = xrealloc(c->devices, (c->ndevices + 1) * sizeof(*c->devices));
		c->devices[c->ndevices++] = arg;
		return true;
	case OPT_NO_RNG:
		c->no_rng = true;
		return true;
	case OPT_DISK:
		disk_option(arg, c);
		return true;
	case OPT_NAME:
		/* Docker's rule; QEMU's own parser would take a comma as an option. */
		if (!isalnum((unsigned char)*arg) || strspn(arg, NAME_CHARS) != strlen(arg) ||
		    strlen(arg) > 63)
			die("bad --name '%s' (a letter or digit, then letters, digits, _ . -; at "
			    "most 63)",
			    arg);
		c->name = arg;
		return true;
	}
	return net_option(opt, arg, c);
}

/*
 * Kernel options come after a -- that ends alto's options and before PROGRAM
 * (they start with --, a program does not); everything after PROGRAM is the
 * program's, -- included. Returns the index of PROGRAM.
 */
int kernel_options(int argc, char **argv, int next, char **out)
{
	int first = next;

	if (next == 0 || next > argc || strcmp(argv[next - 1], "--")) {
		*out = xstrdup("");
		return next;
	}
	while (next < argc && !strncmp(argv[next], "--", 2))
		next++;
	*out = join_args(next - first, argv + first);
	return next;
}
