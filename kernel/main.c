/*
 * kernel_main: the boot sequence, one step per line, in order. Each step may
 * rely on everything above it. The boot clock runs from the first instruction
 * (boot.S) to the moment the work starts.
 */
#include <alto/acpi.h>
#include <alto/apic.h>
#include <alto/boot.h>
#include <alto/console.h>
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/power.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/trap.h>

#define EXIT_USAGE 2

void kernel_main(uint32_t start_info_pa);

static void memory_init(void)
{
	struct mem_range reserved[BOOT_MAX_MODULES + 4];
	int nres = boot_reserved_ranges(reserved, ARRAY_SIZE(reserved));

	mm_init(boot_info.memmap, boot_info.nmemmap, reserved, nres);
}

static void print_boot_time(void)
{
	uint64_t us = time_now_ns() / 1000;

	printk("Booted in %lu.%02lu ms\n", us / 1000, (us % 1000) / 10);
}

static int run(void)
{
	const char *bad = cmdline_unknown_option();

	if (bad) {
		printk("alto: unknown option %s\n", bad);
		return EXIT_USAGE;
	}
	if (cmdline_has("selftest"))
		return selftest_run(cmdline_get("selftest"));
	if (*cmdline_app()) {
		printk("alto: cannot run \"%s\": this kernel does not run applications yet\n",
		       cmdline_app());
		return EXIT_USAGE;
	}
	return 0;
}

__attribute__((no_stack_protector)) void kernel_main(uint32_t start_info_pa)
{
	cpu_set_percpu(0);
	cpu_features_init();
	cpu_canary_init();
	uart_init();
	traps_init();
	traps_init_cpu(0);
	boot_info_parse(start_info_pa);
	printk("Cmdline: %s\n", boot_info.cmdline);
	memory_init();
	acpi_init(boot_info.rsdp);
	time_init();
	apic_init();
	ioapic_init();
	timers_init();
	sched_init();
	irq_enable();
	uart_enable_input();
	print_boot_time();
	power_off(run());
}
