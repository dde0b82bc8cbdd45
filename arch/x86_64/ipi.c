/*
 * Running a function on every CPU, and TLB shootdown built on it. One
 * request at a time (a sleeping mutex serializes them). The initiator runs
 * the function itself and sends "all but self" with preemption off: were it
 * to migrate in between, its new CPU would be skipped. It waits with
 * interrupts enabled and no spinlock held, so a waiting CPU still answers.
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

void smp_call_all(void (*fn)(void *arg), void *arg)
{
	if (cpu_count <= 1) {
		fn(arg);
		return;
	}
	mutex_lock(&call_lock);
	preempt_disable();
	call_fn = fn;
	call_arg = arg;
	__atomic_store_n(&call_pending, cpu_count - 1, __ATOMIC_RELEASE);
	apic_send_ipi_others(VEC_IPI_CALL);
	fn(arg);
	while (__atomic_load_n(&call_pending, __ATOMIC_ACQUIRE))
		cpu_relax();
	preempt_enable();
	mutex_unlock(&call_lock);
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

	smp_call_all(flush_ipi, &r);
}

void tlb_flush_all(void)
{
	tlb_shootdown(0, ~0ul);
}

void smp_ipi_init(void)
{
	irq_set_handler(VEC_IPI_CALL, call_ipi, NULL);
}
