/*
 * kernel_main: the boot sequence, one step per line, in order. Each step may
 * rely on everything above it. The boot clock runs from the first instruction
 * (boot.S) to the moment the work starts.
 */
#include <alto/acpi.h>
#include <alto/args.h>
#include <alto/apic.h>
#include <alto/block.h>
#include <alto/boot.h>
#include <alto/console.h>
#include <alto/compiler.h>
#include <alto/cpu.h>
#include <alto/device.h>
#include <alto/mm.h>
#include <alto/net.h>
#include <alto/power.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/smp.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/trace.h>
#include <alto/trap.h>
#include <alto/fpu.h>
#include <alto/futex.h>
#include <alto/late.h>
#include <alto/process.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#define EXIT_USAGE 2

void kernel_main(uint32_t protocol, uint32_t info_pa);

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

	printk("Boot: %s\n", boot_protocol_name(boot_info.protocol));
	printk("CPU: %s%s%s, %u of %u CPU%s online\n", cpu_features.vendor,
	       cpu_features.hypervisor ? ", hypervisor " : "",
	       cpu_features.hypervisor ? cpu_features.hypervisor_id : "", cpu_count,
	       MAX(acpi.ncpus, 1u), acpi.ncpus > 1 ? "s" : "");
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

/* "Cmdline: ..." and "Booted in X.XX ms", unless --quiet (alto run passes it). */
static void print_boot_lines(void)
{
	uint64_t us = time_now_ns() / 1000;

	if (cmdline_has("quiet"))
		return;
	if (cmdline_has("verbose"))
		print_hardware();
	printk("Cmdline: %s\n", boot_info.cmdline);
	printk("Booted in %lu.%02lu ms\n", us / 1000, (us % 1000) / 10);
}

/*
 * A file of the image (the command line file, runscript files) for
 * cmdline_app_commands(): NULL when absent, an ERR_PTR when it cannot be
 * read or is larger than a command line can be.
 */
static const char *read_image_file(const char *path)
{
	struct file *f = vfs_open_kernel(path, O_RDONLY, 0);

	if (IS_ERR(f))
		return PTR_ERR(f) == -ENOENT ? NULL : (const char *)f;
	long size = vfs_file_size(f);
	char *text = size >= 0 && size <= (long)ARGS_MAX_QUOTED ? kmalloc((size_t)size + 1) :
								  ERR_PTR(-E2BIG);
	if (!text)
		text = ERR_PTR(-ENOMEM);
	if (!IS_ERR(text) && vfs_pread(f, text, (size_t)size, 0) != size) {
		kfree(text);
		text = ERR_PTR(-EIO);
	}
	if (!IS_ERR(text))
		text[size] = 0;
	file_put(f);
	return text;
}

static void unpack_initrd(void)
{
	for (int i = 0; i < boot_info.nmodules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		if (initrd_unpack(phys_to_virt(m->start), m->size)) {
			printk("alto: the image cannot be used (see above); nothing runs\n");
			power_off(EXIT_USAGE);
		}
	}
}

static int run_application(void)
{
	struct app_commands apps;

	if (cmdline_app_commands(&apps, read_image_file))
		return EXIT_USAGE;
	print_boot_lines();
	if (!apps.n)
		return 0;
	strace_enabled = cmdline_has("strace");
	syscall_hooks_update();
	late_init_start();
	return launch_commands(&apps);
}

static int run(void)
{
	const char *bad = cmdline_unknown_option();

	if (bad) {
		printk("alto: unknown option %s\n", bad);
		return EXIT_USAGE;
	}
	if (cmdline_has("selftest")) {
		late_init_finish(); /* the tests count pages and heap bytes: nothing else runs */
		print_boot_lines();
		return selftest_run(cmdline_get("selftest"));
	}
	return run_application();
}

__attribute__((no_stack_protector)) void kernel_main(uint32_t protocol, uint32_t info_pa)
{
	BOOT_STEP(cpu_set_percpu(0));
	BOOT_STEP(cpu_features_init());
	BOOT_STEP(cpu_canary_init());
	BOOT_STEP(uart_init());
	BOOT_STEP(traps_init());
	BOOT_STEP(traps_init_cpu(0));
	BOOT_STEP(boot_info_parse(protocol, info_pa));
	BOOT_STEP(memory_init());
	if (cmdline_init())
		power_off(EXIT_USAGE);
	BOOT_STEP(acpi_init(boot_info.rsdp));
	BOOT_STEP(mptable_init());
	if (trace_init())
		power_off(EXIT_USAGE);
	BOOT_STEP(time_init());
	BOOT_STEP(apic_init());
	BOOT_STEP(ioapic_init());
	BOOT_STEP(timers_init());
	BOOT_STEP(sched_init());
	BOOT_STEP(smp_ipi_init());
	BOOT_STEP(irq_enable());
	BOOT_STEP(stop_request_init());
	BOOT_STEP(rtc_init());
	BOOT_STEP(fpu_init());
	BOOT_STEP(syscall_init_cpu());
	BOOT_STEP(fsgsbase_init_cpu());
	BOOT_STEP(smp_init());
	BOOT_STEP(vm_init());
	BOOT_STEP(futex_init());
	BOOT_STEP(process_init());
	BOOT_STEP(devices_init());
	if (vfs_init())
		power_off(EXIT_USAGE);
	bootchart_step("vfs_init()");
	BOOT_STEP(unpack_initrd());
	BOOT_STEP(ramdisk_init());
	BOOT_STEP(sysfs_init());
	BOOT_STEP(procfs_init());
	BOOT_STEP(net_configure());
	if (profile_init())
		power_off(EXIT_USAGE);
	BOOT_STEP(trace_dump_init());
	int status = vfs_mount_boot() ? EXIT_USAGE : run();
	trace_dump_final();
	late_init_finish();
	net_shutdown();
	vfs_shutdown();
	devices_shutdown();
	power_off(status);
}
