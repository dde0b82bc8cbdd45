/*
 * The block layer (block/core.c). A driver registers a struct block_device
 * with its size, its limits and a submit op; users send struct bio (one
 * operation on a run of sectors, with memory segments) through
 * block_submit(). Bios wait in the device's queue as requests: a bio that
 * continues a waiting request of the same kind joins it (merging), and up
 * to queue_depth requests are at the driver at once, which completes each
 * with block_complete() from any context, interrupts included. A plug
 * (block_plug/block_unplug) holds the queue back while a batch is built,
 * so that its bios merge before the driver sees them.
 *
 * Sectors are 512 bytes, as Linux counts them whatever the device's block.
 * Segments are in the kernel's direct map and physically contiguous each.
 *
 * Block device files (/dev/vda...) and the device's own page cache, which
 * file systems use for their metadata, are fs/blkdev.c.
 */
#ifndef ALTO_BLOCK_H
#define ALTO_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>
#include <alto/spinlock.h>
#include <alto/sync.h>

#define SECTOR_SHIFT 9
#define SECTOR_SIZE  512

enum bio_op {
	BIO_READ,
	BIO_WRITE,
	BIO_FLUSH,   /* what was written before is on stable storage */
	BIO_DISCARD, /* the sectors' contents are no longer needed */
};

struct bio_vec {
	void *buf;
	uint32_t len;
};

#define BIO_INLINE_VECS 4

struct block_device;

struct bio {
	struct block_device *bd;
	enum bio_op op;
	uint64_t sector;
	uint64_t nbytes; /* the data's length (or the discarded length) */
	struct bio_vec *vecs;
	unsigned int nvecs, maxvecs;
	int status;		     /* 0 or -errno, when done() is called */
	void (*done)(struct bio *b); /* any context; the bio is the caller's again */
	void *priv;
	struct bio *next; /* in its request */
	struct bio_vec inline_vecs[BIO_INLINE_VECS];
};

/* Bios merged into one operation on contiguous sectors, as the driver gets them. */
struct request {
	struct block_device *bd;
	enum bio_op op;
	uint64_t sector;
	uint64_t nbytes;
	unsigned int nsegs;
	struct bio *first, *last;
	struct list link;
	void *driver; /* the driver's, while it holds the request */
};

/* Walk a request's segments: for (bio, i) from the first bio's first vec on. */
#define rq_for_each_segment(rq, b, i)                 \
	for ((b) = (rq)->first; (b); (b) = (b)->next) \
		for ((i) = 0; (i) < (b)->nvecs; (i)++)

struct block_ops {
	/*
	 * Start rq; finish it later with block_complete(). Returns 0, or
	 * -EBUSY when the device can take nothing more now (the layer tries
	 * again after the next completion). Called with interrupts on or off.
	 */
	int (*submit)(struct block_device *bd, struct request *rq);
};

struct block_stats {
	uint64_t ios[4];    /* completed requests by enum bio_op */
	uint64_t merges[4]; /* bios that joined a waiting request */
	uint64_t sectors[4];
	uint64_t busy_ns; /* time with requests at the driver */
	unsigned int max_inflight;
};

struct block_device {
	/* Set by the driver before block_register(). */
	char name[16]; /* "vda"; block_name() gives the next free one */
	uint64_t nsectors;
	uint32_t block_size; /* logical block, bytes */
	unsigned int queue_depth, max_segments;
	uint64_t max_bytes;	   /* per read or write request */
	uint32_t max_segment_size; /* 0: none */
	uint64_t max_discard;	   /* bytes per discard request, 0: max_bytes */
	bool read_only;
	bool write_cache; /* volatile: BIO_FLUSH means something */
	bool discard;
	uint32_t major, minor;
	const struct block_ops *ops;
	void *priv;

	/* The layer's. */
	struct spinlock lock;
	struct list pending; /* requests not yet at the driver */
	unsigned int inflight, plugged;
	bool stalled; /* the driver said -EBUSY: wait for a completion */
	uint64_t busy_since;
	struct block_stats stats;
	struct vnode *vnode; /* its page cache (fs/blkdev.c), made at first use */
	struct list link;
};

/* The first unused name of the form prefix + a, b, ... ("vd" gives vda, vdb...). */
void block_name(struct block_device *bd, const char *prefix);
/* Make bd known (and its /dev node, once /dev exists): 0 or -errno. */
int block_register(struct block_device *bd);
/* A device by name: "vda" or "/dev/vda"; NULL when there is none. */
struct block_device *block_find(const char *name);
struct block_device *block_find_dev(uint64_t dev);
void block_for_each(void (*fn)(struct block_device *bd, void *arg), void *arg);

/* A bio for up to nvecs segments (kmalloc'd when more than inline): NULL without memory. */
struct bio *bio_alloc(struct block_device *bd, enum bio_op op, uint64_t sector, unsigned int nvecs);
void bio_free(struct bio *b);
/* Add a segment: false when the bio is full. */
bool bio_add(struct bio *b, void *buf, uint32_t len);
void block_submit(struct bio *b);
/* The driver finished rq (status 0 or -errno): every bio's done() is called. */
void block_complete(struct request *rq, int status);
void block_plug(struct block_device *bd);
void block_unplug(struct block_device *bd);

/*
 * Transfers that wait: a batch collects segments into bios (a segment that
 * continues the last one on the device joins it), submits them under a
 * plug, and block_batch_wait() waits for all of them: 0 or the first error.
 */
struct block_batch {
	struct block_device *bd;
	struct bio *cur;
	long pending; /* atomic */
	int status;
	struct waitq wq;
};

void block_batch_init(struct block_batch *bb, struct block_device *bd);
/* op (read or write) of len bytes at buf, at byte offset off of the device: 0 or -errno. */
int block_batch_add(struct block_batch *bb, enum bio_op op, uint64_t off, void *buf, uint32_t len);
int block_batch_wait(struct block_batch *bb);
/* One operation, waited for: read, write (len bytes at byte offset off), flush or discard. */
int block_io(struct block_device *bd, enum bio_op op, uint64_t off, void *buf, uint64_t len);

/* The size of a device in bytes. */
static inline uint64_t block_bytes(const struct block_device *bd)
{
	return bd->nsectors << SECTOR_SHIFT;
}

/*
 * Block device files and caches (fs/blkdev.c). blkdev_node_add makes
 * /dev/NAME for a registered device (nothing before /dev exists; devfs
 * adds those later). blkdev_vnode is the vnode holding the device's page
 * cache, which file systems read and write their metadata through
 * (pcache_get_page); blkdev_sync writes it back and flushes the device.
 */
void blkdev_node_add(struct block_device *bd);
void blkdev_nodes_init(void);
struct vnode *blkdev_vnode(struct block_device *bd);
int blkdev_sync(struct block_device *bd);
/* Every device's cache written back and flushed (sync, power-off). */
void blkdev_sync_all(void);

/* RAM block devices of --ramdisk (drivers/ramdisk.c), after the image is unpacked. */
void ramdisk_init(void);

#endif
