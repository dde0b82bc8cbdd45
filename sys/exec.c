/*
 * The ELF loader. Segments are copied page by page from the file into fresh
 * pages with the segment's protections, the way Linux maps them (whole file
 * pages, zero after the file's part, .bss on demand). A PIE gets a random
 * base, as do the stack and the heap; the stack is laid out exactly as Linux
 * builds it for a new program.
 */
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
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>

#define HEAD_SIZE  (64 * 1024) /* the program headers must be in here */
#define STACK_SIZE (8ul << 20) /* RLIMIT_STACK */
#define STACK_TOP  0x7ffffffff000ul
#define PIE_BASE   0x555555554000ul
#define MMAP_GAP   (128ul << 20) /* between the stack and mmap's region */

struct loader {
	struct process *p;
	struct file *file;
	const char *path;
	struct elf_info elf;
	uint64_t base;
};

static uint64_t random_pages(unsigned int bits)
{
	uint64_t r;

	random_bytes(&r, sizeof(r));
	return (r & ((1ull << bits) - 1)) << PAGE_SHIFT;
}

static int say(const char *path, const char *what)
{
	printk("alto: %s: %s\n", path, what);
	return -ENOEXEC;
}

static unsigned int prot_of(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) |
	       (pflags & PF_X ? PROT_EXEC : 0);
}

/*
 * Fill one page of a segment as Linux's file mapping would: the whole file
 * page (bytes before the segment come along), zeros after the file's part.
 * Address A holds file offset p_offset + (A - segment start).
 */
static int fill_page(struct loader *l, const Elf64_Phdr *ph, uint64_t page)
{
	uint64_t seg = l->base + ph->p_vaddr;
	uint64_t to = MIN(page + PAGE_SIZE, seg + ph->p_filesz);
	char *dst = mm_page(l->p->mm, page);

	if (!dst)
		return -ENOMEM;
	if (to <= page)
		return 0;
	uint64_t off = ph->p_offset + page - seg; /* page may lie below seg: wraps back */
	long n = vfs_pread(l->file, dst, to - page, off);
	return n == (long)(to - page) ? 0 : -EIO;
}

static int load_segment(struct loader *l, const Elf64_Phdr *ph)
{
	uint64_t start = ALIGN_DOWN(l->base + ph->p_vaddr, PAGE_SIZE);
	uint64_t end = ALIGN_UP(l->base + ph->p_vaddr + ph->p_memsz, PAGE_SIZE);
	uint64_t file_end = ALIGN_UP(l->base + ph->p_vaddr + ph->p_filesz, PAGE_SIZE);

	if (end <= start)
		return 0;
	/* A segment sharing a page with the previous one replaces it there, as MAP_FIXED does. */
	mm_munmap(l->p->mm, start, end - start);
	long r = mm_map_fixed(l->p->mm, start, end - start, prot_of(ph->p_flags), 0);
	if (r)
		return (int)r;
	for (uint64_t page = start; page < file_end && page < end; page += PAGE_SIZE) {
		r = fill_page(l, ph, page);
		if (r)
			return (int)r;
	}
	return 0;
}

static int read_head(struct loader *l, void **head, size_t *len)
{
	long size = vfs_file_size(l->file);

	*len = (size_t)MIN(size, HEAD_SIZE);
	*head = kmalloc(*len ? *len : 1);
	if (!*head)
		return -ENOMEM;
	if (vfs_pread(l->file, *head, *len, 0) != (long)*len)
		return -EIO;
	const char *why;
	if (elf_inspect_head(*head, *len, (uint64_t)size, &l->elf, &why))
		return say(l->path, why);
	if (l->elf.interp) {
		printk("alto: %s is dynamically linked (interpreter %s); this kernel runs static "
		       "executables only\n",
		       l->path, l->elf.interp);
		return -ENOEXEC;
	}
	return 0;
}

static int load_segments(struct loader *l)
{
	if (l->elf.pie)
		l->base = PIE_BASE - l->elf.lo + random_pages(24);
	for (unsigned int i = 0; i < l->elf.phnum; i++) {
		if (l->elf.phdrs[i].p_type != PT_LOAD)
			continue;
		int r = load_segment(l, &l->elf.phdrs[i]);
		if (r)
			return r;
	}
	return 0;
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
	const struct elf_info *e = &l->elf;

	aux(a, AT_SYSINFO_EHDR, 0);
	a->n -= 2; /* no vDSO yet: leave the entry out */
	aux(a, AT_MINSIGSTKSZ, ALIGN_UP(fpu_state_size + 1024, 16));
	aux(a, AT_HWCAP, cpuid(1, 0).edx);
	aux(a, AT_PAGESZ, PAGE_SIZE);
	aux(a, AT_CLKTCK, 100);
	aux(a, AT_PHDR, l->base + e->phdr_vaddr);
	aux(a, AT_PHENT, sizeof(Elf64_Phdr));
	aux(a, AT_PHNUM, e->phnum);
	aux(a, AT_BASE, 0);
	aux(a, AT_FLAGS, 0);
	aux(a, AT_ENTRY, l->base + e->entry);
	aux(a, AT_UID, 0);
	aux(a, AT_EUID, 0);
	aux(a, AT_GID, 0);
	aux(a, AT_EGID, 0);
	aux(a, AT_SECURE, 0);
	aux(a, AT_RANDOM, random);
	aux(a, AT_HWCAP2, 0);
	aux(a, AT_EXECFN, execfn);
	aux(a, AT_PLATFORM, platform);
	aux(a, AT_NULL, 0);
}

/* What /proc shows of the new stack: the strings' extent, and the auxv kept. */
static int keep_for_proc(struct process *p, const uint64_t *ptrs, int argc, int envc,
			 uint64_t execfn, const struct auxv *a)
{
	p->env_end = execfn;
	p->env_start = envc ? ptrs[argc + 1] : execfn;
	p->arg_end = p->env_start;
	p->arg_start = argc ? ptrs[0] : p->arg_end;
	kfree(p->auxv);
	p->auxv = kmalloc((size_t)a->n * sizeof(uint64_t));
	if (!p->auxv)
		return -ENOMEM;
	memcpy(p->auxv, a->v, (size_t)a->n * sizeof(uint64_t));
	p->auxv_words = (unsigned int)a->n;
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
	struct stack_builder s = { l->p->mm, l->p->mm->stack_top - 8, 0 };
	uint64_t *ptrs = kmalloc((size_t)(argc + envc + 2) * sizeof(uint64_t));
	struct auxv a = { .n = 0 };
	uint8_t rnd[16];

	if (!ptrs)
		return -ENOMEM;
	uint64_t execfn = push_string(&s, l->path);
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
	if (keep_for_proc(l->p, ptrs, argc, envc, execfn, &a))
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

/* The stack, the heap's start and the top of mmap's region, each randomized. */
static int layout(struct loader *l)
{
	struct mm *mm = l->p->mm;
	unsigned int prot = PROT_READ | PROT_WRITE | (l->elf.exec_stack ? PROT_EXEC : 0);

	mm->stack_top = STACK_TOP - random_pages(20);
	long r = mm_map_fixed(mm, mm->stack_top - STACK_SIZE, STACK_SIZE, prot, VMA_STACK);
	if (r)
		return (int)r;
	mm->mmap_top = mm->stack_top - STACK_SIZE - MMAP_GAP - random_pages(16);
	mm->brk_start = ALIGN_UP(l->base + l->elf.hi, PAGE_SIZE) + random_pages(13);
	mm->brk = mm->brk_start;
	return 0;
}

int exec_load(struct process *p, const char *path, int argc, char *const argv[], int envc,
	      char *const envp[], struct exec_image *out)
{
	struct loader l = { .p = p, .path = path };
	void *head = NULL;
	size_t head_len;
	int r;

	l.file = vfs_open_kernel(path, O_RDONLY, 0);
	if (IS_ERR(l.file)) {
		printk("alto: %s: %s\n", path, errno_text((int)-PTR_ERR(l.file)));
		return (int)PTR_ERR(l.file);
	}
	r = read_head(&l, &head, &head_len);
	if (!r)
		r = load_segments(&l);
	if (!r)
		r = layout(&l);
	if (!r)
		r = build_stack(&l, argc, argv, envc, envp, &out->sp);
	if (r && r != -ENOEXEC && r != -ENOENT)
		printk("alto: %s: cannot load: %s\n", path, errno_text(-r));
	out->entry = l.base + l.elf.entry;
	out->load_base = l.base;
	kfree(head);
	file_put(l.file);
	return r;
}
