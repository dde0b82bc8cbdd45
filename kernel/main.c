/*
 * kernel_main: the boot sequence, one step per line, in order. Each step may
 * rely on everything above it. The boot clock runs from the first instruction
 * (boot.S) to the moment the work starts.
 */
#include <alto/acpi.h>
#include <alto/apic.h>
#include <alto/boot.h>
#include <alto/console.h>
#include <alto/compiler.h>
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

/* --verbose: what the kernel found, one line per subsystem. */
static void print_hardware(void)
{
	uint64_t mhz = tsc_hz / 1000000;

	printk("CPU: %s%s%s, %u CPU%s described\n", cpu_features.vendor,
	       cpu_features.hypervisor ? ", hypervisor " : "",
	       cpu_features.hypervisor ? cpu_features.hypervisor_id : "", MAX(acpi.ncpus, 1u),
	       acpi.ncpus > 1 ? "s" : "");
	printk("Memory: %lu MiB for the page allocator\n",
	       pages_total_count() >> (20 - PAGE_SHIFT));
	printk("TSC: %lu.%03lu MHz (%s)\n", mhz, (tsc_hz / 1000) % 1000, tsc_source);
	printk("APIC: %s, timer %s\n", apic_x2 ? "x2APIC" : "xAPIC",
	       apic_tsc_deadline ? "TSC-deadline" : "one-shot");
	printk("ACPI: %s, %u IOAPIC%s, power-off %s\n", acpi.present ? "yes" : "no", acpi.nioapics,
	       acpi.nioapics == 1 ? "" : "s",
	       !acpi.s5_valid  ? "without ACPI" :
	       acpi.hw_reduced ? "sleep register" :
				 "PM1 control");
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
	if (cmdline_has("verbose"))
		print_hardware();
	print_boot_time();
	power_off(run());
}
