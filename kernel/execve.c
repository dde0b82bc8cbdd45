/*
 * execve: the calling process runs another program. Everything that can
 * fail happens first, into a new address space: the file's checks, `#!`
 * scripts (the interpreter named on their first line runs with the script
 * as its argument, up to four levels), the ELF loader (sys/exec.c). Then,
 * past the point of no return, the other threads are made to exit, the
 * credentials become what Linux makes them for a file without set-ID bits
 * (kernel/cred.c), the new address space replaces the old (a vfork parent
 * wakes up), close-on-exec descriptors close, caught signals go back to
 * their default, POSIX timers go, and the thread returns to the new
 * program's entry point with every register cleared, as Linux starts a
 * program.
 */
#include <alto/cpu.h>
#include <alto/cred.h>
#include <alto/exec.h>
#include <alto/fdtable.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/trap.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>
#include "internal.h"

#define SCRIPT_HEAD  256 /* Linux's BINPRM_BUF_SIZE: the #! line must fit */
#define SCRIPT_DEPTH 4	 /* an interpreter may itself be a script this many times */

void exec_args_free(struct exec_args *a)
{
	for (int i = 0; a->argv && i < a->argc; i++)
		kfree(a->argv[i]);
	for (int i = 0; a->envp && i < a->envc; i++)
		kfree(a->envp[i]);
	kfree(a->argv);
	kfree(a->envp);
	*a = (struct exec_args){ 0 };
}

static char *copy_n(const char *s, size_t n)
{
	char *c = kmalloc(n + 1);

	if (c) {
		memcpy(c, s, n);
		c[n] = 0;
	}
	return c;
}

/*
 * The #! line of head (len bytes): the interpreter and the optional single
 * argument (the rest of the line, trimmed), as Linux splits it. Returns 1
 * for a script, 0 for anything else, -ENOEXEC for a line with no interpreter
 * or one cut by the 256-byte limit.
 */
static int parse_script(const char *head, size_t len, char **interp, char **arg)
{
	const char *end, *p, *q;

	*interp = *arg = NULL;
	if (len < 2 || head[0] != '#' || head[1] != '!')
		return 0;
	end = memchr(head, '\n', len);
	if (!end)
		end = head + len;
	for (p = head + 2; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	for (q = p; q < end && *q != ' ' && *q != '\t'; q++)
		;
	if (q == p || (q == head + len && len == SCRIPT_HEAD))
		return -ENOEXEC;
	*interp = copy_n(p, (size_t)(q - p));
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	const char *last = end;
	while (last > q && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r'))
		last--;
	if (last > q)
		*arg = copy_n(q, (size_t)(last - q));
	if (!*interp || (last > q && !*arg)) {
		kfree(*interp);
		kfree(*arg);
		return -ENOMEM;
	}
	return 1;
}

/* argv becomes: interp [arg] filename argv[1..]; takes interp and arg over. */
static int script_argv(struct exec_args *a, char *interp, char *arg, const char *filename)
{
	int extra = arg ? 3 : 2;
	int argc = extra + (a->argc ? a->argc - 1 : 0);
	char **argv = kzalloc(((size_t)argc + 1) * sizeof(char *));
	char *name = copy_n(filename, strlen(filename));

	if (!argv || !name) {
		kfree(argv);
		kfree(name);
		kfree(interp);
		kfree(arg);
		return -ENOMEM;
	}
	argv[0] = interp;
	if (arg)
		argv[1] = arg;
	argv[extra - 1] = name;
	for (int i = 1; i < a->argc; i++)
		argv[extra - 1 + i] = a->argv[i];
	if (a->argc)
		kfree(a->argv[0]);
	kfree(a->argv);
	a->argv = argv;
	a->argc = argc;
	return 0;
}

/*
 * Follow #! lines from *f: on return *f is the ELF file to load (referenced)
 * and a->argv says how to run it. 0 or -errno.
 */
static int resolve_scripts(struct file **f, struct exec_args *a, const char *filename)
{
	char head[SCRIPT_HEAD];

	for (int depth = 0;; depth++) {
		int r = exec_may_run(*f); /* the script's, then each interpreter's */
		if (r)
			return r;
		long n = vfs_pread(*f, head, sizeof(head), 0);
		if (n < 0)
			return (int)n;
		char *interp, *arg;
		r = parse_script(head, (size_t)n, &interp, &arg);
		if (r <= 0)
			return r;
		if (depth == SCRIPT_DEPTH) {
			kfree(interp);
			kfree(arg);
			return -ELOOP;
		}
		/* As Linux: a nested script gets its interpreter's path, the first the file's name.
		 */
		const char *name = depth ? a->argv[0] : filename;
		struct file *next = vfs_open_kernel(interp, O_RDONLY, 0);
		r = IS_ERR(next) ? (int)PTR_ERR(next) : 0;
		if (!r) {
			r = script_argv(a, interp, arg, name);
		} else {
			kfree(interp);
			kfree(arg);
		}
		if (r) {
			if (!IS_ERR(next))
				file_put(next);
			return r;
		}
		file_put(*f);
		*f = next;
	}
}

/* ---- past the point of no return */

/* Make every other thread exit; false when the process is exiting anyway (we must too). */
static bool kill_other_threads(struct process *p, struct thread *t)
{
	unsigned long flags = spin_lock(&p->lock);
	bool lost = p->exiting || (p->exec_thread && p->exec_thread != t);

	if (!lost && p->nthreads > 1)
		p->exec_thread = t;
	spin_unlock(&p->lock, flags);
	if (lost || p->exec_thread != t)
		return !lost;
	signal_kick_all(p);
	flags = spin_lock(&p->threads_wq.lock);
	while (READ_ONCE(p->nthreads) > 1)
		waitq_wait_locked(&p->threads_wq, &flags, 0);
	spin_unlock(&p->threads_wq.lock, flags);
	flags = spin_lock(&p->lock);
	p->exec_thread = NULL;
	lost = p->exiting;
	spin_unlock(&p->lock, flags);
	return !lost;
}

/* The execing thread takes the process's id, as on Linux. */
static void become_main_thread(struct process *p, struct thread *t)
{
	if (t->tid == p->pid)
		return;
	pid_set_thread(t->tid, NULL);
	pid_release(t->tid);
	t->tid = p->pid;
	pid_set_thread(p->pid, t);
}

static void switch_mm(struct process *p, struct thread *t, struct mm *mm)
{
	unsigned long flags = spin_lock(&p->lock);
	struct mm *old = p->mm;
	struct semaphore *vfork_done = p->vfork_done;

	p->mm = mm;
	p->vfork_done = NULL;
	spin_unlock(&p->lock, flags);
	flags = irq_save();
	t->mm = mm;
	mm_activate(mm);
	irq_restore(flags);
	mm_put(old);
	if (vfork_done)
		sem_up(vfork_done);
}

/* Descriptors and dispositions shared with another process are copied first. */
static void unshare_files_and_signals(struct process *p)
{
	struct fdtable *files = p->files, *copy = NULL;
	struct sighand *sh = p->sighand, *sh_copy = NULL;

	if (__atomic_load_n(&files->users, __ATOMIC_ACQUIRE) > 1)
		copy = fdtable_copy(files);
	if (__atomic_load_n(&sh->users, __ATOMIC_ACQUIRE) > 1)
		sh_copy = sighand_copy(sh);
	unsigned long flags = spin_lock(&p->lock);
	if (copy)
		p->files = copy;
	if (sh_copy)
		p->sighand = sh_copy;
	spin_unlock(&p->lock, flags);
	if (copy)
		fdtable_put(files);
	if (sh_copy)
		sighand_put(sh);
}

/* Registers as Linux starts a program: all zero, at the entry with the new stack. */
static void fresh_frame(const struct exec_image *img)
{
	struct trap_frame *f = syscall_frame();
	uint64_t cs = f->cs, ss = f->ss;

	memset(f, 0, sizeof(*f));
	f->vector = VEC_SYSCALL;
	f->from_app = 1;
	f->error = (uint64_t)-1; /* no longer a call that may restart */
	f->rip = img->entry;
	f->rsp = img->sp;
	f->rflags = 0x202;
	f->cs = cs;
	f->ss = ss;
}

static void commit(struct process *p, struct thread *t, struct mm *mm, const struct exec_image *img,
		   char *exe, const char *filename, struct cred *cred)
{
	if (!kill_other_threads(p, t)) {
		mm_put(mm);
		kfree(exe);
		kfree(img->auxv);
		cred_put(cred);
		process_check_exiting(); /* does not return */
	}
	/* The caller's view at the start wins over another thread's change meanwhile, as on Linux.
	 */
	cred_install(cred);
	become_main_thread(p, t);
	process_thread_release_user(t);
	switch_mm(p, t, mm);
	unshare_files_and_signals(p);
	fdtable_close_cloexec(p->files);
	signal_exec_reset(p);
	posix_timers_exec(p);
	t->altstack = (struct k_stack){ .ss_flags = SS_DISABLE };
	t->sig.restore_mask = false;
	process_set_exe(p, exe, img);
	strlcpy(t->name, process_comm_of(filename), sizeof(t->name));
	unsigned long flags = spin_lock(&proc_tree_lock);
	p->did_exec = true;
	spin_unlock(&proc_tree_lock, flags);
	t->fs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	fpu_reset();
	fresh_frame(img);
}

long process_execve(struct file *f, const char *filename, struct exec_args *a)
{
	struct process *p = current_process();
	struct exec_image img;
	struct mm *mm = NULL;
	struct cred *old = cred_current(), *cred = cred_for_exec(old);
	char *exe = NULL;
	int r;

	cred_put(old);
	file_get(f);
	r = resolve_scripts(&f, a, filename);
	if (!r && !cred)
		r = -ENOMEM;
	if (!r && !(mm = mm_create()))
		r = -ENOMEM;
	if (!r && !(exe = kmalloc(PATH_MAX)))
		r = -ENOMEM;
	if (!r && vfs_file_path(f, exe, PATH_MAX) < 0)
		strlcpy(exe, filename, PATH_MAX);
	if (!r)
		r = exec_load_file(mm, f, filename, a->argc, a->argv, a->envc, a->envp, &img);
	file_put(f);
	if (r) {
		if (mm)
			mm_put(mm);
		kfree(exe);
		cred_put(cred);
		return r;
	}
	commit(p, current_thread(), mm, &img, exe, filename, cred);
	return 0;
}
