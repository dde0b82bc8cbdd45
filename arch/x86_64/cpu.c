/*
 * Per-CPU areas, CPU feature detection and the stack-protector canary. The
 * canary is global (-mstack-protector-guard=global) because FS, where Linux
 * code keeps it, belongs to the application here.
 */
#include <alto/cpu.h>
#include <alto/ksyms.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/x86.h>

struct cpu cpus[MAX_CPUS];
unsigned int cpu_count = 1;
struct cpu_features cpu_features;

uintptr_t __stack_chk_guard = 0x595e9fbd94fda766;

__noreturn void __stack_chk_fail(void);
__noreturn void __stack_chk_fail(void)
{
	uintptr_t at = (uintptr_t)__builtin_return_address(0), off = 0;
	char buf[KSYM_NAME_MAX];
	const char *fn = ksym_lookup(at - 1, &off, buf);

	panic("stack smashing detected in %s+%#lx", fn ? fn : "?", off + 1);
}

void cpu_set_percpu(unsigned int id)
{
	struct cpu *c = &cpus[id];

	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
}

static void copy_regs_string(char *dst, const uint32_t *regs, int n)
{
	memcpy(dst, regs, 4 * n);
	dst[4 * n] = 0;
}

static void detect_hypervisor(void)
{
	struct cpuid h = cpuid(0x40000000, 0);
	uint32_t id[3] = { h.ebx, h.ecx, h.edx };

	copy_regs_string(cpu_features.hypervisor_id, id, 3);
	/* "KVMKVMKVM\0\0\0" with the clocksource-2 feature bit (3) in leaf 0x40000001. */
	if (!memcmp(id, "KVMKVMKVM", 9) && h.eax >= 0x40000001)
		cpu_features.kvmclock = cpuid(0x40000001, 0).eax & (1u << 3);
}

void cpu_features_init(void)
{
	struct cpuid r = cpuid(0, 0);
	uint32_t vendor[3] = { r.ebx, r.edx, r.ecx };

	cpu_features.max_leaf = r.eax;
	copy_regs_string(cpu_features.vendor, vendor, 3);
	r = cpuid(1, 0);
	cpu_features.x2apic = r.ecx & (1u << 21);
	cpu_features.tsc_deadline = r.ecx & (1u << 24);
	cpu_features.xsave = r.ecx & (1u << 26);
	cpu_features.rdrand = r.ecx & (1u << 30);
	cpu_features.hypervisor = r.ecx & (1u << 31);
	if (cpu_features.max_leaf >= 7) {
		cpu_features.rdseed = cpuid(7, 0).ebx & (1u << 18);
		cpu_features.fsgsbase = cpuid(7, 0).ebx & (1u << 0);
	}
	if (cpu_features.xsave && cpu_features.max_leaf >= 0xd)
		cpu_features.xsaveopt = cpuid(0xd, 1).eax & (1u << 0);
	r = cpuid(0x80000001, 0);
	cpu_features.nx = r.edx & (1u << 20);
	cpu_features.pdpe1gb = r.edx & (1u << 26);
	if (cpuid(0x80000000, 0).eax >= 0x80000007)
		cpu_features.invariant_tsc = cpuid(0x80000007, 0).edx & (1u << 8);
	if (cpu_features.hypervisor)
		detect_hypervisor();
}

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		unsigned char ok;
		__asm__ __volatile__("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

/* A boot-time random number: RDRAND when present, mixed with the TSC. */
uint64_t cpu_boot_random(void)
{
	uint64_t v = 0;

	if (cpu_features.rdrand)
		rdrand64(&v);
	v ^= rdtsc() * 0x9e3779b97f4a7c15ull;
	v ^= v >> 29;
	return v;
}

/* Called before anything that the stack protector instruments has a frame. */
__attribute__((no_stack_protector)) void cpu_canary_init(void)
{
	__stack_chk_guard = cpu_boot_random();
}

/*
 * The `syscall` instruction: enabled in EFER, entering syscall_entry with
 * the kernel's segments (STAR) and IF, DF, TF and AC cleared (FMASK).
 */
void syscall_init_cpu(void)
{
	extern char syscall_entry[];

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0x08ull << 32) | (0x10ull << 48));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x40700); /* AC, DF, IF, TF */
}

#define CR4_FSGSBASE (1ul << 16)

void fsgsbase_init_cpu(void)
{
	if (cpu_features.fsgsbase)
		write_cr4(read_cr4() | CR4_FSGSBASE);
}
