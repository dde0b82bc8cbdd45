/*
 * The bootchart: a TSC stamp at the end of each step of kernel_main
 * (BOOT_STEP), of the program's loading, and at its first system call. A
 * stamp costs an rdtsc, so the steps are always recorded; --bootchart
 * prints them when the program makes its first system call (before it can
 * print anything itself), and every trace dump carries them for `alto
 * trace ... perfetto`, which draws them as a track.
 */
#include <alto/boot.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/trace.h>
#include <alto/x86.h>
#include "trace_internal.h"

#define MAX_STEPS 64

struct step {
	uint64_t tsc;
	const char *name;
};

static struct step steps[MAX_STEPS];
static unsigned int nsteps;
bool bootchart_waiting;

void bootchart_step(const char *name)
{
	unsigned int i = __atomic_fetch_add(&nsteps, 1, __ATOMIC_RELAXED);

	if (i < MAX_STEPS)
		steps[i] = (struct step){ rdtsc(), name };
}

void bootchart_for_each(void (*fn)(uint64_t tsc, const char *name, void *arg), void *arg)
{
	unsigned int n = MIN(READ_ONCE(nsteps), (unsigned int)MAX_STEPS);

	for (unsigned int i = 0; i < n; i++)
		fn(steps[i].tsc, steps[i].name, arg);
}

void bootchart_program_entry(void)
{
	bootchart_step("program entry");
	WRITE_ONCE(bootchart_waiting, true);
	syscall_hooks_update();
}

/* A step's name without the call's arguments: "acpi_init(boot_info.rsdp)" is acpi_init. */
static int name_len(const char *name)
{
	const char *paren = strncmp(name, "first", 5) ? strchr(name, '(') : NULL;

	return paren ? (int)(paren - name) : (int)strlen(name);
}

static void print_chart(void)
{
	uint64_t prev = boot_tsc;

	printk("Bootchart (ms from the kernel's first instruction; each step's own time):\n");
	for (unsigned int i = 0; i < MIN(nsteps, (unsigned int)MAX_STEPS); i++) {
		uint64_t at = tsc_to_ns(steps[i].tsc - boot_tsc) / 1000;
		uint64_t own = tsc_to_ns(steps[i].tsc - prev) / 1000;
		printk("  %4lu.%03lu  %8lu.%03lu  %.*s\n", at / 1000, at % 1000, own / 1000,
		       own % 1000, name_len(steps[i].name), steps[i].name);
		prev = steps[i].tsc;
	}
}

void bootchart_first_syscall(unsigned long nr)
{
	if (!__atomic_exchange_n(&bootchart_waiting, false, __ATOMIC_RELAXED))
		return;
	static char name[48];

	snprintf(name, sizeof(name), "first system call (%s)",
		 syscall_name(nr) ? syscall_name(nr) : "?");
	bootchart_step(name);
	syscall_hooks_update();
	if (cmdline_has("bootchart"))
		print_chart();
}
