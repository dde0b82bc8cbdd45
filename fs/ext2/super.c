/*
 * ext2: mounting (the superblock, the features Alto can write, read or must
 * refuse, the group descriptors), statfs, sync and unmount, and access to
 * metadata blocks through the block device's page cache. A file system
 * mounted for writing is marked "not clean" on the disk until its last
 * sync (unmount or power-off) marks it clean again, as Linux does, so that
 * e2fsck knows to look after a crash.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/random.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/statfs.h>
#include "internal.h"

/* What Alto writes, reads only, or cannot use at all. */
#define RW_INCOMPAT (INCOMPAT_FILETYPE | INCOMPAT_FLEX_BG)
#define RO_INCOMPAT                                                            \
	(RW_INCOMPAT | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_LARGEDIR | \
	 INCOMPAT_CSUM_SEED | INCOMPAT_META_BG)
#define RW_RO_COMPAT                                                           \
	(RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR | \
	 RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_DIR_NLINK | RO_COMPAT_HUGE_FILE)

static const struct {
	uint32_t bit;
	const char *name;
} incompat_names[] = {
	{ INCOMPAT_COMPRESSION, "compression" }, { INCOMPAT_RECOVER, "needs_recovery" },
	{ INCOMPAT_JOURNAL_DEV, "journal_dev" }, { INCOMPAT_MMP, "mmp" },
	{ INCOMPAT_EA_INODE, "ea_inode" },	 { INCOMPAT_DIRDATA, "dirdata" },
	{ INCOMPAT_INLINE_DATA, "inline_data" }, { INCOMPAT_ENCRYPT, "encrypt" },
	{ INCOMPAT_CASEFOLD, "casefold" },
};

int ext2_corrupt(struct ext2_fs *fs, const char *what, uint64_t n)
{
	printk("ext2 (%s): %s %lu: the file system is damaged (run e2fsck)\n", fs->bd->name, what,
	       n);
	return -EIO;
}

/* Blocks in the device's cache. */

static int get_block(struct ext2_fs *fs, uint64_t block, struct ext2_buf *b, bool fresh)
{
	uint64_t off = block * fs->block_size;
	int err = 0;

	if (!block || block >= fs->blocks_count)
		return ext2_corrupt(fs, "block number out of range:", block);
	/* A whole page need not be read to be overwritten; a part of one must. */
	bool read = !fresh || fs->block_size < PAGE_SIZE;
	void *page = pcache_get_page(fs->dev, off / PAGE_SIZE, read, &b->ref, &err);
	if (!page)
		return err;
	b->data = (char *)page + off % PAGE_SIZE;
	b->block = block;
	if (fresh) {
		memset(b->data, 0, fs->block_size);
		ext2_bdirty(b, 0, fs->block_size);
	}
	return 0;
}

int ext2_bread(struct ext2_fs *fs, uint64_t block, struct ext2_buf *b)
{
	return get_block(fs, block, b, false);
}

int ext2_bnew(struct ext2_fs *fs, uint64_t block, struct ext2_buf *b)
{
	return get_block(fs, block, b, true);
}

void ext2_bdirty(struct ext2_buf *b, size_t off, size_t len)
{
	size_t page_off = (size_t)((uintptr_t)b->data % PAGE_SIZE);

	pcache_mark_dirty_range(b->ref, page_off + off, len);
}

void ext2_brelse(struct ext2_buf *b)
{
	if (b->ref)
		pcache_put_page(b->ref);
	b->ref = NULL;
}

void ext2_bforget(struct ext2_fs *fs, uint64_t block)
{
	pcache_forget_range(fs->dev, block * fs->block_size, fs->block_size);
}

/* Group descriptors, kept in memory and written into their blocks as they change. */

struct ext2_group_desc *ext2_gd(struct ext2_fs *fs, uint32_t group)
{
	return (struct ext2_group_desc *)((char *)fs->gd + (size_t)group * fs->desc_size);
}

static uint64_t hi(struct ext2_fs *fs, uint32_t high)
{
	return fs->desc_size >= 64 ? (uint64_t)high << 32 : 0;
}

uint64_t ext2_gd_block_bitmap(struct ext2_fs *fs, uint32_t group)
{
	struct ext2_group_desc *g = ext2_gd(fs, group);
	return g->bg_block_bitmap | hi(fs, g->bg_block_bitmap_hi);
}

uint64_t ext2_gd_inode_bitmap(struct ext2_fs *fs, uint32_t group)
{
	struct ext2_group_desc *g = ext2_gd(fs, group);
	return g->bg_inode_bitmap | hi(fs, g->bg_inode_bitmap_hi);
}

uint64_t ext2_gd_inode_table(struct ext2_fs *fs, uint32_t group)
{
	struct ext2_group_desc *g = ext2_gd(fs, group);
	return g->bg_inode_table | hi(fs, g->bg_inode_table_hi);
}

static uint64_t gdt_start(struct ext2_fs *fs)
{
	return fs->sb.s_first_data_block + 1;
}

void ext2_gd_dirty(struct ext2_fs *fs, uint32_t group)
{
	uint64_t off = (uint64_t)group * fs->desc_size;
	struct ext2_buf b;

	if (ext2_bread(fs, gdt_start(fs) + off / fs->block_size, &b))
		return; /* it is written again at the next sync */
	memcpy((char *)b.data + off % fs->block_size, ext2_gd(fs, group), fs->desc_size);
	ext2_bdirty(&b, off % fs->block_size, fs->desc_size);
	ext2_brelse(&b);
}

/* The superblock goes back into its place in the cache. */
static int write_super(struct ext2_fs *fs)
{
	int err = 0;
	struct pc_page *ref;
	char *page = pcache_get_page(fs->dev, 0, true, &ref, &err);

	if (!page)
		return err;
	fs->sb.s_free_blocks_count = (uint32_t)ext2_free_blocks(fs);
	fs->sb.s_free_inodes_count = ext2_free_inodes(fs);
	fs->sb.s_wtime = (uint32_t)vfs_now().tv_sec;
	memcpy(page + EXT2_SUPER_OFFSET, &fs->sb, sizeof(fs->sb));
	pcache_mark_dirty_range(ref, EXT2_SUPER_OFFSET, sizeof(fs->sb));
	pcache_put_page(ref);
	return 0;
}

/* Features: a clear line for what cannot be used, read-only for what cannot be written. */
static int check_features(struct ext2_fs *fs, bool *rdonly)
{
	uint32_t incompat = fs->sb.s_feature_incompat, ro = fs->sb.s_feature_ro_compat;

	if (fs->sb.s_rev_level == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(incompat_names); i++) {
		if (incompat & incompat_names[i].bit) {
			printk("ext2 (%s): cannot mount: feature %s is not supported%s\n",
			       fs->bd->name, incompat_names[i].name,
			       incompat_names[i].bit == INCOMPAT_RECOVER ?
				       " (replay the journal with e2fsck first)" :
				       "");
			return -EINVAL;
		}
	}
	if (incompat & ~RO_INCOMPAT) {
		printk("ext2 (%s): cannot mount: unknown incompatible features %#x\n", fs->bd->name,
		       incompat & ~RO_INCOMPAT);
		return -EINVAL;
	}
	if (ro & RO_COMPAT_BIGALLOC) {
		printk("ext2 (%s): cannot mount: feature bigalloc is not supported\n",
		       fs->bd->name);
		return -EINVAL;
	}
	const char *why = (incompat & ~RW_INCOMPAT)			 ? "extents or 64-bit" :
			  (ro & RO_COMPAT_METADATA_CSUM)		 ? "metadata_csum" :
			  (ro & RO_COMPAT_GDT_CSUM)			 ? "uninit_bg" :
			  (ro & ~RW_RO_COMPAT)				 ? "read-only features" :
			  (fs->sb.s_feature_compat & COMPAT_HAS_JOURNAL) ? "a journal" :
									   NULL;
	if (why && !*rdonly) {
		printk("ext2 (%s): mounted read-only: Alto does not write file systems with %s\n",
		       fs->bd->name, why);
		*rdonly = true;
	}
	return 0;
}

static int read_super(struct ext2_fs *fs)
{
	struct pc_page *ref;
	int err = 0;
	char *page = pcache_get_page(fs->dev, 0, true, &ref, &err);

	if (!page)
		return err;
	memcpy(&fs->sb, page + EXT2_SUPER_OFFSET, sizeof(fs->sb));
	pcache_put_page(ref);
	struct ext2_super *s = &fs->sb;
	if (s->s_magic != EXT2_MAGIC)
		return -EINVAL;
	if (s->s_log_block_size > 2) {
		printk("ext2 (%s): cannot mount: blocks of %u bytes (at most 4096)\n", fs->bd->name,
		       1024u << MIN(s->s_log_block_size, 20u));
		return -EINVAL;
	}
	fs->block_size = 1024u << s->s_log_block_size;
	fs->inode_size = s->s_rev_level ? s->s_inode_size : EXT2_GOOD_OLD_INODE_SIZE;
	fs->first_ino = s->s_rev_level ? s->s_first_ino : EXT2_GOOD_OLD_FIRST_INO;
	fs->desc_size = (s->s_feature_incompat & INCOMPAT_64BIT) && s->s_desc_size >= 64 ?
				64 :
				EXT2_MIN_DESC_SIZE;
	fs->blocks_count = s->s_blocks_count;
	if (s->s_feature_incompat & INCOMPAT_64BIT)
		fs->blocks_count |= (uint64_t)s->s_blocks_count_hi << 32;
	fs->blocks_per_group = s->s_blocks_per_group;
	fs->inodes_per_group = s->s_inodes_per_group;
	fs->filetype = s->s_rev_level && (s->s_feature_incompat & INCOMPAT_FILETYPE);
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > fs->block_size ||
	    (fs->inode_size & (fs->inode_size - 1)) || !fs->blocks_per_group ||
	    !fs->inodes_per_group || fs->blocks_count <= s->s_first_data_block ||
	    fs->blocks_count * fs->block_size > block_bytes(fs->bd))
		return ext2_corrupt(fs, "superblock geometry, blocks", fs->blocks_count);
	fs->ngroups =
		(uint32_t)((fs->blocks_count - s->s_first_data_block + fs->blocks_per_group - 1) /
			   fs->blocks_per_group);
	fs->gdt_blocks = (fs->ngroups * fs->desc_size + fs->block_size - 1) / fs->block_size;
	return 0;
}

static int read_group_descs(struct ext2_fs *fs)
{
	size_t per_block = fs->block_size / fs->desc_size;

	fs->gd = kmalloc((size_t)fs->ngroups * fs->desc_size);
	if (!fs->gd)
		return -ENOMEM;
	for (uint32_t i = 0; i < fs->gdt_blocks; i++) {
		struct ext2_buf b;
		int err = ext2_bread(fs, gdt_start(fs) + i, &b);
		if (err)
			return err;
		size_t n = MIN(per_block, (size_t)fs->ngroups - i * per_block);
		memcpy((char *)fs->gd + i * fs->block_size, b.data, n * fs->desc_size);
		ext2_brelse(&b);
	}
	for (uint32_t g = 0; g < fs->ngroups; g++) {
		if (ext2_gd_inode_table(fs, g) >= fs->blocks_count ||
		    ext2_gd_block_bitmap(fs, g) >= fs->blocks_count)
			return ext2_corrupt(fs, "group descriptor", g);
	}
	return 0;
}

/* Does group g hold a copy of the superblock (sparse_super: 0, 1 and powers of 3, 5, 7)? */
static bool group_has_super(struct ext2_fs *fs, uint32_t g)
{
	if (g <= 1 || !(fs->sb.s_feature_ro_compat & RO_COMPAT_SPARSE_SUPER))
		return true;
	for (uint32_t base = 3; base <= 7; base += 2) {
		uint64_t p = base;
		while (p < g)
			p *= base;
		if (p == g)
			return true;
	}
	return false;
}

/* Blocks that hold no file data: superblock copies, descriptors, bitmaps, inode tables. */
static uint64_t overhead(struct ext2_fs *fs)
{
	uint64_t itb = ((uint64_t)fs->inodes_per_group * fs->inode_size + fs->block_size - 1) /
		       fs->block_size;
	uint64_t n = fs->sb.s_first_data_block;

	for (uint32_t g = 0; g < fs->ngroups; g++) {
		if (group_has_super(fs, g))
			n += 1 + fs->gdt_blocks + fs->sb.s_reserved_gdt_blocks;
		n += 2 + itb;
	}
	return n;
}

static int ext2_statfs(struct mount *m, struct statfs *st)
{
	struct ext2_fs *fs = FS(m);

	mutex_lock(&fs->lock);
	uint64_t free = ext2_free_blocks(fs), reserved = fs->sb.s_r_blocks_count;
	st->f_bsize = st->f_frsize = fs->block_size;
	st->f_blocks = fs->blocks_count - overhead(fs);
	st->f_bfree = free;
	st->f_bavail = free > reserved ? free - reserved : 0;
	st->f_files = fs->sb.s_inodes_count;
	st->f_ffree = ext2_free_inodes(fs);
	st->f_namelen = EXT2_NAME_LEN;
	mutex_unlock(&fs->lock);
	return 0;
}

static int ext2_sync(struct mount *m, unsigned int how)
{
	struct ext2_fs *fs = FS(m);
	int err = 0;

	if (m->flags & MNT_RDONLY && !(how & SYNC_FINAL))
		return 0;
	/* File data first, then the metadata that points at it. */
	err = pcache_sync_mount(m);
	if (!fs->read_only && !(m->flags & MNT_RDONLY)) {
		mutex_lock(&fs->lock);
		if (how & SYNC_FINAL && fs->was_clean)
			fs->sb.s_state |= EXT2_VALID_FS;
		write_super(fs);
		mutex_unlock(&fs->lock);
	}
	int derr = blkdev_sync(fs->bd);
	return err ? err : derr;
}

static bool ext2_busy(struct mount *m)
{
	return ext2_icache_busy(FS(m));
}

static void ext2_unmount(struct mount *m)
{
	struct ext2_fs *fs = FS(m);

	vnode_put(m->root);
	ext2_icache_drop(fs);
	kfree(fs->gd);
	kfree(fs);
}

static int ext2_show_options(struct mount *m, char *buf, size_t size)
{
	return 0;
}

static const struct mount_ops ext2_mount_ops = {
	.statfs = ext2_statfs,
	.sync = ext2_sync,
	.busy = ext2_busy,
	.unmount = ext2_unmount,
	.show_options = ext2_show_options,
};

/* Mark a file system mounted for writing as in use, as Linux does. */
static int start_writing(struct ext2_fs *fs)
{
	struct ext2_super *s = &fs->sb;

	fs->was_clean = s->s_state & EXT2_VALID_FS;
	if (!fs->was_clean)
		printk("ext2 (%s): mounting a file system that was not cleanly unmounted; run e2fsck\n",
		       fs->bd->name);
	else if (s->s_state & EXT2_ERROR_FS)
		printk("ext2 (%s): mounting a file system with errors; run e2fsck\n", fs->bd->name);
	s->s_state &= ~EXT2_VALID_FS;
	s->s_mnt_count++;
	s->s_mtime = (uint32_t)vfs_now().tv_sec;
	mutex_lock(&fs->lock);
	int err = write_super(fs);
	mutex_unlock(&fs->lock);
	return err ? err : blkdev_sync(fs->bd);
}

static struct mount *ext2_mount(const struct fs_type *t, const char *source, unsigned int flags,
				const char *data)
{
	struct block_device *bd = source ? block_find(source) : NULL;
	struct ext2_fs *fs;
	bool rdonly = flags & MNT_RDONLY;
	int err;

	if (!bd)
		return ERR_PTR(source ? -ENOENT : -ENOTBLK);
	if (data && *data) {
		printk("ext2: unknown mount options '%s'\n", data);
		return ERR_PTR(-EINVAL);
	}
	fs = kzalloc(sizeof(*fs));
	if (!fs)
		return ERR_PTR(-ENOMEM);
	fs->bd = bd;
	fs->dev = blkdev_vnode(bd);
	mutex_init(&fs->lock);
	for (int i = 0; i < EXT2_HASH_BUCKETS; i++)
		list_init(&fs->hash[i]);
	err = fs->dev ? read_super(fs) : -ENOMEM;
	if (!err && bd->read_only)
		rdonly = true;
	if (!err)
		err = check_features(fs, &rdonly);
	if (!err)
		err = read_group_descs(fs);
	if (err)
		goto fail;
	fs->read_only = rdonly;
	mount_init(&fs->mount, "ext2", EXT2_SUPER_MAGIC);
	fs->mount.ops = &ext2_mount_ops;
	snprintf(fs->source, sizeof(fs->source), "/dev/%s", bd->name);
	fs->mount.source = fs->source;
	fs->mount.dev = makedev_linux(bd->major, bd->minor);
	fs->mount.flags = rdonly ? MNT_RDONLY : 0;
	/* Nanoseconds need the extra fields of large inodes (files made here get 32 bytes of them).
	 */
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE + EXT2_EXTRA_ISIZE_TIMES)
		fs->mount.time_gran = NSEC_PER_SEC;
	struct ext2_inode_info *root = ext2_iget(fs, EXT2_ROOT_INO);
	if (IS_ERR(root)) {
		err = (int)PTR_ERR(root);
		goto fail;
	}
	if (!S_ISDIR(root->v.mode)) {
		vnode_put(&root->v);
		err = ext2_corrupt(fs, "root inode is not a directory:", EXT2_ROOT_INO);
		goto fail;
	}
	fs->mount.root = &root->v;
	if (!rdonly && (err = start_writing(fs))) {
		vnode_put(&root->v);
		ext2_icache_drop(fs);
		goto fail;
	}
	return &fs->mount;
fail:
	if (err == -EINVAL && fs->sb.s_magic != EXT2_MAGIC)
		printk("ext2: no ext2 file system on %s\n", bd->name);
	kfree(fs->gd);
	kfree(fs);
	return ERR_PTR(err);
}

FILESYSTEM(ext2_type) = { .name = "ext2", .mount = ext2_mount, .needs_device = true };
FILESYSTEM(ext4_type) = { .name = "ext4", .mount = ext2_mount, .needs_device = true };
