/*
 * Memory tracepoints (defined in mm/fault.c): page faults of the
 * application and how each was resolved, the page allocator and the heap,
 * address spaces, kernel stacks and device mappings; the page cache's
 * reads and write-backs (enter/exit pairs, which the summary times),
 * reclaim and the throttling of writers past the dirty limit (ino is the
 * file's inode number, index its page). The application's
 * mmap, munmap, mprotect and brk are its system calls' tracepoints;
 * mm_map_file adds the mapped file's path (the loader's mappings included),
 * which is how the host finds the program's and its libraries' symbols for
 * profiles.
 */
#ifndef MM_MM_TRACE_H
#define MM_MM_TRACE_H

#include <alto/trace.h>

struct file;

TRACEPOINT(page_fault_enter, "addr=%p rip=%p error=%x", uint64_t, addr, uint64_t, rip, uint64_t,
	   error)
TRACEPOINT(page_fault_exit, "addr=%p result=%d", uint64_t, addr, int, result)
TRACEPOINT(page_fault_cow, "addr=%p", uint64_t, addr)
/* A page filled: zeros (file 0), or a file's bytes at offset (file 1). */
TRACEPOINT(page_fault_fill, "addr=%p file=%d offset=%x", uint64_t, addr, int, file, uint64_t,
	   offset)
TRACEPOINT(page_alloc, "order=%u page=%p", unsigned int, order, const void *, page)
TRACEPOINT(page_free, "page=%p", const void *, page)
TRACEPOINT(kmalloc, "size=%u ptr=%p", size_t, size, const void *, ptr)
TRACEPOINT(kfree, "ptr=%p", const void *, ptr)
TRACEPOINT_FILE(mm_map_file, "addr=%p len=%x prot=%x offset=%x path=%s", uint64_t, addr, size_t,
		len, int, prot, uint64_t, offset)
TRACEPOINT(mm_create, "mm=%p", const void *, mm)
TRACEPOINT(mm_destroy, "mm=%p", const void *, mm)
/* A fork's copy of an address space, its private pages shared copy-on-write. */
TRACEPOINT(mm_fork, "parent=%p child=%p", const void *, parent, const void *, child)
TRACEPOINT(kstack_alloc, "size=%u stack=%p", size_t, size, const void *, stack)
TRACEPOINT(kstack_free, "stack=%p", const void *, stack)
TRACEPOINT(pcache_read_enter, "ino=%u index=%u pages=%u", uint64_t, ino, uint64_t, index,
	   unsigned int, pages)
TRACEPOINT(pcache_read_exit, "ino=%u index=%u result=%d", uint64_t, ino, uint64_t, index, int,
	   result)
TRACEPOINT(pcache_write_enter, "ino=%u index=%u pages=%u", uint64_t, ino, uint64_t, index,
	   unsigned int, pages)
TRACEPOINT(pcache_write_exit, "ino=%u index=%u result=%d", uint64_t, ino, uint64_t, index, int,
	   result)
TRACEPOINT(pcache_reclaim, "wanted=%u freed=%u", unsigned long, wanted, unsigned long, freed)
TRACEPOINT(pcache_throttle, "dirty=%u limit=%u", uint64_t, dirty, uint64_t, limit)
TRACEPOINT(mmio_map, "phys=%p len=%x virt=%p", uint64_t, phys, size_t, len, const void *, virt)

#endif
