/*
 * Memory system calls: thin wrappers over the VM layer (mm/vma.c), which
 * fills file mappings from their files on demand.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/syscall.h>
#include <alto/fdtable.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>
#include <uapi/stat.h>

static struct mm *mm(void)
{
	return current_process()->mm;
}

static long map_file(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	struct file *f = fd_get_file(fd);
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;

	if (!f)
		return -EBADF;
	long r = -EACCES;
	if (!file_readable(f) || (shared && (prot & PROT_WRITE) && !file_writable(f)))
		goto out;
	/* /dev/zero: anonymous memory, shared or private, as on Linux. */
	if (f->ops->map_zero) {
		r = mm_mmap_anon(mm(), addr, len, prot, flags);
		goto out;
	}
	r = -ENODEV;
	/* Only regular files can be mapped (Linux: pipes, sockets, directories give ENODEV). */
	if (!f->vnode || (f->vnode->mode & S_IFMT) != S_IFREG)
		goto out;
	/* A memfd sealed against writes has no writable shared mapping. */
	r = -EPERM;
	if (shared && (prot & PROT_WRITE) &&
	    (READ_ONCE(f->vnode->seals) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		goto out;
	r = -ENODEV;
	if (shared && !f->vnode->ops->map_page) {
		printk_note_once("alto: shared mappings of %s files are not supported\n",
				 f->vnode->mount->fstype);
		goto out;
	}
	r = mm_mmap_file(mm(), addr, len, prot, flags, f, off);
	if (r >= 0)
		vfs_file_accessed(f->vnode); /* Linux's file_accessed at mmap time */
out:
	file_put(f);
	return r;
}

SYSCALL_DEFINE(mmap, unsigned long addr, unsigned long len, int prot, int flags, int fd,
	       unsigned long off)
{
	int type = flags & MAP_TYPE;

	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (!len || !IS_ALIGNED(off, PAGE_SIZE) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (flags & MAP_ANONYMOUS)
		return mm_mmap_anon(mm(), addr, len, prot, flags);
	return map_file(addr, len, prot, flags, fd, off);
}

SYSCALL_DEFINE(munmap, unsigned long addr, unsigned long len)
{
	return mm_munmap(mm(), addr, len);
}

SYSCALL_DEFINE(mprotect, unsigned long addr, unsigned long len, int prot)
{
	return mm_mprotect(mm(), addr, len, prot);
}

/*
 * Memory protection keys: Alto does not use the CPU's (TCG has none, and
 * everything runs at ring 0, where PKRU does not apply). As on a CPU
 * without them, no key can be allocated, and key -1 means plain mprotect;
 * V8 probes with pkey_alloc and carries on without.
 */
SYSCALL_DEFINE(pkey_alloc, unsigned long flags, unsigned long rights)
{
	return flags || rights > 3 ? -EINVAL : -ENOSPC;
}

SYSCALL_DEFINE(pkey_free, int pkey)
{
	return -EINVAL;
}

SYSCALL_DEFINE(pkey_mprotect, unsigned long addr, unsigned long len, int prot, int pkey)
{
	return pkey == -1 ? mm_mprotect(mm(), addr, len, prot) : -EINVAL;
}

SYSCALL_DEFINE(mremap, unsigned long old, unsigned long old_len, unsigned long new_len, int flags,
	       unsigned long new_addr)
{
	return mm_mremap(mm(), old, old_len, new_len, flags, new_addr);
}

SYSCALL_DEFINE(madvise, unsigned long addr, unsigned long len, int advice)
{
	return mm_madvise(mm(), addr, len, advice);
}

SYSCALL_DEFINE(brk, unsigned long addr)
{
	return mm_brk(mm(), addr);
}

SYSCALL_DEFINE(msync, unsigned long addr, unsigned long len, int flags)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	return mm_msync(mm(), addr, len, flags);
}

/* Memory is never paged out: locking marks the areas (msync's EBUSY) and nothing more. */
SYSCALL_DEFINE(mlock, unsigned long addr, unsigned long len)
{
	return mm_mlock(mm(), addr, len, true);
}

#define MLOCK_ONFAULT 1

SYSCALL_DEFINE(mlock2, unsigned long addr, unsigned long len, int flags)
{
	return flags & ~MLOCK_ONFAULT ? -EINVAL : mm_mlock(mm(), addr, len, true);
}

SYSCALL_DEFINE(munlock, unsigned long addr, unsigned long len)
{
	return mm_mlock(mm(), addr, len, false);
}

SYSCALL_DEFINE(mlockall, int flags)
{
	if (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) || !flags || flags == MCL_ONFAULT)
		return -EINVAL;
	mm_mlock_all(mm(), flags & MCL_CURRENT, flags & MCL_FUTURE);
	return 0;
}

SYSCALL_DEFINE(munlockall, void)
{
	mm_munlock_all(mm());
	return 0;
}

SYSCALL_DEFINE(mincore, unsigned long addr, unsigned long len, unsigned char __user *vec)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	long r = mm_check_mapped(mm(), addr, len);
	if (r)
		return r;
	/* Everything mapped counts as resident: nothing is ever swapped out. */
	for (unsigned long i = 0; i < ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE; i++) {
		if (put_user((unsigned char)1, vec + i))
			return -EFAULT;
	}
	return 0;
}

/*
 * NUMA policies on a machine of one node (top and numactl ask): the
 * policy is always the default, node 0 the only one allowed and the node
 * of every mapped address. set_mempolicy takes MPOL_DEFAULT and the
 * policies that name node 0, as they change nothing here.
 */
#define MPOL_DEFAULT	    0
#define MPOL_PREFERRED	    1
#define MPOL_LOCAL	    4
#define MPOL_MAX	    7
#define MPOL_F_NODE	    (1 << 0)
#define MPOL_F_ADDR	    (1 << 1)
#define MPOL_F_MEMS_ALLOWED (1 << 2)
#define MPOL_MODE_FLAGS	    (7u << 13) /* STATIC_NODES, RELATIVE_NODES, NUMA_BALANCING */

/* A node mask of maxnode bits to the application: node 0's bit if set, the rest cleared. */
static long put_nodes(unsigned long __user *mask, unsigned long maxnode, bool node0)
{
	size_t bytes = ALIGN_UP(maxnode - 1, 64) / 8;

	if (bytes > PAGE_SIZE)
		return -EINVAL;
	if (bytes && clear_user(mask, bytes))
		return -EFAULT;
	return bytes && node0 ? put_user(1ul, mask) : 0;
}

SYSCALL_DEFINE(get_mempolicy, int __user *mode, unsigned long __user *nmask, unsigned long maxnode,
	       unsigned long addr, unsigned long flags)
{
	int m = MPOL_DEFAULT;

	if (flags & ~(unsigned long)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
		return -EINVAL;
	if (nmask && maxnode < 1)
		return -EINVAL;
	if (flags & MPOL_F_MEMS_ALLOWED) {
		if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
			return -EINVAL;
	} else if (flags & MPOL_F_ADDR) {
		if (mm_check_mapped(mm(), addr & ~(PAGE_SIZE - 1), 1))
			return -EFAULT;
	} else if (addr) {
		return -EINVAL;
	} else if (flags & MPOL_F_NODE) {
		return -EINVAL; /* the next node of an interleave policy, which there is not */
	}
	/* MPOL_F_NODE with MPOL_F_ADDR: the node of the page, 0. */
	if (mode && put_user(m, mode))
		return -EFAULT;
	return nmask ? put_nodes(nmask, maxnode, flags & MPOL_F_MEMS_ALLOWED) : 0;
}

SYSCALL_DEFINE(set_mempolicy, int mode, const unsigned long __user *nmask, unsigned long maxnode)
{
	unsigned long first = 0;
	int m = mode & ~(int)MPOL_MODE_FLAGS;

	if (m < 0 || m >= MPOL_MAX)
		return -EINVAL;
	if (nmask && maxnode > 1 && get_user(first, nmask))
		return -EFAULT;
	if (m == MPOL_DEFAULT || m == MPOL_LOCAL)
		return nmask && first ? -EINVAL : 0;
	if (m == MPOL_PREFERRED && !first)
		return 0; /* local allocation */
	/* The other policies need nodes, and node 0 is the only one. */
	return first & 1 ? 0 : -EINVAL;
}
