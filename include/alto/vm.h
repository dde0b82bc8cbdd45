/*
 * Address spaces: each struct mm owns a page-table root for the low half
 * (the kernel's half is the same in every root) and its areas (struct vma,
 * mm/vma.c) in a balanced tree, filled with pages on demand at page fault.
 * The mm lock is a
 * spinlock: page faults may arrive while a system call holds sleeping locks
 * of its own; it also covers the low half of the page tables. A file-backed
 * area is filled from its file: a fault drops the mm lock to take the file's
 * lock (file, then mm: the only order allowed).
 */
#ifndef ALTO_VM_H
#define ALTO_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/list.h>
#include <alto/spinlock.h>

struct trap_frame;
struct file;
struct vnode;

#define VMA_STACK    0x1 /* the main thread's stack */
#define VMA_HEAP     0x2 /* brk */
#define VMA_SHARED   0x4
#define VMA_MAYWRITE 0x8  /* a shared file mapping whose file is open for writing */
#define VMA_SPECIAL  0x10 /* kernel pages mapped as they are (the vDSO and its data) */
#define VMA_LOCKED   0x20 /* mlock: msync(MS_INVALIDATE) refuses it (EBUSY) */

/*
 * A node of the tree of areas (mm/area_tree.c, declared in mm/internal.h):
 * [start, end) and what the subtree below it spans, so that finding,
 * inserting and removing an area and finding a free range are O(log n).
 */
struct area_node {
	struct area_node *child[2], *parent; /* left (lower), right */
	uintptr_t start, end;
	uintptr_t first, last; /* the subtree's lowest start and highest end */
	uintptr_t gap;	       /* the largest free range between two areas of the subtree */
	int height;
};

struct area_tree {
	struct area_node *root;
	size_t count;
};

/* Linux's vm.max_map_count default: mmap, mprotect or munmap needing more areas fail (ENOMEM). */
#define VM_MAX_MAP_COUNT 65530

struct mm {
	struct spinlock lock;
	/* The page tables (mm/space.c): the root, and the CPUs whose CR3 holds it. */
	uint64_t *root;
	uint64_t cr3;
	uint64_t cpus; /* bit n: CPU n runs it, or keeps it loaded for kernel threads */
	int users;     /* processes using it (CLONE_VM, vfork) */
	int refs;      /* users count as one; pins keep the struct (not its memory) */
	struct list all_link;

	struct area_tree areas;	  /* struct vma nodes, by address (at most VM_MAX_MAP_COUNT) */
	uintptr_t mmap_top;	  /* mmap without a hint searches down from here */
	uintptr_t brk_start;	  /* the heap begins here ... */
	uintptr_t brk;		  /* ... and ends here (not page-aligned) */
	uintptr_t stack_top;	  /* the initial stack's top */
	uint64_t resident;	  /* pages present */
	bool lock_future;	  /* mlockall(MCL_FUTURE): new areas are locked */
	struct vnode *running[2]; /* the program and its interpreter (mm_deny_write) */
};

/* Lowest address mmap hands out or accepts for MAP_FIXED (like vm.mmap_min_addr). */
#define MMAP_MIN_ADDR 0x10000ul

/* Install the page-fault hook for application memory. */
void vm_init(void);

/* A new, empty address space (one user), or NULL. */
struct mm *mm_create(void);
/*
 * A copy of parent for a child process (fork): the same areas, and every
 * page shared, private ones copy-on-write (both sides read-only until one
 * writes). NULL without memory.
 */
struct mm *mm_fork(struct mm *parent);
/*
 * v (the program or its interpreter, at most two) runs in mm: it cannot be
 * written or truncated (ETXTBSY) until the last address space running it
 * goes (a fork's copy runs it too).
 */
void mm_deny_write(struct mm *mm, struct vnode *v);
/* One more process uses mm (CLONE_VM without CLONE_THREAD, vfork). */
void mm_get(struct mm *mm);
/* A process stops using mm; the last one frees its memory and page tables. */
void mm_put(struct mm *mm);
/*
 * Keep the struct of mm (not its memory: a process that exits meanwhile
 * empties it) for a reader such as /proc; mm_unref lets it go.
 */
void mm_pin(struct mm *mm);
void mm_unref(struct mm *mm);

/*
 * Make mm the address space of this CPU (the scheduler, interrupts off):
 * load its root, unless it is already loaded. Kernel threads do not call
 * it: they run on whatever root is loaded.
 */
void mm_activate(struct mm *mm);
/*
 * Call fn on every address space (for a file that shrank). fn runs with no
 * lock of ours held; the address space stays alive meanwhile.
 */
void mm_for_each(void (*fn)(struct mm *mm, void *arg), void *arg);

/* The system calls' logic; each returns the Linux result or -errno. */
long mm_mmap_anon(struct mm *mm, uintptr_t addr, size_t len, int prot, int flags);
/*
 * Map the file f at off (page-aligned). MAP_PRIVATE: pages are the file's
 * until written, then the program's own copies (copy on write). MAP_SHARED:
 * the file's own pages (its file system must have map_page), so writes
 * through the mapping and write() see each other. Pages are read at first
 * touch; a page wholly beyond the end of the file raises SIGBUS.
 */
long mm_mmap_file(struct mm *mm, uintptr_t addr, size_t len, int prot, int flags, struct file *f,
		  uint64_t off);
long mm_munmap(struct mm *mm, uintptr_t addr, size_t len);
long mm_mprotect(struct mm *mm, uintptr_t addr, size_t len, int prot);
long mm_mremap(struct mm *mm, uintptr_t old, size_t old_len, size_t new_len, int flags,
	       uintptr_t new_addr);
long mm_madvise(struct mm *mm, uintptr_t addr, size_t len, int advice);
long mm_brk(struct mm *mm, uintptr_t addr);
/* 0 if every page of [addr, addr+len) is mapped, -ENOMEM if not (mincore). */
long mm_check_mapped(struct mm *mm, uintptr_t addr, size_t len);
/*
 * mlock/munlock (lock: set or clear VMA_LOCKED on the range, splitting
 * areas as Linux does; nothing is ever paged out, so that is all);
 * mlockall (current: every area now; future: new areas too, MCL_FUTURE)
 * and munlockall.
 */
long mm_mlock(struct mm *mm, uintptr_t addr, size_t len, bool lock);
void mm_mlock_all(struct mm *mm, bool current, bool future);
void mm_munlock_all(struct mm *mm);
/*
 * msync: -EBUSY for MS_INVALIDATE over locked pages; writable shared file
 * pages of the range are write-protected again, so that the next write
 * through them marks the file modified (its mtime and ctime), as Linux's
 * writeback does. -ENOMEM when part of the range is not mapped.
 */
long mm_msync(struct mm *mm, uintptr_t addr, size_t len, int flags);

/*
 * Map npages of the kernel's own memory from physical address pa at addr
 * (replacing what is there), for the vDSO: the pages are shared, never
 * freed, and a write to them (after mprotect) gets a private copy.
 */
long mm_map_special(struct mm *mm, uintptr_t addr, uint64_t pa, size_t npages, int prot);
/* Map an area at a fixed place for the loader (fails if anything is there). */
long mm_map_fixed(struct mm *mm, uintptr_t start, size_t len, int prot, unsigned int vma_flags);
/*
 * Read another address space's memory (/proc/PID/cmdline), bringing pages
 * in as needed: 0, or -EFAULT where nothing is mapped.
 */
long mm_read(struct mm *mm, uintptr_t va, void *dst, size_t len);
/* Write into the application's memory regardless of protection (ELF loading). */
long mm_write(struct mm *mm, uintptr_t va, const void *src, size_t len);
/*
 * For a shared futex: the physical address of va when it lies in a shared
 * area (its page brought in first, which may sleep); -ENOENT for private
 * memory, -EFAULT outside any area.
 */
long mm_shared_phys(struct mm *mm, uintptr_t va, uint64_t *pa);
/* The page backing va, created if the area allows; NULL outside any area. */
void *mm_page(struct mm *mm, uintptr_t va);

/*
 * Resolve a page fault at addr (error: the CPU's page-fault error code).
 * Returns 0 when resolved, SEGV_MAPERR (no area) or SEGV_ACCERR (the area
 * does not allow that access), VM_FAULT_SIGBUS (a file page beyond the end
 * of the file), or VM_FAULT_OOM (no memory for the page: the program is
 * killed with a line saying so, as Linux's OOM killer would). can_sleep:
 * interrupts may be enabled to read a file (false for a fault in code that
 * holds a spinlock); a file page then fails.
 */
int mm_fault(struct mm *mm, uintptr_t addr, unsigned long error, bool can_sleep);
#define VM_FAULT_SIGBUS 0x100
#define VM_FAULT_OOM	0x200

/*
 * The file v shrank to size: its pages beyond are about to be freed. Unmap
 * them from every mapping of v (later accesses raise SIGBUS). Called by the
 * file system with v's lock held for writing, before it frees the pages.
 */
void mm_file_shrunk(struct vnode *v, uint64_t size);

/*
 * A copy of one area, for /proc/PID/maps and status. file is the mapped
 * file (referenced: file_put it), with offset its position at start; both
 * are 0 for anonymous memory.
 */
struct vma_info {
	uintptr_t start, end;
	unsigned int prot, flags;
	struct file *file;
	uint64_t offset;
};

/*
 * Copy up to max areas that end above from, in address order, into out:
 * the count. Call again from the last one's end for more; the areas may
 * change between calls, as they may between two reads of /proc/PID/maps.
 */
int mm_vmas(struct mm *mm, uintptr_t from, struct vma_info *out, int max);

/* Print the areas, as /proc/self/maps would (for fault reports). */
void mm_print(struct mm *mm);

#define SEGV_MAPERR 1
#define SEGV_ACCERR 2

#endif
