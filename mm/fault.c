/*
 * The page-fault hook for the application's address space: faults in the
 * program, and in the kernel's user-copy helpers, are resolved by the VM
 * layer; what it cannot resolve comes back as a SIGSEGV code.
 */
#include <alto/process.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/vm.h>

static int app_page_fault(struct trap_frame *f, uint64_t addr)
{
	struct process *p = current_process();

	if (!p || !p->mm || addr >= USER_TOP)
		return SEGV_MAPERR;
	return mm_fault(p->mm, addr, f->error);
}

void vm_init(void)
{
	page_fault_hook = app_page_fault;
}
