/*
 * /proc/PID and /proc/PID/task/TID: the process as Linux shows it, in
 * Linux's exact formats, because debuggers, JVMs and C libraries parse
 * them (maps column by column, stat by field number). State is copied
 * under the owning subsystem's lock into a snapshot, then formatted.
 */
#include <alto/cred.h>
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>
#include "procfs.h"

#define USER_HZ 100 /* the unit of times in stat (AT_CLKTCK) */

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / USER_HZ);
}

/* ---- the numbered entries */

long proc_next_pid(const struct proc_node *dir, long from)
{
	return from > INT32_MAX ? -1 : process_next_pid((int)MAX(from, (long)INIT_PID + 1));
}

static long next_tid(const struct proc_node *dir, long from)
{
	struct process *p = proc_process(dir);
	long best = -1;
	struct list *l;

	if (!p)
		return -1;
	unsigned long flags = spin_lock(&p->lock);
	list_for_each(l, &p->threads) {
		int tid = list_entry(l, struct thread, proc_link)->tid;
		if (tid >= from && (best < 0 || tid < best))
			best = tid;
	}
	spin_unlock(&p->lock, flags);
	process_put(p);
	return best;
}

static long next_fd(const struct proc_node *dir, long from)
{
	struct process *p = proc_process(dir);
	struct fdtable *t = p ? process_files(p) : NULL;
	long fd = t && from <= INT32_MAX ? fd_next(t, (int)from) : -1;

	fdtable_put(t);
	process_put(p);
	return fd;
}

/* ---- snapshots */

/* One thread, copied under the process lock. */
struct task_snap {
	char name[THREAD_NAME_LEN];
	enum thread_state state;
	bool stopped;
	unsigned int umask;
	unsigned int cpu;
	uint64_t cpu_ns, wakeups, affinity;
	ksigset_t blocked, pending;
};

static bool snap_task(struct process *p, int tid, struct task_snap *s)
{
	bool found = false;
	struct list *l;
	unsigned long flags = spin_lock(&p->lock);

	list_for_each(l, &p->threads) {
		struct thread *t = list_entry(l, struct thread, proc_link);
		if (t->tid != tid)
			continue;
		memcpy(s->name, t->name, sizeof(s->name));
		s->name[sizeof(s->name) - 1] = 0;
		s->state = t == current_thread() ? THREAD_RUNNING : READ_ONCE(t->state);
		s->cpu = t->cpu;
		s->cpu_ns = cputime_thread_ns(t);
		s->wakeups = t->wakeups;
		s->affinity = t->affinity;
		s->blocked = t->sigmask;
		s->pending = t->sig.pending.set;
		s->stopped = p->stopped;
		s->umask = p->fs ? READ_ONCE(p->fs->umask) : 0;
		found = true;
		break;
	}
	spin_unlock(&p->lock, flags);
	return found;
}

/* What the process's signals look like, for status and stat. */
struct sig_snap {
	ksigset_t shared, ignored, caught;
	unsigned int queued, nthreads;
	uint64_t queue_limit;
};

static void snap_signals(struct process *p, struct sig_snap *s)
{
	unsigned long flags = spin_lock(&p->lock);

	*s = (struct sig_snap){ .shared = p->shared_pending.set,
				.queued = p->sigqueued,
				.nthreads = p->nthreads,
				.queue_limit = p->rlimits[RLIMIT_SIGPENDING].rlim_cur };
	for (int sig = 1; sig < NSIG; sig++) {
		uint64_t h = signal_handler_of(p, sig);
		if (h == SIG_IGN)
			s->ignored |= SIGMASK(sig);
		else if (h != SIG_DFL)
			s->caught |= SIGMASK(sig);
	}
	spin_unlock(&p->lock, flags);
}

/* Sizes of the address space in bytes, by kind, as Linux's status counts them. */
struct mem_snap {
	uint64_t size, data, stack, exec, rss;
	uintptr_t code_start, code_end, brk_start;
};

#define VMA_BATCH 16

static void snap_memory(struct process *p, struct mem_snap *m)
{
	struct vma_info v[VMA_BATCH];
	struct mm *mm = process_mm(p);
	uintptr_t from = 0;
	int n;

	*m = (struct mem_snap){ .rss = mm ? READ_ONCE(mm->resident) * PAGE_SIZE : 0 };
	while (mm && (n = mm_vmas(mm, from, v, VMA_BATCH)) > 0) {
		for (int i = 0; i < n; i++) {
			uint64_t len = v[i].end - v[i].start;
			m->size += len;
			if (v[i].flags & VMA_STACK)
				m->stack += len;
			else if ((v[i].prot & PROT_WRITE) && !(v[i].flags & VMA_SHARED))
				m->data += len;
			else if ((v[i].prot & PROT_EXEC) && !(v[i].flags & VMA_SPECIAL)) {
				m->exec += len;
				if (!m->code_start)
					m->code_start = v[i].start, m->code_end = v[i].end;
			}
			if (v[i].file)
				file_put(v[i].file);
		}
		from = v[n - 1].end;
	}
	if (mm) {
		m->brk_start = mm->brk_start;
		mm_unref(mm);
	}
}

/* ---- maps */

/* The name at the end of a maps line: the file's path or what the area is. */
static void maps_name(struct pbuf *b, const struct vma_info *v, size_t line_start)
{
	const char *name = v->flags & VMA_STACK	     ? "[stack]" :
			   v->flags & VMA_HEAP	     ? "[heap]" :
			   !(v->flags & VMA_SPECIAL) ? NULL :
			   v->prot & PROT_EXEC	     ? "[vdso]" :
						       "[vvar]";
	char *path = NULL;

	if (v->file) {
		path = kmalloc(PATH_MAX);
		if (path && vfs_file_path(v->file, path, PATH_MAX) >= 0)
			name = path;
	}
	if (name) {
		/* Linux pads the fixed columns to 73 characters before the name. */
		size_t col = b->len - line_start;
		for (; col < 73; col++)
			pb_write(b, " ", 1);
		pb_printf(b, "%s", name);
	}
	kfree(path);
}

static void show_maps(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);
	struct mm *mm = p ? process_mm(p) : NULL;
	struct vma_info v[VMA_BATCH];
	uintptr_t from = 0;
	int count;

	process_put(p);
	if (!mm)
		return;
	while ((count = mm_vmas(mm, from, v, VMA_BATCH)) > 0) {
		for (int i = 0; i < count; i++) {
			uint64_t dev = v[i].file ? v[i].file->vnode->mount->dev : 0;
			uint64_t ino = v[i].file ? v[i].file->vnode->ino : 0;
			size_t start = b->len;
			pb_printf(b, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", v[i].start,
				  v[i].end, v[i].prot & PROT_READ ? 'r' : '-',
				  v[i].prot & PROT_WRITE ? 'w' : '-',
				  v[i].prot & PROT_EXEC ? 'x' : '-',
				  v[i].flags & VMA_SHARED ? 's' : 'p', v[i].offset,
				  major_linux(dev), minor_linux(dev), ino);
			maps_name(b, &v[i], start);
			pb_write(b, "\n", 1);
			if (v[i].file)
				file_put(v[i].file);
		}
		from = v[count - 1].end;
	}
	mm_unref(mm);
}

/* ---- memory of the application: argv, envp, auxv */

/* Bytes of the process's memory (its address space, not the reader's). */
static void show_user_range(struct pbuf *b, struct process *p, bool env)
{
	struct mm *mm = process_mm(p);
	char chunk[256];
	uintptr_t start = env ? p->env_start : p->arg_start, end = env ? p->env_end : p->arg_end;

	while (mm && start < end) {
		size_t len = MIN(end - start, sizeof(chunk));
		if (mm_read(mm, start, chunk, len))
			break;
		pb_write(b, chunk, len);
		start += len;
	}
	if (mm)
		mm_unref(mm);
}

static void show_cmdline(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);

	if (p)
		show_user_range(b, p, false);
	process_put(p);
}

static void show_environ(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);

	if (p)
		show_user_range(b, p, true);
	process_put(p);
}

static void show_auxv(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);

	if (p && p->auxv && p->state == PROCESS_ALIVE)
		pb_write(b, p->auxv, p->auxv_words * sizeof(uint64_t));
	process_put(p);
}

/* ---- status, stat, statm */

static const char *state_name(enum thread_state s, bool stopped)
{
	if (stopped && s != THREAD_EXITING && s != THREAD_DEAD)
		return "T (stopped)";
	switch (s) {
	case THREAD_RUNNING:
	case THREAD_RUNNABLE:
		return "R (running)";
	case THREAD_BLOCKED:
		return "S (sleeping)";
	default:
		return "X (dead)";
	}
}

static uint64_t online_mask(void)
{
	return cpu_count >= 64 ? ~0ull : (1ull << cpu_count) - 1;
}

/* The first lines of status; a zombie has no umask line and no descriptors (t NULL). */
static void status_ids(struct pbuf *b, struct process *p, int tid, const struct task_snap *t,
		       const struct cred *c)
{
	struct fdtable *files = process_files(p);
	unsigned int fdsize = files ? READ_ONCE(files->size) : 0;
	int ppid, pgid, sid;

	fdtable_put(files);
	process_ids(p, &ppid, &pgid, &sid);
	if (t)
		pb_printf(b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\n", t->name, t->umask,
			  state_name(t->state, t->stopped));
	else
		pb_printf(b, "Name:\t%s\nState:\tZ (zombie)\n", p->comm);
	pb_printf(b,
		  "Tgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		  "PPid:\t%d\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		  "FDSize:\t%u\nGroups:\t",
		  p->pid, tid, ppid, c->uid, c->euid, c->suid, c->fsuid, c->gid, c->egid, c->sgid,
		  c->fsgid, fdsize);
	for (unsigned int i = 0; i < c->ngroups; i++)
		pb_printf(b, i ? " %u" : "%u", c->groups[i]);
	pb_printf(b, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t0\n", p->pid,
		  tid, pgid, sid);
}

static void status_memory(struct pbuf *b, const struct mem_snap *m)
{
	pb_printf(b,
		  "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n"
		  "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t%8lu kB\n"
		  "RssShmem:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n"
		  "VmLib:\t%8lu kB\nVmPTE:\t%8lu kB\nVmSwap:\t%8lu kB\nHugetlbPages:\t%8lu kB\n"
		  "CoreDumping:\t0\nTHP_enabled:\t1\n",
		  m->size >> 10, m->size >> 10, 0ul, 0ul, m->rss >> 10, m->rss >> 10, m->rss >> 10,
		  0ul, 0ul, m->data >> 10, m->stack >> 10, m->exec >> 10, 0ul, 0ul, 0ul, 0ul);
}

static void status_signals(struct pbuf *b, const struct sig_snap *s, const struct task_snap *t)
{
	pb_printf(b,
		  "Threads:\t%u\nSigQ:\t%u/%lu\nSigPnd:\t%016lx\nShdPnd:\t%016lx\n"
		  "SigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
		  s->nthreads, s->queued, s->queue_limit, t->pending, s->shared, t->blocked,
		  s->ignored, s->caught);
}

static void status_rest(struct pbuf *b, const struct task_snap *t, const struct cred *c)
{
	uint64_t allowed = t->affinity & online_mask();

	pb_printf(b,
		  "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\n"
		  "CapAmb:\t%016x\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		  "Speculation_Store_Bypass:\tvulnerable\n"
		  "SpeculationIndirectBranch:\talways enabled\n",
		  c->cap_inheritable, c->cap_permitted, c->cap_effective, CAP_FULL_SET, 0);
	pb_printf(b, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t", allowed);
	pb_cpu_list(b, allowed);
	pb_printf(b,
		  "Mems_allowed:\t00000001\nMems_allowed_list:\t0\n"
		  "voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t0\n",
		  t->wakeups);
}

/* The thread a node is about: its own for task/TID, the main thread's for /proc/PID. */
static int node_tid(const struct proc_node *n)
{
	return n->tid ? n->tid : n->pid;
}

/* A zombie (the process, not a thread of it): no memory, one thread, as Linux shows it. */
static bool zombie(const struct proc_node *n, struct process *p)
{
	return !n->tid && READ_ONCE(p->state) == PROCESS_ZOMBIE;
}

static void show_status(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);
	struct task_snap t = { .affinity = ~0ull };
	struct sig_snap s;
	struct mem_snap m;

	struct cred *c = p ? cred_of_process(p) : NULL;
	if (p && zombie(n, p)) {
		snap_signals(p, &s);
		s.nthreads = 1;
		status_ids(b, p, p->pid, NULL, c);
		status_signals(b, &s, &t);
		status_rest(b, &t, c);
	} else if (p && snap_task(p, node_tid(n), &t)) {
		snap_signals(p, &s);
		snap_memory(p, &m);
		status_ids(b, p, node_tid(n), &t, c);
		status_memory(b, &m);
		status_signals(b, &s, &t);
		status_rest(b, &t, c);
	}
	cred_put(c);
	process_put(p);
}

static void show_stat(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);
	int tid = node_tid(n), ppid, pgid, sid;
	struct task_snap t = { 0 };
	struct sig_snap s;
	struct mem_snap m = { 0 };
	bool dead = p && zombie(n, p);

	if (!p || (!dead && !snap_task(p, tid, &t))) {
		process_put(p);
		return;
	}
	snap_signals(p, &s);
	if (dead) {
		memcpy(t.name, p->comm, sizeof(t.name));
		s.nthreads = 1;
	} else {
		snap_memory(p, &m);
	}
	process_ids(p, &ppid, &pgid, &sid);
	uint64_t cpu = n->tid ? t.cpu_ns : cputime_process_ns(p);
	pb_printf(b,
		  "%d (%s) %c %d %d %d 0 -1 4194560 0 0 0 0 %lu 0 0 0 20 0 %u 0 %lu %lu %lu %lu ",
		  tid, t.name, dead ? 'Z' : state_name(t.state, t.stopped)[0], ppid, pgid, sid,
		  ns_to_ticks(cpu), s.nthreads, ns_to_ticks(p->start_ns), m.size, m.rss / PAGE_SIZE,
		  p->rlimits[RLIMIT_RSS].rlim_cur);
	pb_printf(b, "%lu %lu %lu 0 0 %lu %lu %lu %lu 0 0 0 %d %u 0 0 0 0 0 ", m.code_start,
		  m.code_end, dead ? 0 : p->start_stack, t.pending | s.shared, t.blocked, s.ignored,
		  s.caught, p->exit_signal, t.cpu);
	pb_printf(b, "0 0 %lu %lu %lu %lu %lu %d\n", m.brk_start, dead ? 0 : p->arg_start,
		  dead ? 0 : p->arg_end, dead ? 0 : p->env_start, dead ? 0 : p->env_end,
		  dead ? p->exit_status : 0);
	process_put(p);
}

static void show_statm(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);
	struct mem_snap m;

	if (!p)
		return;
	snap_memory(p, &m);
	pb_printf(b, "%lu %lu 0 %lu 0 %lu 0\n", m.size / PAGE_SIZE, m.rss / PAGE_SIZE,
		  m.exec / PAGE_SIZE, (m.data + m.stack) / PAGE_SIZE);
	process_put(p);
}

static void show_comm(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);
	struct task_snap t;

	if (p && zombie(n, p))
		pb_printf(b, "%s\n", p->comm);
	else if (p && snap_task(p, node_tid(n), &t))
		pb_printf(b, "%s\n", t.name);
	process_put(p);
}

/* ---- limits, mounts, cgroup */

static const struct {
	const char *name, *unit;
} limit_names[RLIM_NLIMITS] = {
	{ "Max cpu time", "seconds" },	   { "Max file size", "bytes" },
	{ "Max data size", "bytes" },	   { "Max stack size", "bytes" },
	{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
	{ "Max processes", "processes" },  { "Max open files", "files" },
	{ "Max locked memory", "bytes" },  { "Max address space", "bytes" },
	{ "Max file locks", "locks" },	   { "Max pending signals", "signals" },
	{ "Max msgqueue size", "bytes" },  { "Max nice priority", NULL },
	{ "Max realtime priority", NULL }, { "Max realtime timeout", "us" },
};

static void limit_value(struct pbuf *b, uint64_t v)
{
	if (v == RLIM_INFINITY)
		pb_printf(b, "%-20s ", "unlimited");
	else
		pb_printf(b, "%-20lu ", v);
}

static void show_limits(struct pbuf *b, const struct proc_node *n)
{
	struct process *p = proc_process(n);
	struct rlimit64 lim[RLIM_NLIMITS];

	if (!p)
		return;
	unsigned long flags = spin_lock(&p->lock);
	memcpy(lim, p->rlimits, sizeof(lim));
	spin_unlock(&p->lock, flags);
	process_put(p);
	pb_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		pb_printf(b, "%-25s ", limit_names[i].name);
		limit_value(b, lim[i].rlim_cur);
		limit_value(b, lim[i].rlim_max);
		if (limit_names[i].unit)
			pb_printf(b, "%-10s\n", limit_names[i].unit);
		else
			pb_write(b, "\n", 1);
	}
}

struct mounts_ctx {
	struct pbuf *b;
	bool info; /* mountinfo's format, else mounts' */
	char *path;
};

static void show_one_mount(struct mount *m, void *arg)
{
	struct mounts_ctx *c = arg;

	if (!m->covered)
		strlcpy(c->path, "/", PATH_MAX);
	else if (vfs_dir_path(m->covered, c->path, PATH_MAX) < 0)
		return;
	const char *rw = m->flags & MNT_RDONLY ? "ro" : "rw";
	char opts[96] = "";
	if (m->ops && m->ops->show_options)
		m->ops->show_options(m, opts, sizeof(opts));
	if (!c->info) {
		pb_printf(c->b, "%s %s %s %s%s%s,relatime%s 0 0\n", m->source, c->path, m->fstype,
			  rw, m->flags & MNT_NOSUID ? ",nosuid" : "",
			  m->flags & MNT_NODEV ? ",nodev" : "", opts);
		return;
	}
	unsigned int parent = m->covered ? m->covered->mount->id : m->id;
	pb_printf(c->b, "%u %u %u:%u / %s %s,relatime - %s %s %s%s\n", m->id, parent,
		  major_linux(m->dev), minor_linux(m->dev), c->path, rw, m->fstype, m->source, rw,
		  opts);
}

static void show_mount_table(struct pbuf *b, bool info)
{
	struct mounts_ctx c = { b, info, kmalloc(PATH_MAX) };

	if (!c.path) {
		b->oom = true;
		return;
	}
	vfs_for_each_mount(show_one_mount, &c);
	kfree(c.path);
}

void proc_show_mounts(struct pbuf *b, const struct proc_node *n)
{
	show_mount_table(b, false);
}

static void show_mountinfo(struct pbuf *b, const struct proc_node *n)
{
	show_mount_table(b, true);
}

static void show_cgroup(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "0::/\n");
}

/* ---- links */

long proc_self_link(const struct proc_node *n, char *buf, size_t size)
{
	struct process *p = current_process();

	if (!p)
		return -ENOENT;
	return snprintf(buf, size, "%d", p->pid);
}

long proc_thread_self_link(const struct proc_node *n, char *buf, size_t size)
{
	struct process *p = current_process();

	if (!p)
		return -ENOENT;
	return snprintf(buf, size, "%d/task/%d", p->pid, current_thread()->tid);
}

static long exe_link(const struct proc_node *n, char *buf, size_t size)
{
	struct process *p = proc_process(n);
	long r = -ENOENT;

	if (p && p->state == PROCESS_ALIVE) {
		struct vnode *root = vfs_root();
		struct file *f = vfs_open(root, p->exe_path, O_PATH, 0);
		vnode_put(root);
		r = IS_ERR(f) ? PTR_ERR(f) : vfs_file_path(f, buf, size);
		if (!IS_ERR(f))
			file_put(f);
	}
	process_put(p);
	return r;
}

static long cwd_link(const struct proc_node *n, char *buf, size_t size)
{
	struct process *p = proc_process(n);
	struct vnode *cwd = p ? process_cwd(p) : NULL;

	process_put(p);
	if (!cwd)
		return -ENOENT;
	long r = vfs_dir_path(cwd, buf, size);
	vnode_put(cwd);
	return r < 0 ? r : r - 1;
}

static long root_link(const struct proc_node *n, char *buf, size_t size)
{
	struct process *p = proc_process(n);
	long r = p && p->state == PROCESS_ALIVE ? snprintf(buf, size, "/") : -ENOENT;

	process_put(p);
	return r;
}

/* The file at the node's descriptor, referenced, and whether it is close-on-exec. */
static struct file *node_file(const struct proc_node *n, bool *cloexec)
{
	struct process *p = proc_process(n);
	struct fdtable *t = p ? process_files(p) : NULL;
	struct file *f = t ? fd_get(t, n->fd) : NULL;

	*cloexec = f && fd_get_cloexec(t, n->fd) > 0;
	fdtable_put(t);
	process_put(p);
	return f;
}

static long fd_link(const struct proc_node *n, char *buf, size_t size)
{
	bool cloexec;
	struct file *f = node_file(n, &cloexec);

	if (!f)
		return -ENOENT;
	long r = vfs_file_path(f, buf, size);
	file_put(f);
	return r;
}

/* Opening /proc/PID/fd/N opens the file the descriptor has, whatever its name now. */
static struct file *fd_jump(const struct proc_node *n)
{
	bool cloexec;
	struct file *f = node_file(n, &cloexec);

	return f ? f : ERR_PTR(-ENOENT);
}

static void show_fdinfo(struct pbuf *b, const struct proc_node *n)
{
	bool cloexec;
	struct file *f = node_file(n, &cloexec);

	if (!f)
		return;
	unsigned int flags = f->flags | (cloexec ? O_CLOEXEC : 0);
	/* A file without a position (a pipe may keep a note there) shows 0, as on Linux. */
	uint64_t pos = f->ops->llseek ? f->pos : 0;
	pb_printf(b, "pos:\t%lu\nflags:\t0%o\nmnt_id:\t%u\nino:\t%lu\n", pos, flags,
		  f->vnode->mount->id, f->vnode->ino);
	file_put(f);
}

/* ---- the tables */

#define FILE(n, fn, m)                                       \
	{                                                    \
		.name = n, .mode = S_IFREG | (m), .show = fn \
	}
#define LINK(n, fn)                                           \
	{                                                     \
		.name = n, .mode = S_IFLNK | 0777, .link = fn \
	}

static const struct proc_entry task_children[] = {
	FILE("comm", show_comm, 0444),
	FILE("stat", show_stat, 0444),
	FILE("status", show_status, 0444),
	{ 0 },
};

static const struct proc_entry task_dir = {
	.mode = S_IFDIR | 0555,
	.children = task_children,
};

static const struct proc_entry fd_entry = {
	.mode = S_IFLNK | 0700,
	.link = fd_link,
	.jump = fd_jump,
};
static const struct proc_entry fdinfo_entry = { .mode = S_IFREG | 0444, .show = show_fdinfo };

static const struct proc_entry pid_children[] = {
	FILE("auxv", show_auxv, 0400),
	FILE("cgroup", show_cgroup, 0444),
	FILE("cmdline", show_cmdline, 0444),
	FILE("comm", show_comm, 0444),
	LINK("cwd", cwd_link),
	FILE("environ", show_environ, 0400),
	LINK("exe", exe_link),
	{ .name = "fd",
	  .mode = S_IFDIR | 0500,
	  .next = next_fd,
	  .numbered = &fd_entry,
	  .number = PROC_NUM_FD },
	{ .name = "fdinfo",
	  .mode = S_IFDIR | 0500,
	  .next = next_fd,
	  .numbered = &fdinfo_entry,
	  .number = PROC_NUM_FD },
	FILE("limits", show_limits, 0444),
	FILE("maps", show_maps, 0444),
	FILE("mountinfo", show_mountinfo, 0444),
	FILE("mounts", proc_show_mounts, 0444),
	LINK("root", root_link),
	FILE("stat", show_stat, 0444),
	FILE("statm", show_statm, 0444),
	FILE("status", show_status, 0444),
	{ .name = "task",
	  .mode = S_IFDIR | 0555,
	  .next = next_tid,
	  .numbered = &task_dir,
	  .number = PROC_NUM_TID },
	{ 0 },
};

const struct proc_entry proc_pid_dir = {
	.mode = S_IFDIR | 0555,
	.children = pid_children,
};
