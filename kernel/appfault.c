/*
 * Reporting a fault in the application's code the way a kernel fault is
 * reported: what and where, the registers, and the program's own symbols for
 * the instruction and for the return addresses found through its frame
 * pointers (where it keeps them), read from the executable's symbol table.
 */
#include <alto/cpu.h>
#include <alto/elf.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/fcntl.h>

#define FILE_MAX (256ul << 20)
#define FRAMES	 16

struct exe_image {
	void *data;
	size_t size;
	uint64_t base;
};

/* The executable's bytes, for its symbol table; NULL when it cannot be read. */
static bool read_exe(struct process *p, struct exe_image *img)
{
	struct file *f = vfs_open_kernel(p->exe_path, O_RDONLY, 0);

	if (IS_ERR(f))
		return false;
	long size = vfs_file_size(f);
	img->data = size > 0 && (size_t)size < FILE_MAX ? kmalloc((size_t)size) : NULL;
	img->size = (size_t)size;
	img->base = p->load_base;
	bool ok = img->data && vfs_pread(f, img->data, img->size, 0) == size;
	file_put(f);
	return ok;
}

static void print_location(const char *prefix, uint64_t addr, const struct exe_image *img)
{
	uint64_t off = 0;
	const char *name =
		img->data ? elf_symbol(img->data, img->size, addr - img->base, &off) : NULL;

	if (name)
		printk("%s%016lx %s+%#lx\n", prefix, addr, name, off);
	else
		printk("%s%016lx\n", prefix, addr);
}

static bool in_program(const struct exe_image *img, uint64_t ret)
{
	uint64_t off;
	return img->data && elf_symbol(img->data, img->size, ret - 1 - img->base, &off);
}

/*
 * Follow the program's frame pointers as far as they lead to its own code.
 * A fault at a function's first instruction has no frame yet: its caller's
 * return address is then at the top of the stack.
 */
static void app_backtrace(const struct trap_frame *f, const struct exe_image *img)
{
	uint64_t rbp = f->rbp, off = 0, ret;
	int n = 1;
	char prefix[16];

	print_location("  [0] ", f->rip, img);
	if (img->data && elf_symbol(img->data, img->size, f->rip - img->base, &off) && off == 0 &&
	    !get_user(ret, (uint64_t __user *)f->rsp) && in_program(img, ret)) {
		print_location("  [1] ", ret, img);
		n++;
	}
	for (; n < FRAMES && rbp && IS_ALIGNED(rbp, 8); n++) {
		uint64_t frame[2];
		if (copy_from_user(frame, (void *)rbp, sizeof(frame)) || !in_program(img, frame[1]))
			break;
		snprintf(prefix, sizeof(prefix), "  [%d] ", n);
		print_location(prefix, frame[1], img);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

static const char *fault_kind(int sig, int code)
{
	if (sig == SIGSEGV)
		return code == SEGV_ACCERR ? "access not allowed by the mapping" :
					     "address not mapped";
	if (sig == SIGFPE)
		return "arithmetic error";
	if (sig == SIGILL)
		return "illegal instruction";
	if (sig == SIGTRAP)
		return "breakpoint";
	return "bus error";
}

void app_fault_report(struct trap_frame *f, int sig, int code, uint64_t addr)
{
	struct process *p = current_process();
	struct thread *t = current_thread();
	struct exe_image img = { 0 };

	irq_enable(); /* reading the executable may sleep */
	read_exe(p, &img);
	printk("\nFatal application fault: %s (%s) at %016lx, vector %u, error %#lx\n",
	       signal_name(sig), fault_kind(sig, code), addr, f->vector, f->error);
	printk("  program %s, process %d, thread %d\n", p->exe_path, p->pid, t->tid);
	trap_regs_print(f);
	printk("Backtrace (the program's symbols):\n");
	app_backtrace(f, &img);
	printk("Memory map:\n");
	mm_print(p->mm);
	kfree(img.data);
}
