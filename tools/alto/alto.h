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
#include <sys/types.h>

/* Exit statuses of the tool itself (the guest's own status passes through). */
#define ALTO_EXIT_USAGE	  2
#define ALTO_EXIT_TIMEOUT 124
#define ALTO_EXIT_VMM	  125 /* QEMU could not start or failed */

/* What a file given to alto boot is (disk.c): an initrd image or a bootable disk. */
enum disk_format {
	DISK_NONE,
	DISK_RAW,
	DISK_QCOW2
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
	unsigned long long memory;
	int cpus;
	double timeout;	     /* seconds; 0: none */
	double stop_timeout; /* seconds from SIGTERM to the program until the VM is stopped */
	const char *cmdline;
	bool dry_run;
	bool verbose;
	bool no_debug_exit; /* leave out isa-debug-exit: power off through ACPI or reset */
	bool stdin_escape;  /* feed QEMU our stdin through a pipe, escaped (stdin.c) */
};

/* Boot the VM, stream its console, and return the guest's exit status. */
int vm_boot(const struct vm_config *c);
/* "kvm" when the CPU has vmx/svm and /dev/kvm opens, else "tcg". */
const char *vm_pick_accel(void);
/* Defaults for every sub-command that boots: microvm, auto accel, 1 CPU. */
void vm_defaults(struct vm_config *c, unsigned long long memory);
/* Refuse a configuration QEMU would fail on, with a clear message. */
void vm_check(const struct vm_config *c);

/*
 * Options shared by the sub-commands (options.c). Each sub-command joins its
 * own getopt_long table with vm_long_options and/or app_long_options, and
 * hands the options it does not handle itself to vm_option()/app_option(),
 * which return false for an option that is not theirs.
 */
#define VM_SHORT_OPTIONS  "m:c:v"
#define APP_SHORT_OPTIONS "e:"
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
	OPT_FORMAT,
	OPT_BOOTABLE,
	OPT_VMM,
	OPT_FIRMWARE,
};

/* The help text of the shared options, for each sub-command's usage. */
extern const char vm_options_help[];
extern const char app_options_help[];

bool vm_option(int opt, const char *arg, struct vm_config *c);
/*
 * Kernel options come after a -- that ends alto's options and before PROGRAM
 * (they start with --, a program does not): put them, joined, in *out and
 * return the index of PROGRAM.
 */
int kernel_options(int argc, char **argv, int next, char **out);

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
	struct app_add *adds;
	int nadds;
	char **libs; /* the interpreter and shared libraries, at their host paths (libs.c) */
	int nlibs;
	bool verbose;
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

/*
 * The image writer (image.c): a cpio newc archive whose file data is
 * page-aligned (lib/cpio.c). Paths are guest paths, absolute; every parent
 * directory is added on the way (mode 0755). Errors end the tool.
 */
struct image;
struct image *image_create(const char *path);
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
/* Start forwarding our stdin (escaped, then the end marker) into fd; fd is taken over. */
void console_forward_start(int fd);

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

int cmd_boot(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_build(int argc, char **argv);

/* Helpers (util.c). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *command);
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
