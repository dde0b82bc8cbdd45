/*
 * Starting the other CPUs. The MADT lists them; all get INIT and two
 * STARTUPs at once and come up in parallel through the real-mode trampoline
 * (ap_boot.S), each finding its stack by its APIC id. An AP sets up its own
 * descriptor tables, local APIC, FPU and syscall entry, then becomes its
 * CPU's idle thread.
 */
#include <alto/acpi.h>
#include <alto/apic.h>
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/smp.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/trap.h>
#include <alto/x86.h>
#include "internal.h"
#include "irq_trace.h"

#define AP_BOOT_ADDR 0x8000
#define AP_PML4	     0x9000 /* temporary tables, below 4 GiB for the 32-bit CR3 load */
#define AP_PDPT	     0xa000
#define AP_PD	     0xb000
#define AP_WAIT_NS   (2 * NSEC_PER_SEC)

extern char ap_boot_start[], ap_boot_end[], ap_boot_params[];
void ap_entry64(void);
void ap_main(uint32_t apic_id);

uint64_t ap_stack_by_apic[256];
static int8_t cpu_by_apic[256];
static volatile unsigned int online = 1;

/* Identity map of the first GiB (for the trampoline) and the kernel's high half. */
static void build_boot_tables(void)
{
	uint64_t *pml4 = phys_to_virt(AP_PML4), *pdpt = phys_to_virt(AP_PDPT);
	uint64_t *pd = phys_to_virt(AP_PD);
	const uint64_t *kernel = phys_to_virt(paging_kernel_cr3());

	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	for (int i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
	pdpt[0] = AP_PD | PTE_P | PTE_W;
	pml4[0] = AP_PDPT | PTE_P | PTE_W;
	for (int i = 256; i < 512; i++)
		pml4[i] = kernel[i];
}

static void install_trampoline(void)
{
	struct {
		uint32_t cr3, efer;
		uint64_t entry;
	} params = { AP_PML4, EFER_LME | (cpu_features.nx ? EFER_NXE : 0), (uint64_t)ap_entry64 };

	memcpy(phys_to_virt(AP_BOOT_ADDR), ap_boot_start, ap_boot_end - ap_boot_start);
	memcpy(phys_to_virt(AP_BOOT_ADDR + (ap_boot_params - ap_boot_start)), &params,
	       sizeof(params));
	build_boot_tables();
}

/* Give each AP a CPU number and a stack; returns how many there are. */
static unsigned int assign_cpus(uint32_t bsp_apic)
{
	unsigned int n = 1;

	memset(cpu_by_apic, -1, sizeof(cpu_by_apic));
	cpu_by_apic[bsp_apic & 0xff] = 0;
	cpus[0].apic_id = bsp_apic;
	cpus[0].online = true; /* the scheduler places and pushes work only on online CPUs */
	for (unsigned int i = 0; i < acpi.ncpus && n < MAX_CPUS; i++) {
		uint8_t apic = acpi.cpu_apic_ids[i];
		if (apic == bsp_apic)
			continue;
		void *stack = kstack_alloc(KSTACK_SIZE);
		if (!stack)
			break;
		cpus[n].apic_id = apic;
		cpu_by_apic[apic] = (int8_t)n;
		ap_stack_by_apic[apic] = (uint64_t)stack + KSTACK_SIZE;
		n++;
	}
	return n;
}

void smp_init(void)
{
	unsigned int want = assign_cpus(apic_id());

	if (want == 1)
		return;
	apic_timer_calibrate(); /* here, on the BSP's timer: APs reuse the figure */
	install_trampoline();
	/* Hypervisors need no INIT delay; real hardware wants 10 ms. */
	uint64_t init_delay = cpu_features.hypervisor ? 10 * NSEC_PER_USEC : 10 * NSEC_PER_MSEC;
	for (unsigned int i = 1; i < want; i++)
		apic_send_init(cpus[i].apic_id);
	time_delay_ns(init_delay);
	for (int round = 0; round < 2; round++) {
		for (unsigned int i = 1; i < want; i++)
			apic_send_startup(cpus[i].apic_id, AP_BOOT_ADDR >> 12);
		time_delay_ns(200 * NSEC_PER_USEC);
	}
	uint64_t deadline = time_now_ns() + AP_WAIT_NS;
	while (READ_ONCE(online) < want && time_now_ns() < deadline)
		cpu_relax();
	cpu_count = READ_ONCE(online);
	if (cpu_count < want)
		printk("smp: only %u of %u CPUs started\n", cpu_count, want);
}

void ap_main(uint32_t apic)
{
	unsigned int id = (unsigned int)cpu_by_apic[apic & 0xff];

	write_cr3(paging_kernel_cr3());
	cpu_set_percpu(id);
	traps_init_cpu(id);
	apic_init_cpu();
	fpu_init_cpu();
	syscall_init_cpu();
	fsgsbase_init_cpu();
	sched_init_ap(ap_stack_by_apic[apic & 0xff] - KSTACK_SIZE);
	cpus[id].online = true;
	trace_cpu_online(id, cpus[id].apic_id);
	__atomic_add_fetch(&online, 1, __ATOMIC_SEQ_CST);
	sched_idle(); /* never returns */
}
