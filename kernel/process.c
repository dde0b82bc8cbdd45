/*
 * The application process: created once from the command line, it gets the
 * address space, the descriptor table (stdio on the console), the working
 * directory and limits, then its main thread enters the program at ring 0.
 * When it exits, the main kernel thread powers the VM off with its status.
 */
#include <alto/cpu.h>
#include <alto/exec.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/trap.h>
#include <alto/fdtable.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>

struct process *app_process;
static struct semaphore app_done;

void arch_enter_app(uint64_t entry, uint64_t sp) __attribute__((noreturn));

struct start_info {
	uint64_t entry, sp;
};

/* The main thread's first code: enter the program as if returning from a trap. */
static void app_thread_start(void *arg)
{
	struct start_info si = *(struct start_info *)arg;

	kfree(arg);
	arch_enter_app(si.entry, si.sp);
}

static void default_limits(struct process *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlimits[i] = (struct rlimit64){ RLIM_INFINITY, RLIM_INFINITY };
	p->rlimits[RLIMIT_STACK] = (struct rlimit64){ 8ul << 20, RLIM_INFINITY };
	p->rlimits[RLIMIT_NOFILE] = (struct rlimit64){ 1024, 1048576 };
	p->rlimits[RLIMIT_CORE] = (struct rlimit64){ 0, RLIM_INFINITY };
	p->rlimits[RLIMIT_MEMLOCK] = (struct rlimit64){ 8ul << 20, 8ul << 20 };
	p->rlimits[RLIMIT_SIGPENDING] = (struct rlimit64){ 63575, 63575 };
	p->rlimits[RLIMIT_MSGQUEUE] = (struct rlimit64){ 819200, 819200 };
	p->rlimits[RLIMIT_NICE] = (struct rlimit64){ 0, 0 };
	p->rlimits[RLIMIT_RTPRIO] = (struct rlimit64){ 0, 0 };
}

static struct process *process_create(const char *path)
{
	struct process *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->pid = APP_PID;
	spin_init(&p->lock);
	mutex_init(&p->fs_lock);
	list_init(&p->threads);
	p->umask = 022;
	p->start_ns = time_now_ns();
	default_limits(p);
	p->exe_path = kmalloc(strlen(path) + 1);
	p->mm = mm_create();
	p->files = fdtable_create();
	if (!p->exe_path || !p->mm || !p->files || fdtable_setup_stdio(p->files))
		return NULL; /* at boot: the caller reports it and the VM stops */
	strlcpy(p->exe_path, path, strlen(path) + 1);
	p->cwd = vfs_root();
	return p;
}

static int start_main_thread(struct process *p, const struct exec_image *img)
{
	struct start_info *si = kmalloc(sizeof(*si));

	if (!si)
		return -ENOMEM;
	*si = (struct start_info){ img->entry, img->sp };
	struct thread *t = thread_create_app(p, app_thread_start, si, "main");
	if (IS_ERR(t)) {
		kfree(si);
		return (int)PTR_ERR(t);
	}
	t->tid = p->pid; /* as on Linux: the main thread's id is the process id */
	t->detached = true;
	list_append(&p->threads, &t->proc_link);
	p->nthreads = 1;
	sched_wake(t);
	return 0;
}

int process_start(int argc, char **argv, int envc, char **envp)
{
	struct exec_image img;
	struct process *p = process_create(argv[0]);

	if (!p) {
		printk("alto: out of memory starting %s\n", argv[0]);
		return -ENOMEM;
	}
	sem_init(&app_done, 0);
	app_process = p;
	int r = exec_load(p, argv[0], argc, argv, envc, envp, &img);
	if (r)
		return r;
	p->load_base = img.load_base;
	return start_main_thread(p, &img);
}

int process_wait(void)
{
	sem_down(&app_done);
	return wait_status_to_exit(app_process->exit_status);
}

int wait_status_to_exit(int wait_status)
{
	if (wait_status & 0x7f)
		return 128 + (wait_status & 0x7f);
	return (wait_status >> 8) & 0xff;
}

__attribute__((noreturn)) void process_exit(int wait_status)
{
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	bool first = !p->exiting;

	if (first) {
		p->exiting = true;
		p->exit_status = wait_status;
	}
	spin_unlock(&p->lock, flags);
	if (first)
		sem_up(&app_done);
	thread_exit(0);
}
