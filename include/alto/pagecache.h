/*
 * The page cache (mm/pagecache.c): one cache per file of a file system that
 * is not RAM-backed (ext2, virtio-fs, block devices themselves), shared by
 * read/write and mmap. The file system supplies the I/O (struct
 * pcache_ops); the cache keeps pages with reference counts, dirty tracking
 * and write-back (fsync, sync, a background flusher that holds dirty pages
 * to a fifth of memory, power-off), readahead for sequential reads, and
 * gives clean pages nobody uses back to the page allocator when memory runs
 * short. A page mapped by a program stays while any mapping remains; a
 * page given to a shared mapping counts as dirty while mapped.
 *
 * Locks: a file's data operations hold its vnode's rwlock (reads and
 * write-back for reading, writes and truncation for writing) and may call
 * the file system's ops with it held; the cache's own lock is a spinlock
 * under it.
 */
#ifndef ALTO_PAGECACHE_H
#define ALTO_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vnode;
struct mount;
struct file;
struct uio;
struct pc_page;

/* One page of a transfer: its index in the file, its memory, and its bytes of the file. */
struct pcache_io {
	uint64_t index;
	void *page;
	size_t len;   /* for writes: bytes up to the end of the file (PAGE_SIZE but at the end) */
	uint8_t mask; /* for writes: the 512-byte sectors to write (bit n: sector n) */
};

struct pcache_ops {
	/*
	 * Fill the n pages (PAGE_SIZE each) with the file's bytes, zeros in
	 * holes and past the end: 0 or -errno (then none of them is used).
	 * The pages come in increasing index order; reading them together
	 * lets the device merge and overlap the requests.
	 */
	int (*read_pages)(struct vnode *v, struct pcache_io *io, int n);
	/* Write the n pages back (increasing index order): 0 or -errno. */
	int (*write_pages)(struct vnode *v, struct pcache_io *io, int n);
	/*
	 * Bytes [off, off+len) of page index are about to be written (a whole
	 * page for a shared mapping): give them storage, or fail (-ENOSPC).
	 * Called with the vnode's lock held for writing. NULL: nothing to do.
	 */
	int (*prepare_write)(struct vnode *v, uint64_t index, size_t off, size_t len);
	/*
	 * A write changed the vnode's size or times (its lock is held for
	 * writing): the file system keeps them (ext2 updates its inode). NULL:
	 * nothing to keep.
	 */
	void (*attrs_changed)(struct vnode *v);
};

/* Give v a cache (v->pcache): 0 or -ENOMEM. */
int pcache_init(struct vnode *v, const struct pcache_ops *ops);
/* Drop v's cache and every page in it; the file system wrote back what it wanted kept. */
void pcache_destroy(struct vnode *v);

/* file_ops.read and .write for regular files on the cache. */
long pcache_read(struct file *f, struct uio *u, uint64_t *pos);
long pcache_write(struct file *f, struct uio *u, uint64_t *pos);
/* The same on the cache of v, whatever file was opened (block device files). */
long pcache_read_at(struct vnode *v, struct uio *u, uint64_t *pos);
long pcache_write_at(struct vnode *v, struct uio *u, uint64_t *pos, bool append);
/* vnode_ops.map_page for files on the cache. */
int pcache_map_page(struct vnode *v, uint64_t off, bool own, int (*fn)(void *page, void *arg),
		    void *arg);
/*
 * v shrank to size (its lock held for writing, v->size not yet changed):
 * unmap and drop the pages past it, and zero the rest of the last one.
 * Dirty pages past the end are not written.
 */
void pcache_truncate(struct vnode *v, uint64_t size);
/* The file changed where the cache cannot see (on the host): drop its clean, idle pages. */
void pcache_invalidate(struct vnode *v);
/* Write back v's dirty pages: 0 or the first write-back error since the last call. */
int pcache_writeback(struct vnode *v);
/* Write back every cache of files of mount m (the block device's last: metadata). */
int pcache_sync_mount(struct mount *m);
bool pcache_has_dirty(const struct vnode *v);

/*
 * Kernel access to a page of v (a file system's metadata in its block
 * device's cache): the page at index, read in first when read is set
 * (otherwise zeroed when new), referenced; NULL with *err on failure.
 * The page stays while referenced; mark it dirty after changing it.
 */
void *pcache_get_page(struct vnode *v, uint64_t index, bool read, struct pc_page **ref, int *err);
void pcache_mark_dirty(struct pc_page *p);
/* Only bytes [off, off+len) of the page changed: write-back writes their sectors alone. */
void pcache_mark_dirty_range(struct pc_page *p, size_t off, size_t len);
void pcache_put_page(struct pc_page *p);
/*
 * The bytes [off, off+len) of v (whole sectors) are no longer v's to write:
 * a block of metadata freed, which may be given to a file next. Their dirty
 * state is dropped, after any write of them in progress ends.
 */
void pcache_forget_range(struct vnode *v, uint64_t off, size_t len);

/*
 * Free up to n clean pages nobody uses or maps, coldest first: how many
 * were freed. Called by the page allocator when it runs out, from any
 * context (it never sleeps, and skips caches whose lock is taken).
 */
unsigned long pcache_reclaim(unsigned long n);
/* Numbers for /proc/meminfo, in pages. */
struct pcache_stats {
	uint64_t cached, dirty, writeback, mapped;
};
void pcache_stats(struct pcache_stats *st);

#endif
