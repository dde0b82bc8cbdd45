/*
 * The ELF loader. Segments are mapped from the file the way Linux maps them
 * (private file mappings of whole pages, the file's part of the last page
 * followed by zeros, .bss as anonymous memory), so pages are read at first
 * touch. A dynamically linked program comes with its interpreter (PT_INTERP,
 * ld-linux) from the image, mapped below the mmap region; the program starts
 * there with AT_BASE, AT_PHDR and AT_ENTRY telling it what was loaded. A PIE
 * gets a random base, as do the interpreter, the stack and the heap; the
 * stack is laid out exactly as Linux builds it for a new program.
 */
#include <alto/args.h>
#include <alto/cred.h>
#include <alto/cpu.h>
#include <alto/elf.h>
#include <alto/errno_names.h>
#include <alto/exec.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/random.h>
#include <alto/string.h>
#include <alto/vdso.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/stat.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>

#define HEAD_SIZE  (64 * 1024) /* the program headers must be in here */
#define STACK_SIZE (8ul << 20) /* RLIMIT_STACK */
#define STACK_TOP  0x7ffffffff000ul
#define PIE_BASE   0x555555554000ul
#define MMAP_GAP   (128ul << 20) /* between the stack and mmap's region */

/* One ELF file being loaded: the program or its interpreter. */
struct elf_file {
	struct file *file;
	const char *path;
	void *head; /* the first HEAD_SIZE bytes, which elf points into */
	struct elf_info elf;
	uint64_t base;
};

struct loader {
	struct mm *mm;
	struct exec_image *out;
	bool quiet; /* execve: the caller gets the error, the console hears nothing */
	struct elf_file prog, interp;
	uint64_t vdso; /* where the vDSO is, 0 if none */
};

static uint64_t random_pages(unsigned int bits)
{
	uint64_t r;

	random_bytes(&r, sizeof(r));
	return (r & ((1ull << bits) - 1)) << PAGE_SHIFT;
}

static int say(const struct loader *l, const char *path, const char *what)
{
	if (!l->quiet)
		printk("alto: %s: %s\n", path, what);
	return -ENOEXEC;
}

static unsigned int prot_of(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
	       (pflags & PF_X ? PROT_EXEC : 0);
}

/*
 * One PT_LOAD segment: the file's pages from p_offset rounded down (bytes
 * before the segment come along, as with Linux's mapping), zeros after
 * p_filesz in its last page, anonymous pages for the rest of p_memsz. A
 * segment sharing a page with the previous one replaces it there (MAP_FIXED).
 */
static int load_segment(struct mm *mm, struct elf_file *e, const Elf64_Phdr *ph)
{
	uint64_t start = ALIGN_DOWN(e->base + ph->p_vaddr, PAGE_SIZE);
	uint64_t file_end = e->base + ph->p_vaddr + ph->p_filesz;
	uint64_t end = ALIGN_UP(e->base + ph->p_vaddr + ph->p_memsz, PAGE_SIZE);
	unsigned int prot = prot_of(ph->p_flags);
	long r;

	if (end <= start)
		return 0;
	if (ph->p_filesz) {
		r = mm_mmap_file(mm, start, ALIGN_UP(file_end, PAGE_SIZE) - start, (int)prot,
				 MAP_PRIVATE | MAP_FIXED, e->file,
				 ALIGN_DOWN(ph->p_offset, PAGE_SIZE));
		if (r < 0)
			return (int)r;
		static char zeros[PAGE_SIZE]; /* never written: .bss, not 4 KiB of the file */
		size_t tail = ALIGN_UP(file_end, PAGE_SIZE) - file_end;
		if (ph->p_memsz > ph->p_filesz && tail && mm_write(mm, file_end, zeros, tail))
			return -ENOMEM;
	}
	uint64_t anon = ph->p_filesz ? ALIGN_UP(file_end, PAGE_SIZE) : start;
	if (anon < end) {
		r = mm_mmap_anon(mm, anon, end - anon, (int)prot,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static int load_segments(struct mm *mm, struct elf_file *e)
{
	for (unsigned int i = 0; i < e->elf.phnum; i++) {
		if (e->elf.phdrs[i].p_type != PT_LOAD)
			continue;
		int r = load_segment(mm, e, &e->elf.phdrs[i]);
		if (r)
			return r;
	}
	return 0;
}

int exec_may_run(struct file *f)
{
	if (!S_ISREG(READ_ONCE(f->vnode->mode)))
		return -EACCES;
	return vfs_permission(f->vnode, MAY_EXEC);
}

/*
 * Check the ELF headers of e->file (the program headers must be near the
 * start), then that the caller may run it. Says what is wrong.
 */
static int inspect_elf(const struct loader *l, struct elf_file *e)
{
	long size = vfs_file_size(e->file);
	size_t len = (size_t)MIN(size, HEAD_SIZE);
	e->head = kmalloc(len ? len : 1);
	if (!e->head)
		return -ENOMEM;
	if (vfs_pread(e->file, e->head, len, 0) != (long)len)
		return -EIO;
	const char *why;
	if (elf_inspect_head(e->head, len, (uint64_t)size, &e->elf, &why))
		return say(l, e->path, why);
	/* Checked once the file is known to be a program, so that one that is none says so. */
	return exec_may_run(e->file);
	return 0;
}

/* Open path and check its headers. Says what is wrong, except that it cannot be opened. */
static int open_elf(const struct loader *l, struct elf_file *e, const char *path)
{
	e->path = path;
	e->file = vfs_open_kernel(path, O_RDONLY, 0);
	if (IS_ERR(e->file)) {
		int r = (int)PTR_ERR(e->file);
		e->file = NULL;
		return r;
	}
	return inspect_elf(l, e);
}

static void close_elf(struct elf_file *e)
{
	kfree(e->head);
	if (e->file)
		file_put(e->file);
}

/* A free place for the interpreter's whole span below the mmap region, found as mmap would. */
static int place_interp(struct mm *mm, struct elf_file *e)
{
	uint64_t span = e->elf.hi - e->elf.lo;
	long r = mm_mmap_anon(mm, 0, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);

	if (r < 0)
		return (int)r;
	mm_munmap(mm, (uintptr_t)r, span);
	e->base = (uint64_t)r - e->elf.lo;
	return 0;
}

/* The interpreter named by PT_INTERP: an ELF of its own, position-independent. */
static int load_interp(struct loader *l)
{
	struct elf_file *e = &l->interp;
	int r = open_elf(l, e, l->prog.elf.interp);

	if (r == -ENOENT && !l->quiet)
		printk("alto: %s needs its interpreter %s in the image\n", l->prog.path,
		       l->prog.elf.interp);
	else if (r && !e->file && !l->quiet)
		printk("alto: %s: %s\n", e->path, errno_text(-r));
	if (r)
		return r;
	if (e->elf.interp)
		return say(l, e->path, "an interpreter that asks for an interpreter itself");
	if (!e->elf.pie)
		return say(l, e->path, "an interpreter that is not position-independent");
	r = place_interp(l->mm, e);
	return r ? r : load_segments(l->mm, e);
}

/* Writes the stack from the top down; `sp` moves as things are pushed. */
struct stack_builder {
	struct mm *mm;
	uint64_t sp;
	int error;
};

static uint64_t push(struct stack_builder *s, const void *data, size_t len)
{
	s->sp -= len;
	if (mm_write(s->mm, s->sp, data, len))
		s->error = -ENOMEM;
	return s->sp;
}

static uint64_t push_string(struct stack_builder *s, const char *str)
{
	return push(s, str, strlen(str) + 1);
}

#define AUXV_MAX 24

struct auxv {
	uint64_t v[2 * AUXV_MAX];
	int n;
};

static void aux(struct auxv *a, uint64_t type, uint64_t value)
{
	a->v[a->n++] = type;
	a->v[a->n++] = value;
}

static void build_auxv(struct loader *l, struct auxv *a, uint64_t random, uint64_t platform,
		       uint64_t execfn)
{
	const struct elf_info *e = &l->prog.elf;
	uint64_t base = l->prog.base;
	struct cred *c = cred_current(); /* execve keeps the ids (no set-user-ID bits) */

	if (l->vdso)
		aux(a, AT_SYSINFO_EHDR, l->vdso);
	aux(a, AT_MINSIGSTKSZ, ALIGN_UP(fpu_state_size + 1024, 16));
	aux(a, AT_HWCAP, cpuid(1, 0).edx);
	aux(a, AT_PAGESZ, PAGE_SIZE);
	aux(a, AT_CLKTCK, 100);
	aux(a, AT_PHDR, base + e->phdr_vaddr);
	aux(a, AT_PHENT, sizeof(Elf64_Phdr));
	aux(a, AT_PHNUM, e->phnum);
	aux(a, AT_BASE, l->interp.file ? l->interp.base : 0);
	aux(a, AT_FLAGS, 0);
	aux(a, AT_ENTRY, base + e->entry);
	aux(a, AT_UID, c->uid);
	aux(a, AT_EUID, c->euid);
	aux(a, AT_GID, c->gid);
	aux(a, AT_EGID, c->egid);
	aux(a, AT_SECURE, cred_exec_secure(c));
	aux(a, AT_RANDOM, random);
	aux(a, AT_HWCAP2, 0);
	aux(a, AT_EXECFN, execfn);
	aux(a, AT_PLATFORM, platform);
	aux(a, AT_NULL, 0);
	cred_put(c);
}

/* What /proc shows of the new stack: the strings' extent, and the auxv kept. */
static int keep_for_proc(struct exec_image *out, const uint64_t *ptrs, int argc, int envc,
			 uint64_t execfn, const struct auxv *a)
{
	out->env_end = execfn;
	out->env_start = envc ? ptrs[argc + 1] : execfn;
	out->arg_end = out->env_start;
	out->arg_start = argc ? ptrs[0] : out->arg_end;
	kfree(out->auxv);
	out->auxv = kmalloc((size_t)a->n * sizeof(uint64_t));
	if (!out->auxv)
		return -ENOMEM;
	memcpy(out->auxv, a->v, (size_t)a->n * sizeof(uint64_t));
	out->auxv_words = (unsigned int)a->n;
	return 0;
}

/*
 * From the top: the program's path (AT_EXECFN), the environment and argument
 * strings, "x86_64", 16 random bytes, then 16-byte aligned: argc, argv[],
 * NULL, envp[], NULL, the auxiliary vector.
 */
static int build_stack(struct loader *l, int argc, char *const argv[], int envc, char *const envp[],
		       uint64_t *sp_out)
{
	struct stack_builder s = { l->mm, l->mm->stack_top - 8, 0 };
	uint64_t *ptrs = kmalloc((size_t)(argc + envc + 2) * sizeof(uint64_t));
	struct auxv a = { .n = 0 };
	uint8_t rnd[16];

	if (!ptrs)
		return -ENOMEM;
	uint64_t execfn = push_string(&s, l->prog.path);
	for (int i = envc - 1; i >= 0; i--)
		ptrs[argc + 1 + i] = push_string(&s, envp[i]);
	for (int i = argc - 1; i >= 0; i--)
		ptrs[i] = push_string(&s, argv[i]);
	ptrs[argc] = 0;
	ptrs[argc + 1 + envc] = 0;
	uint64_t platform = push_string(&s, "x86_64");
	random_bytes(rnd, sizeof(rnd));
	uint64_t random = push(&s, rnd, sizeof(rnd));
	build_auxv(l, &a, random, platform, execfn);
	if (keep_for_proc(l->out, ptrs, argc, envc, execfn, &a))
		s.error = -ENOMEM;

	/* argc + argv + NULL + envp + NULL + auxv: make the final sp 16-byte aligned. */
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + (size_t)a.n;
	s.sp = ALIGN_DOWN(s.sp - words * 8, 16) + words * 8;
	push(&s, a.v, (size_t)a.n * 8);
	push(&s, &ptrs[argc + 1], ((size_t)envc + 1) * 8);
	push(&s, ptrs, ((size_t)argc + 1) * 8);
	uint64_t count = (uint64_t)argc;
	push(&s, &count, 8);
	kfree(ptrs);
	*sp_out = s.sp;
	return s.error;
}

/* The stack and the top of mmap's region, each randomized, before anything is mapped. */
static int layout(struct loader *l)
{
	struct mm *mm = l->mm;
	unsigned int prot = PROT_READ | PROT_WRITE | (l->prog.elf.exec_stack ? PROT_EXEC : 0);

	mm->stack_top = STACK_TOP - random_pages(20);
	long r = mm_map_fixed(mm, mm->stack_top - STACK_SIZE, STACK_SIZE, prot, VMA_STACK);
	if (r)
		return (int)r;
	mm->mmap_top = mm->stack_top - STACK_SIZE - MMAP_GAP - random_pages(16);
	return 0;
}

/* The program (at its link address, or a random base for a PIE), its interpreter, the heap. */
static int load_all(struct loader *l)
{
	struct mm *mm = l->mm;
	struct elf_file *prog = &l->prog;

	if (prog->elf.pie)
		prog->base = PIE_BASE - prog->elf.lo + random_pages(24);
	int r = load_segments(mm, prog);
	if (!r && prog->elf.interp)
		r = load_interp(l);
	if (r)
		return r;
	mm->brk_start = ALIGN_UP(prog->base + prog->elf.hi, PAGE_SIZE) + random_pages(13);
	mm->brk = mm->brk_start;
	l->vdso = vdso_map(mm);
	return 0;
}

/* Load l->prog (open, headers checked) into l->mm; close both files. */
static int load(struct loader *l, int argc, char *const argv[], int envc, char *const envp[])
{
	struct exec_image *out = l->out;
	int r = layout(l);

	if (!r)
		r = load_all(l);
	if (!r)
		r = build_stack(l, argc, argv, envc, envp, &out->sp);
	if (r && r != -ENOEXEC && r != -ENOENT && !l->quiet)
		printk("alto: %s: cannot load: %s\n", l->prog.path, errno_text(-r));
	/* Running them: they may not change under the program (ETXTBSY) while the image lives. */
	for (struct elf_file *e = &l->prog; !r && e; e = e == &l->prog ? &l->interp : NULL) {
		if (e->file)
			mm_deny_write(l->mm, e->file->vnode);
	}
	struct elf_file *start = l->interp.file ? &l->interp : &l->prog;
	out->entry = start->base + start->elf.entry;
	out->load_base = l->prog.base;
	close_elf(&l->interp);
	close_elf(&l->prog);
	if (r) {
		kfree(out->auxv);
		out->auxv = NULL;
	}
	return r;
}

int exec_load(struct mm *mm, const char *path, int argc, char *const argv[], int envc,
	      char *const envp[], struct exec_image *out)
{
	struct loader l = { .mm = mm, .out = out };
	const char *why;

	*out = (struct exec_image){ 0 };
	/* A program of the command line: execve checked its strings as it copied them. */
	if (args_exec_check(path, argc, argv, envc, envp, &why)) {
		printk("alto: %s: %s\n", path, why);
		return -E2BIG;
	}
	int r = open_elf(&l, &l.prog, path);

	if (r && !l.prog.file)
		printk("alto: %s: %s\n", path, errno_text(-r));
	if (r) {
		close_elf(&l.prog);
		return r;
	}
	return load(&l, argc, argv, envc, envp);
}

int exec_load_file(struct mm *mm, struct file *f, const char *path, int argc, char *const argv[],
		   int envc, char *const envp[], struct exec_image *out)
{
	struct loader l = { .mm = mm, .out = out, .quiet = true };

	*out = (struct exec_image){ 0 };
	file_get(f);
	l.prog.file = f;
	l.prog.path = path;
	int r = inspect_elf(&l, &l.prog);
	if (r) {
		close_elf(&l.prog);
		return r;
	}
	return load(&l, argc, argv, envc, envp);
}
