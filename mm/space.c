/*
 * Address spaces as objects: each struct mm owns a page-table root whose
 * kernel half is every root's, and knows the CPUs whose CR3 holds it. A CPU
 * loads another root only when it switches to a thread of another address
 * space; kernel threads run on whatever is loaded (so a lone process never
 * pays a CR3 load after the first), which is why a CPU may keep a root it
 * no longer runs. TLB shootdowns go to the CPUs of the mask only. Before a
 * root is freed, every CPU that still holds it loads the kernel's.
 *
 * Ordering with shootdowns: a CPU sets its bit (a locked instruction) before
 * it loads the root, and one that changes page tables fences before it reads
 * the mask (mm_tlb_cpus), so either the changer sees the bit or the loader's
 * CR3 write comes after the change and its TLB starts empty (no PCID yet).
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/smp.h>
#include <alto/spinlock.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include "internal.h"

static struct spinlock all_lock = SPINLOCK_INIT; /* the list, users and refs */
static struct list all_mms = LIST_INIT(all_mms);

int mm_space_init(struct mm *mm)
{
	mm->root = paging_root_create();
	if (!mm->root)
		return -1;
	mm->cr3 = paging_root_cr3(mm->root);
	mm->users = 1;
	mm->refs = 1;
	unsigned long flags = spin_lock(&all_lock);
	list_append(&all_mms, &mm->all_link);
	spin_unlock(&all_lock, flags);
	return 0;
}

void mm_activate(struct mm *mm)
{
	struct cpu *c = this_cpu();
	struct mm *old = c->mm;
	uint64_t bit = 1ull << c->id;

	if (mm == old)
		return;
	__atomic_fetch_or(&mm->cpus, bit, __ATOMIC_SEQ_CST);
	write_cr3(mm->cr3);
	c->mm = mm;
	if (old)
		__atomic_fetch_and(&old->cpus, ~bit, __ATOMIC_SEQ_CST);
}

/* This CPU stops holding mm (if it did): the kernel's root goes in. Interrupts off. */
static void leave(void *arg)
{
	struct mm *mm = arg;
	struct cpu *c = this_cpu();

	if (c->mm != mm)
		return;
	write_cr3(paging_kernel_cr3());
	c->mm = NULL;
	__atomic_fetch_and(&mm->cpus, ~(1ull << c->id), __ATOMIC_SEQ_CST);
}

uint64_t mm_tlb_cpus(struct mm *mm)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the table changes before the mask is read */
	return __atomic_load_n(&mm->cpus, __ATOMIC_SEQ_CST);
}

void mm_space_release(struct mm *mm)
{
	/* No thread of mm runs any more: CPUs that keep its root only for kernel threads. */
	uint64_t cpus = mm_tlb_cpus(mm);

	if (cpus)
		smp_call_mask(cpus, leave, mm);
	BUG_ON(__atomic_load_n(&mm->cpus, __ATOMIC_SEQ_CST));
	paging_root_free(mm->root);
	mm->root = NULL;
}

void mm_get(struct mm *mm)
{
	unsigned long flags = spin_lock(&all_lock);

	mm->users++;
	mm->refs++;
	spin_unlock(&all_lock, flags);
}

/* Drop a reference, all_lock held; true when the struct is to be freed now. */
static bool unref_locked(struct mm *mm)
{
	if (--mm->refs)
		return false;
	list_remove(&mm->all_link);
	return true;
}

void mm_unref(struct mm *mm)
{
	unsigned long flags = spin_lock(&all_lock);
	bool last = unref_locked(mm);

	spin_unlock(&all_lock, flags);
	if (last)
		kfree(mm);
}

void mm_pin(struct mm *mm)
{
	unsigned long flags = spin_lock(&all_lock);

	mm->refs++;
	spin_unlock(&all_lock, flags);
}

void mm_put(struct mm *mm)
{
	unsigned long flags = spin_lock(&all_lock);
	bool last = --mm->users == 0;

	spin_unlock(&all_lock, flags);
	if (!last)
		return;
	mm_teardown(mm);
	mm_unref(mm);
}

void mm_for_each(void (*fn)(struct mm *mm, void *arg), void *arg)
{
	unsigned long flags = spin_lock(&all_lock);
	struct list *pos = all_mms.next;

	while (pos != &all_mms) {
		struct mm *mm = list_entry(pos, struct mm, all_link);
		if (!mm->users) {
			pos = pos->next;
			continue;
		}
		mm->refs++; /* keeps it in the list while the lock is dropped */
		spin_unlock(&all_lock, flags);
		fn(mm, arg);
		flags = spin_lock(&all_lock);
		pos = pos->next;
		if (unref_locked(mm))
			kfree(mm); /* under the lock: pos may not go meanwhile */
	}
	spin_unlock(&all_lock, flags);
}
