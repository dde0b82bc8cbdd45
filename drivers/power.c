/*
 * Power-off, trying each way out in turn until one stops the VM: the status
 * reaches the host only through isa-debug-exit; the others end the VM with
 * whatever status the hypervisor reports.
 */
#include <alto/acpi.h>
#include <alto/power.h>
#include <alto/printk.h>
#include <alto/time.h>
#include <alto/x86.h>

#define DEBUG_EXIT_PORT 0xf4
#define I8042_CMD	0x64
#define I8042_RESET	0xfe

static void triple_fault(void)
{
	struct __packed {
		uint16_t limit;
		uint64_t base;
	} empty = { 0, 0 };

	__asm__ __volatile__("lidt %0; int3" : : "m"(empty));
}

static void status_port_write(const char *s)
{
	while (*s)
		outb(POWER_STATUS_PORT, (uint8_t)*s++);
}

static void report_status(int status)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "\n" POWER_STATUS_TAG "%d\n", status);
	status_port_write(buf);
}

/*
 * Hypervisors act on ACPI and reset requests asynchronously: give each
 * request time to end the VM before trying the next one.
 */
static void settle(void)
{
	if (tsc_hz) {
		time_delay_ns(100 * NSEC_PER_MSEC);
		return;
	}
	for (long i = 0; i < 10000000; i++)
		cpu_relax();
}

__noreturn void power_off(int status)
{
	irq_disable();
	report_status(status);
	/* QEMU exits here with (status << 1) | 1 when -device isa-debug-exit is there. */
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	status_port_write(POWER_METHOD_TAG "acpi-s5\n");
	acpi_power_off();
	settle();
	/* Firecracker and QEMU with -no-reboot stop on the keyboard controller reset. */
	status_port_write(POWER_METHOD_TAG "i8042-reset\n");
	outb(I8042_CMD, I8042_RESET);
	settle();
	status_port_write(POWER_METHOD_TAG "triple-fault\n");
	triple_fault();
	for (;;)
		halt();
}

__noreturn void power_off_panic(void)
{
	status_port_write("\n" POWER_PANIC_TAG "\n");
	power_off(EXIT_PANIC);
}
