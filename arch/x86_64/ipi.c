/*
 * Running a function on every CPU (or those of a mask), and TLB shootdown
 * built on it. One request at a time (a sleeping mutex serializes them). The
 * initiator runs the function itself when it is one of the CPUs, and sends
 * the others their IPIs, with preemption off: were it to migrate in between,
 * its new CPU would be skipped. It waits with interrupts enabled and no
 * spinlock held, so a waiting CPU still answers. A shootdown of application
 * addresses goes only to the CPUs that hold that address space, and skips
 * halted idle CPUs among them (lazy TLB, see smp.h).
 */
#include <alto/apic.h>
#include <alto/cpu.h>
#include <alto/interrupt.h>
#include <alto/sched.h>
#include <alto/smp.h>
#include <alto/sync.h>
#include <alto/x86.h>

#define FLUSH_ALL_PAGES 64 /* beyond this many pages, flush the whole TLB */

static struct mutex call_lock = MUTEX_INIT(call_lock);
static void (*call_fn)(void *arg);
static void *call_arg;
static volatile unsigned int call_pending;

static void call_ipi(void *unused)
{
	call_fn(call_arg);
	__atomic_sub_fetch(&call_pending, 1, __ATOMIC_RELEASE);
}

/*
 * Whether cpu must get the IPI. For a shootdown, a lazy CPU need not: the
 * note is written before its lazy flag is read, and it clears the flag
 * before it reads the note, so (both sequentially consistent) one of the two
 * sides sees the other's write.
 */
static bool wants_call(unsigned int cpu, uint64_t mask, bool skip_lazy)
{
	if (cpu == this_cpu()->id || !cpus[cpu].online || !(mask & (1ull << cpu)))
		return false;
	if (!skip_lazy)
		return true;
	__atomic_store_n(&cpus[cpu].tlb_stale, 1, __ATOMIC_SEQ_CST);
	return !__atomic_load_n(&cpus[cpu].tlb_lazy, __ATOMIC_SEQ_CST);
}

static void call_self(uint64_t mask, void (*fn)(void *arg), void *arg)
{
	if (mask & (1ull << this_cpu()->id)) {
		unsigned long flags = irq_save();
		fn(arg);
		irq_restore(flags);
	}
}

static void call_cpus(void (*fn)(void *arg), void *arg, uint64_t mask, bool skip_lazy)
{
	static unsigned int targets[MAX_CPUS];
	unsigned int n = 0;

	if (cpu_count <= 1) {
		call_self(mask, fn, arg);
		return;
	}
	mutex_lock(&call_lock);
	preempt_disable();
	call_fn = fn;
	call_arg = arg;
	for (unsigned int cpu = 0; cpu < cpu_count; cpu++) {
		if (wants_call(cpu, mask, skip_lazy))
			targets[n++] = cpu;
	}
	__atomic_store_n(&call_pending, n, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n; i++)
		apic_send_ipi(cpus[targets[i]].apic_id, VEC_IPI_CALL);
	call_self(mask, fn, arg);
	while (__atomic_load_n(&call_pending, __ATOMIC_ACQUIRE))
		cpu_relax();
	preempt_enable();
	mutex_unlock(&call_lock);
}

void smp_call_all(void (*fn)(void *arg), void *arg)
{
	call_cpus(fn, arg, ~0ull, false);
}

void smp_call_mask(uint64_t mask, void (*fn)(void *arg), void *arg)
{
	call_cpus(fn, arg, mask, false);
}

struct flush_range {
	uintptr_t start, end;
};

static void flush_local(uintptr_t start, uintptr_t end)
{
	if ((end - start) / 4096 > FLUSH_ALL_PAGES) {
		write_cr3(read_cr3());
		return;
	}
	for (uintptr_t va = start; va < end; va += 4096)
		invlpg(va);
}

static void flush_ipi(void *arg)
{
	struct flush_range *r = arg;
	flush_local(r->start, r->end);
}

void tlb_shootdown(uintptr_t start, uintptr_t end)
{
	struct flush_range r = { start, end };

	call_cpus(flush_ipi, &r, ~0ull, false);
}

void tlb_shootdown_user(uint64_t cpus, uintptr_t start, uintptr_t end)
{
	struct flush_range r = { start, end };

	call_cpus(flush_ipi, &r, cpus, true);
}

void tlb_flush_all(void)
{
	tlb_shootdown(0, ~0ul);
}

void tlb_idle_enter(void)
{
	__atomic_store_n(&this_cpu()->tlb_lazy, 1, __ATOMIC_SEQ_CST);
}

void tlb_idle_exit(void)
{
	struct cpu *c = this_cpu();

	__atomic_store_n(&c->tlb_lazy, 0, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&c->tlb_stale, 0, __ATOMIC_SEQ_CST))
		write_cr3(read_cr3()); /* no global pages: this flushes everything */
}

void smp_ipi_init(void)
{
	irq_set_handler(VEC_IPI_CALL, call_ipi, NULL);
}
