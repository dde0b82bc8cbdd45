/*
 * The page-fault hook for the application's address space: faults in the
 * program, and in the kernel's user-copy helpers, are resolved by the VM
 * layer; what it cannot resolve comes back as a SIGSEGV code.
 */
#include <alto/cpu.h>
#include <alto/sched.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/vm.h>
#include <alto/x86.h>

static int app_page_fault(struct trap_frame *f, uint64_t addr)
{
	/* The address space whose root is loaded: the thread's own. */
	struct mm *mm = current_thread()->mm;

	if (!mm || addr >= USER_TOP)
		return SEGV_MAPERR;
	/* Reading a file may sleep: only where the faulting code could have. */
	bool can_sleep = (f->rflags & RFLAGS_IF) && !this_cpu()->preempt_count;
	return mm_fault(mm, addr, f->error, can_sleep);
}

void vm_init(void)
{
	page_fault_hook = app_page_fault;
}
