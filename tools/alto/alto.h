/*
 * The alto host tool: builds images and boots them under QEMU. Each
 * sub-command lives in its own file; this header holds what they share.
 */
#ifndef TOOLS_ALTO_H
#define TOOLS_ALTO_H

#include <stdbool.h>

/* Exit statuses of the tool itself (the guest's own status passes through). */
#define ALTO_EXIT_USAGE	  2
#define ALTO_EXIT_TIMEOUT 124
#define ALTO_EXIT_VMM	  125 /* QEMU could not start or failed */

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *machine;	  /* "microvm" or "q35" */
	const char *accel;	  /* "auto", "kvm" or "tcg" */
	const char *cpu_features; /* appended to -cpu, e.g. "+x2apic" */
	unsigned long long memory;
	int cpus;
	double timeout; /* seconds; 0: none */
	const char *cmdline;
	bool dry_run;
	bool verbose;
	bool no_debug_exit; /* leave out isa-debug-exit: power off through ACPI or reset */
};

/* Boot the VM, stream its console, and return the guest's exit status. */
int vm_boot(const struct vm_config *c);
/* "kvm" when the CPU has vmx/svm and /dev/kvm opens, else "tcg". */
const char *vm_pick_accel(void);

int cmd_boot(int argc, char **argv);

/* Helpers (util.c). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_memory(const char *s, unsigned long long *out);
/* The directory holding the alto binary (for the default kernel). */
const char *self_dir(void);
char *join_args(int argc, char **argv);

#endif
