/*
 * The alto host tool: builds images and boots them under QEMU. Each
 * sub-command lives in its own file (boot.c, run.c, build.c); the image
 * writer (image.c), the application checks (app.c) and the console input
 * (stdin.c) are shared, and this header holds what they share.
 */
#ifndef TOOLS_ALTO_H
#define TOOLS_ALTO_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * Exit statuses of the tool itself (the guest's own status passes through);
 * exit_status_help explains them.
 */
#define ALTO_EXIT_USAGE	  2
#define ALTO_EXIT_TOO_BIG 122 /* the image does not fit in guest memory */
#define ALTO_EXIT_KILLED  123 /* QEMU killed from outside before the guest ended */
#define ALTO_EXIT_TIMEOUT 124
#define ALTO_EXIT_VMM	  125 /* QEMU refused its options or failed */
#define ALTO_EXIT_PANIC	  126 /* the guest kernel panicked */
#define ALTO_EXIT_NO_QEMU 127 /* QEMU cannot be run */

/* What a file given to alto boot is (disk.c): an initrd image or a bootable disk. */
enum disk_format {
	DISK_NONE,
	DISK_RAW,
	DISK_QCOW2
};

/* A disk attached as a virtio-blk device (volumes.c); guest "/" is the root file system. */
struct vm_disk {
	const char *path;
	const char *guest; /* where the kernel mounts its ext2 file system, or NULL */
	enum disk_format format;
	bool readonly;
};

/* A host directory served through virtio-fs (volumes.c); guest "/" is the root. */
struct vm_volume {
	const char *host, *guest;
	bool readonly;
	char *socket; /* virtiofsd's, once checked */
};

/* A published port: -p [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]. */
struct port_map {
	char host_ip[64];
	unsigned int host_port, guest_port;
	bool udp;
};

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *disk; /* a bootable disk instead of kernel and initrd (q35 only) */
	enum disk_format disk_format;
	const char *firmware;	  /* "bios" (QEMU's SeaBIOS) or "uefi" (Debian's OVMF) */
	const char *uefi_code;	  /* with uefi: OVMF's code ... */
	const char *uefi_vars;	  /* ... and a writable copy of its variable store */
	const char *machine;	  /* "microvm" or "q35" */
	const char *accel;	  /* "auto", "kvm" or "tcg" */
	const char *cpu_features; /* appended to -cpu, e.g. "+x2apic" */
	const char *name;	  /* --name: QEMU's -name (window title, process name) */
	unsigned long long memory;
	int cpus;
	double timeout;	     /* seconds; 0: none */
	double stop_timeout; /* seconds from SIGTERM to the program until the VM is stopped */
	const char *cmdline;
	bool dry_run;
	bool verbose;
	bool no_debug_exit;	/* leave out isa-debug-exit: power off through ACPI or reset */
	bool stdin_escape;	/* feed QEMU our stdin through a pipe, escaped (stdin.c) */
	bool split_streams;	/* the program's stdout and stderr apart from the kernel's lines */
	bool merged_streams;	/* ... and one file or pipe (2>&1): one port for both */
	const char *log;	/* with split_streams, the kernel's lines go to this file */
	const char *trace_file; /* the kernel's trace port goes to this file (observe.c) */
	int gdb_port;		/* QEMU's gdbstub there, stopped at the start; 0: none */
	bool no_rng;		/* leave out the virtio-rng device */
	/* The network (net.c): one NIC per --net mode ("user", "tap:IFNAME"). */
	const char **nets;
	int nnets;
	bool net_none; /* --net none, or no network by default (bare alto boot) */
	struct port_map *ports;
	int nports;
	const char *mac;      /* the first NIC's; NULL: the default */
	const char *pcap;     /* filter-dump of the first NIC to this file */
	const char **devices; /* --device: more QEMU devices */
	int ndevices;
	struct vm_disk *disks; /* --disk, and an ext2 root */
	int ndisks;
	struct vm_volume *volumes; /* -v, and the host's root in host mode */
	int nvolumes;
};

/*
 * Boot the VM, stream its console, and return the guest's exit status, or
 * one of ALTO_EXIT_* with one line saying what failed.
 */
int vm_boot(const struct vm_config *c);
/* The exit statuses of alto run and alto boot, for their help. */
extern const char exit_status_help[];
/* "kvm" when the CPU has vmx/svm and /dev/kvm opens, else "tcg". */
const char *vm_pick_accel(void);
/* Defaults for every sub-command that boots: microvm, auto accel, 1 CPU. */
void vm_defaults(struct vm_config *c, unsigned long long memory);
/* Refuse a configuration QEMU would fail on, with a clear message; fill in defaults. */
void vm_check(struct vm_config *c);

/*
 * Options shared by the sub-commands (options.c). Each sub-command joins its
 * own getopt_long table with vm_long_options and/or app_long_options, and
 * hands the options it does not handle itself to vm_option()/app_option(),
 * which return false for an option that is not theirs.
 */
#define VM_SHORT_OPTIONS  "m:c:v:p:"
#define APP_SHORT_OPTIONS "e:w:"
extern const struct option vm_long_options[];
extern const struct option app_long_options[];
/* One getopt_long table from several, each ending in a zeroed entry; NULL ends the list. */
struct option *options_join(const struct option *const *tables);

enum {
	OPT_KERNEL = 256,
	OPT_MACHINE,
	OPT_ACCEL,
	OPT_TIMEOUT,
	OPT_STOP_TIMEOUT,
	OPT_DRY_RUN,
	OPT_NO_DEBUG_EXIT,
	OPT_CPU_FEATURES,
	OPT_ADD,
	OPT_MANIFEST,
	OPT_INITRD,
	OPT_STRACE,
	OPT_KEEP_IMAGE,
	OPT_HELP,
	OPT_NET,
	OPT_MAC,
	OPT_PCAP,
	OPT_DEVICE,
	OPT_NO_RNG,
	OPT_FORMAT,
	OPT_BOOTABLE,
	OPT_VMM,
	OPT_FIRMWARE,
	OPT_FS,
	OPT_SIZE,
	OPT_DISK,
	OPT_ROOT,
	OPT_VERBOSE,
	OPT_FILES,
	OPT_LOG,
	OPT_QUIET,
	OPT_RM,
	OPT_TRACE,
	OPT_TRACE_FILE,
	OPT_TRACE_BACKTRACE,
	OPT_TRACE_BUFFER,
	OPT_PROFILE,
	OPT_PROFILE_OUT,
	OPT_BOOTCHART,
	OPT_GDB,
	OPT_ENV_FILE,
	OPT_NAME,
};

/* The help text of the shared options, by group, for each sub-command's usage. */
extern const char vm_resources_help[], vm_storage_help[], vm_debug_help[];
extern const char app_options_help[];

bool vm_option(int opt, const char *arg, struct vm_config *c);
/*
 * Kernel options come after a -- that ends alto's options and before PROGRAM
 * (they start with --, a program does not): put them, joined, in *out and
 * return the index of PROGRAM.
 */
int kernel_options(int argc, char **argv, int next, char **out);

/*
 * Tracing, profiling, the bootchart and gdb (observe.c), for run and boot:
 * options parsed into struct observe, turned into kernel options and QEMU
 * devices, and the trace file handled once the VM has ended.
 */
struct observe {
	const char *trace, *trace_file, *buffer, *profile_out;
	bool backtrace, bootchart;
	int profile_hz, gdb_port;
};
extern const struct option observe_long_options[];
extern const char observe_options_help[];
bool observe_option(int opt, const char *arg, struct observe *o);
/* The kernel options they ask for, space-separated ("" for none). */
char *observe_kernel_options(const struct observe *o);
/*
 * Defaults, checks, and the vm_config fields (the trace file, gdb); says
 * how to attach gdb (with the symbols of program, when given).
 */
void observe_setup(struct observe *o, struct vm_config *c, const char *program);
struct app;
/* After the VM: announce the trace; make the profile's files (a: the image's files, or NULL). */
void observe_finish(const struct observe *o, const struct app *a, const struct vm_config *c);
/* The network options (net.c): --net, -p, --mac, --pcap. */
extern const char net_options_help[];
bool net_option(int opt, const char *arg, struct vm_config *c);
/* Defaults (one user NIC unless --net none) and consistency; dies on a bad combination. */
void net_check(struct vm_config *c);
/* QEMU's -netdev and -device values for interface i. */
char *net_netdev_arg(const struct vm_config *c, int i);
char *net_device_arg(const struct vm_config *c, int i);

/* Disks (volumes.c): --disk FILE[:GUESTPATH[:ro]], an ext2 root, QEMU's and the kernel's options.
 */
void disk_option(const char *arg, struct vm_config *c);
/* Boot from the ext2 image at path: the first disk, mounted at /. */
void disk_set_root(struct vm_config *c, const char *path);
bool fsimage_is_ext2(const char *path);
void disks_add_qemu(const struct vm_config *c, void (*add)(void *b, const char *arg), void *b);
/* The kernel's --root= and --mount= options for the disks ("" when none). */
char *disks_kernel_options(const struct vm_config *c);
/* Volumes (volumes.c): -v HOSTDIR:GUESTDIR[:ro], served by virtiofsd. */
void volume_option(const char *arg, struct vm_config *c);
void volume_set_root(struct vm_config *c);
/* virtiofsd is there and usable, and each volume gets its socket's path. */
void volumes_check(struct vm_config *c);
void volumes_add_qemu(const struct vm_config *c, void (*add)(void *b, const char *arg), void *b);
char *volumes_kernel_options(const struct vm_config *c);
void volumes_start(const struct vm_config *c);

/* One --add (or manifest entry): a host file or directory and where it goes in the guest. */
struct app_add {
	const char *host;
	char *guest; /* absolute, normalized */
	bool follow; /* a symlink at host goes in as what it points to */
};

/*
 * One program of the command line, with its arguments, what it alone gets
 * (--env=, --cwd=) and the separator after it (CMD_* of alto/commands.h).
 * A runscript command names its file in guest_path (host_path: NULL).
 */
struct app_prog {
	const char *program; /* as the user gave it */
	char *host_path;     /* where the tool reads it */
	char *guest_path;    /* absolute: where it is in the guest, and argv[0] */
	char **args;	     /* the program's arguments after argv[0] */
	int nargs;
	char **env; /* its own --env= values */
	int nenv;
	const char *cwd;
	unsigned int flags;
	bool runscript;
};

/* What goes into an image: the programs, their arguments, environment and extra files. */
struct app {
	struct app_prog *progs; /* the first is the one a single-program image runs */
	int nprogs;
	char **env; /* NAME=VALUE, in order; a later -e replaces an earlier one */
	int nenv;
	const char *workdir; /* -w: the programs' working directory, or NULL */
	struct app_add *adds;
	int nadds;
	char **libs; /* the interpreter and shared libraries, at their host paths (libs.c) */
	int nlibs;
	bool verbose;
	/* The host's files through virtio-fs (runtimes.c): the image holds little. */
	bool host_files;
	char **root_links; /* the host root's symlinks (/bin -> usr/bin...) */
	int nroot_links;
};

void app_init(struct app *a);
bool app_option(int opt, const char *arg, struct app *a);
/*
 * Take PROGRAM [ARGS...] from argv, find the program as a shell would, and
 * check that Alto can run it (an x86_64 ELF executable) and that every
 * --add exists; a dynamically linked program gets its interpreter and
 * libraries collected. With several (words after a --: the command-line
 * grammar of alto/commands.h, a word ; & ! or &! separating programs, \;
 * and the like an argument that is one of them), each program is taken so,
 * and a runscript FILE on this host goes into the image with the programs
 * it runs. Exits with status 2 and one clear message when something is wrong.
 */
void app_resolve(struct app *a, int argc, char **argv, bool several);
/*
 * Add to a->libs the interpreter (NULL: none) and every shared library the
 * program at host_path needs, found as ld.so would on this host, and those
 * that shared objects and programs among the --add files need (libs.c).
 */
void app_collect_libs(struct app *a, const char *host_path, const char *interp);
/* The same for the --add entries from first on (runtime trees added later). */
void app_collect_libs_of_adds(struct app *a, int first);
/*
 * What the programs need besides their libraries (runtimes.c): the data
 * trees of the runtimes Alto knows, as --add entries; or the host's system
 * directories as read-only volumes, the image then holding little.
 */
extern const char runtime_help[];
void runtime_add_trees(struct app *a);
void runtime_host_files(struct app *a, struct vm_config *c);
/*
 * Read a manifest (manifest.c): lines GUEST_PATH: HOST_PATH, each a file, a
 * directory tree (DIR, slash, two stars) or a glob, added to a->adds. Exits with status 2 and
 * "FILE:LINE: what is wrong" on a bad line or a missing host file.
 */
void manifest_read(struct app *a, const char *path);
#define MANIFEST_LINE_MAX  (2 * 4096 + 64) /* two paths and the rest */
#define MANIFEST_LINES_MAX 1000000
/* One line of a manifest: its two sides (trimmed, without a trailing DIR/'s stars). */
struct manifest_entry {
	char *guest, *host;
	bool tree; /* a whole tree on both sides */
};
/*
 * Parse one line, changed in place: 0 with e pointing into it, 1 for a blank
 * line or a comment, -1 with the reason written to why (size bytes).
 */
int manifest_parse_line(char *line, struct manifest_entry *e, char *why, size_t size);
/*
 * The dynamic section's strings of an ELF file of size bytes (libs.c): the
 * needed libraries, DT_RUNPATH and DT_RPATH, each NUL-terminated inside the
 * file. Any bytes may be given (every offset is checked); false when they
 * are not a 64-bit ELF file with sound program headers.
 */
#define DYN_NEEDED_MAX 256
struct dyn_info {
	const char *needed[DYN_NEEDED_MAX];
	int nneeded;
	const char *runpath, *rpath;
};
bool elf_read_dynamic(const void *data, size_t size, struct dyn_info *d);
/* The application command line as the kernel splits it (IMAGE_CMDLINE_PATH). */
char *app_cmdline(const struct app *a);
/* Write the image (cpio newc) to path; returns the number of entries. */
unsigned int app_write_image(const struct app *a, const char *path);
/* Write the same files as an ext2 file system of size bytes (0: room to spare) (fsimage.c). */
void app_write_fs_image(const struct app *a, const char *path, unsigned long long size);

/*
 * ext2 images (fsimage.c): the tree in dir, made into a file system of size
 * bytes (0: its files, a quarter more and 64 MiB free) with mke2fs -d.
 */
void fsimage_build(const char *dir, const char *output, unsigned long long size);

/*
 * The image writer (image.c): a cpio newc archive whose file data is
 * page-aligned (lib/cpio.c). Paths are guest paths, absolute; every parent
 * directory is added on the way (mode 0755). Errors end the tool.
 */
struct image;
struct image *image_create(const char *path);
/* The same entries laid out in the directory dir instead, for fsimage_build(). */
struct image *image_create_dir(const char *dir);
/* A host file, directory (recursively, symlinks kept) or symlink at guest. */
void image_add_path(struct image *img, const char *host, const char *guest, bool follow);
void image_add_data(struct image *img, const char *guest, const void *data, size_t size,
		    unsigned int mode);
/* True when guest is in the image already. */
bool image_has(struct image *img, const char *guest);
/* The /etc files glibc reads (passwd, group, hosts...) that the image lacks (etc.c). */
void image_add_etc(struct image *img);
/*
 * A host path at the same guest path, as the host resolves it: every symlink
 * on the way (a directory like /lib -> usr/lib, or the file itself) goes in
 * as a symlink, followed by what it points to.
 */
void image_add_resolved(struct image *img, const char *path);
/* Write the trailer and close; returns the number of entries written. */
unsigned int image_finish(struct image *img);

/*
 * Console input (stdin.c). console_setup() picks the mode: a terminal on
 * both stdin and stdout is handed to QEMU as it is (returns "--tty=COLSxROWS");
 * otherwise stdin is forwarded escaped (returns "--stdin-eof" and sets
 * c->stdin_escape).
 */
const char *console_setup(struct vm_config *c);
/*
 * Whether alto run keeps the program's stdout and stderr apart from the
 * kernel's lines (virtio-console ports, drivers/virtio/console.c): not on a
 * terminal (one tty, as today), and only where QEMU can open our stdout and
 * stderr again by /dev/fd/N (not sockets).
 */
bool console_split_streams(const struct vm_config *c);
/* Whether our stdout and stderr are one file or pipe (2>&1), which one port keeps in order. */
bool console_same_streams(void);
/*
 * Start forwarding our stdin (escaped, then the end marker) into fd; fd is
 * taken over, and closed after the end unless keep_open (for trace requests).
 */
void console_forward_start(int fd, bool keep_open);
/* Ask the kernel for a trace dump through the escaped input; false when there is none. */
bool console_request_trace(void);
/*
 * With split streams: tell the kernel through the requests' pipe (the
 * stop UART's) when the reader of our stdout or stderr, a pipe, is gone,
 * so that the program gets EPIPE and SIGPIPE there as it would natively.
 */
void console_watch_readers(int requests);

/* Bootable disks (disk.c). */
struct disk_config {
	const char *output;
	const char *kernel;  /* alto.elf: multiboot2 on UEFI */
	const char *bzimage; /* alto.bzimage: GRUB's linux on BIOS */
	const char *initrd;  /* the image */
	const char *cmdline; /* the kernel's command line */
	bool qcow2;
};
/* Write the disk, with temporary files in dir. Errors end the tool. */
void disk_build(const struct disk_config *d, const char *dir);
enum disk_format disk_detect(const char *path);
/* Firecracker's JSON configuration, or cloud-hypervisor's command, into dir (vmm.c). */
void vmm_write_config(const char *vmm, const char *dir, const char *kernel, const char *initrd,
		      const char *args, int cpus, unsigned long long memory);
/* A temporary directory under $TMPDIR, removed with what it holds when alto exits. */
char *temp_dir(void);
/*
 * Run a host tool (from the Debian package named) with its standard input
 * from a file (NULL: none) and wait for it; a failure ends alto, naming it.
 */
void run_host_tool(const char *package, const char *input, const char *const argv[]);

int cmd_boot(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_build(int argc, char **argv);

/* Helpers (util.c). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *command);
/*
 * Print the parts (up to NULL) with one write: a reader that stops early
 * (grep -q) then never makes a later write fail with SIGPIPE.
 */
void print_text(FILE *f, const char *const *parts);
void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_memory(const char *s, unsigned long long *out);
/* The directory holding the alto binary (for the default kernel). */
const char *self_dir(void);
char *join_args(int argc, char **argv);
/*
 * A temporary file in $TMPDIR (else /tmp), removed at once and left open, so
 * that nothing remains however the tool ends (SIGKILL included). Returns its
 * descriptor, which children inherit; they and the tool open it again as
 * /dev/fd/N. what names it in a message when it cannot be made.
 */
int temp_file(const char *what);
/*
 * Remove path when the tool ends before remove_on_exit(NULL): at exit, die()
 * included, and on SIGTERM, SIGINT or SIGHUP (a half-written image).
 */
void remove_on_exit(const char *path);
/* path made absolute (against the working directory) with ., .. and // removed. */
char *path_absolute(const char *path);
double now_ms(void);

#endif
