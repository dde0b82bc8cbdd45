/*
 * Memory system calls: thin wrappers over the VM layer (mm/vma.c). Private
 * file mappings are read into anonymous memory when mapped; shared writable
 * file mappings come with file-backed paging (the dynamic-executables work).
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/syscall.h>
#include <alto/fdtable.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/mman.h>
#include <uapi/stat.h>

static struct mm *mm(void)
{
	return current_process()->mm;
}

/* Copy len bytes of the file at off into the new mapping at addr. */
static long fill_from_file(struct file *f, uintptr_t addr, size_t len, uint64_t off)
{
	long size = vfs_file_size(f);

	for (size_t done = 0; done < len && off + done < (uint64_t)size; done += PAGE_SIZE) {
		void *dst = mm_page(mm(), addr + done);
		if (!dst)
			return -ENOMEM;
		size_t n = MIN(PAGE_SIZE, (uint64_t)size - (off + done));
		if (vfs_pread(f, dst, n, off + done) < 0)
			return -EIO;
	}
	return 0;
}

static long map_file(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	long r = -ENODEV;
	/* Only regular files can be mapped (Linux: pipes, sockets, directories give ENODEV). */
	if (!f->vnode || (f->vnode->mode & S_IFMT) != S_IFREG)
		goto out;
	r = -EACCES;
	if (!file_readable(f))
		goto out;
	r = -ENODEV;
	if ((flags & MAP_TYPE) == MAP_SHARED && (prot & PROT_WRITE)) {
		printk("alto: shared writable file mappings are not supported yet\n");
		goto out;
	}
	r = mm_mmap_anon(mm(), addr, len, prot, flags);
	if (r >= 0) {
		long e = fill_from_file(f, (uintptr_t)r, ALIGN_UP(len, PAGE_SIZE), off);
		if (e) {
			mm_munmap(mm(), (uintptr_t)r, len);
			r = e;
		}
	}
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
	return mm_check_mapped(mm(), addr, len);
}

/* Memory is never paged out: locking succeeds when the range is mapped. */
SYSCALL_DEFINE(mlock, unsigned long addr, unsigned long len)
{
	return mm_check_mapped(mm(), ALIGN_DOWN(addr, PAGE_SIZE), len + (addr & (PAGE_SIZE - 1)));
}

SYSCALL_DEFINE(mlock2, unsigned long addr, unsigned long len, int flags)
{
	return sys_mlock(addr, len);
}

SYSCALL_DEFINE(munlock, unsigned long addr, unsigned long len)
{
	return sys_mlock(addr, len);
}

SYSCALL_DEFINE(mlockall, int flags)
{
	return flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) || !flags ? -EINVAL : 0;
}

SYSCALL_DEFINE(munlockall, void)
{
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
