/*
 * ext2 inodes: the cache of inodes in memory (each a vnode, kept after its
 * last reference so that the next lookup and its cached pages find it
 * again), reading and writing the inode table, the page cache's I/O for
 * files, directories and symlinks (each page's blocks mapped under the lock,
 * then read or written in one batch without it), attributes, truncation,
 * fsync, and deleting an inode once it has neither names nor users.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/random.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

static const struct file_ops ext2_file_fops;

static struct list *bucket(struct ext2_fs *fs, uint32_t ino)
{
	return &fs->hash[ino % EXT2_HASH_BUCKETS];
}

/* Where inode ino lies: its block in the inode table and the byte in it. */
static int locate(struct ext2_fs *fs, uint32_t ino, uint64_t *block, size_t *off)
{
	if (ino < 1 || ino > fs->sb.s_inodes_count)
		return ext2_corrupt(fs, "inode number out of range:", ino);
	uint32_t g = (ino - 1) / fs->inodes_per_group;
	uint64_t byte = (uint64_t)((ino - 1) % fs->inodes_per_group) * fs->inode_size;
	*block = ext2_gd_inode_table(fs, g) + byte / fs->block_size;
	*off = byte % fs->block_size;
	return 0;
}

/* Seconds and the extra field's epoch bits and nanoseconds. */
static struct timespec get_time(uint32_t sec, const uint32_t *extra)
{
	struct timespec t = { (int32_t)sec, 0 };

	if (extra) {
		t.tv_sec += (int64_t)(*extra & EXT4_EPOCH_MASK) << 32;
		t.tv_nsec = *extra >> 2;
	}
	return t;
}

static uint32_t put_time(struct timespec t, uint32_t *extra)
{
	if (extra)
		*extra = (uint32_t)(((t.tv_sec - (int32_t)t.tv_sec) >> 32) & EXT4_EPOCH_MASK) |
			 (uint32_t)t.tv_nsec << 2;
	return (uint32_t)t.tv_sec;
}

/* The extra field at offset off of the large inode, when ei's extra size covers it. */
static bool covers(const struct ext2_inode_info *ei, size_t field_off)
{
	return ei->extra_isize >= field_off + 4 - EXT2_GOOD_OLD_INODE_SIZE;
}

#define EXTRA(ei, raw, field) \
	(covers(ei, __builtin_offsetof(struct ext2_inode, field)) ? &(raw)->field : NULL)

static uint64_t decode_dev(const uint32_t *blocks)
{
	uint32_t x = blocks[0] ? blocks[0] : blocks[1];

	if (blocks[0])
		return makedev_linux((x >> 8) & 0xff, x & 0xff);
	return makedev_linux((x & 0xfff00) >> 8, (x & 0xff) | ((x >> 12) & 0xfff00));
}

static void encode_dev(uint64_t dev, uint32_t *blocks)
{
	uint32_t major = major_linux(dev), minor = minor_linux(dev);

	if (major < 256 && minor < 256) {
		blocks[0] = major << 8 | minor;
		blocks[1] = 0;
	} else {
		blocks[0] = 0;
		blocks[1] = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
	}
}

static void set_ops(struct ext2_inode_info *ei)
{
	uint32_t mode = ei->v.mode;

	if (S_ISREG(mode)) {
		ei->v.ops = &ext2_file_vops;
		ei->v.fops = &ext2_file_fops;
	} else if (S_ISDIR(mode)) {
		ei->v.ops = &ext2_dir_vops;
		ei->v.fops = &vfs_dir_fops;
	} else if (S_ISLNK(mode)) {
		ei->v.ops = &ext2_symlink_vops;
	} else {
		ei->v.ops = &ext2_special_vops;
	}
}

/* Fill ei from its on-disk inode. */
static void from_disk(struct ext2_inode_info *ei, const struct ext2_inode *raw)
{
	struct ext2_fs *fs = ei->fs;
	struct vnode *v = &ei->v;

	v->mode = raw->i_mode;
	v->uid = raw->i_uid | (uint32_t)raw->i_uid_high << 16;
	v->gid = raw->i_gid | (uint32_t)raw->i_gid_high << 16;
	v->nlink = raw->i_links_count;
	v->size = raw->i_size;
	if (S_ISREG(v->mode) || (fs->sb.s_feature_incompat & INCOMPAT_LARGEDIR))
		v->size |= (uint64_t)raw->i_size_high << 32;
	v->blocks = raw->i_blocks;
	if (fs->sb.s_feature_ro_compat & RO_COMPAT_HUGE_FILE) {
		v->blocks |= (uint64_t)raw->i_blocks_hi << 32;
		if (raw->i_flags & EXT4_HUGE_FILE_FL)
			v->blocks *= fs->block_size / 512;
	}
	ei->extra_isize = fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE ? raw->i_extra_isize : 0;
	v->atime = get_time(raw->i_atime, EXTRA(ei, raw, i_atime_extra));
	v->mtime = get_time(raw->i_mtime, EXTRA(ei, raw, i_mtime_extra));
	v->ctime = get_time(raw->i_ctime, EXTRA(ei, raw, i_ctime_extra));
	v->btime = (struct timespec){ 0, 0 };
	if (covers(ei, __builtin_offsetof(struct ext2_inode, i_crtime_extra)))
		v->btime = get_time(raw->i_crtime, &raw->i_crtime_extra);
	memcpy(ei->i_block, raw->i_block, sizeof(ei->i_block));
	ei->i_flags = raw->i_flags;
	ei->file_acl = raw->i_file_acl | (uint64_t)raw->i_file_acl_high << 32;
	ei->generation = raw->i_generation;
	ei->dtime = raw->i_dtime;
	v->rdev = S_ISCHR(v->mode) || S_ISBLK(v->mode) ? decode_dev(raw->i_block) : 0;
}

/* Put ei's fields into raw, leaving what Alto does not manage as it was. */
static void to_disk(struct ext2_inode_info *ei, struct ext2_inode *raw)
{
	struct vnode *v = &ei->v;

	raw->i_mode = (uint16_t)v->mode;
	raw->i_uid = (uint16_t)v->uid;
	raw->i_uid_high = (uint16_t)(v->uid >> 16);
	raw->i_gid = (uint16_t)v->gid;
	raw->i_gid_high = (uint16_t)(v->gid >> 16);
	raw->i_links_count = (uint16_t)MIN(v->nlink, (uint32_t)UINT16_MAX);
	raw->i_size = (uint32_t)v->size;
	raw->i_size_high = S_ISREG(v->mode) ? (uint32_t)(v->size >> 32) : raw->i_size_high;
	raw->i_blocks = (uint32_t)v->blocks;
	raw->i_blocks_hi = (uint16_t)(v->blocks >> 32);
	raw->i_flags = ei->i_flags & ~EXT4_HUGE_FILE_FL;
	raw->i_atime = put_time(v->atime, EXTRA(ei, raw, i_atime_extra));
	raw->i_mtime = put_time(v->mtime, EXTRA(ei, raw, i_mtime_extra));
	raw->i_ctime = put_time(v->ctime, EXTRA(ei, raw, i_ctime_extra));
	if (covers(ei, __builtin_offsetof(struct ext2_inode, i_crtime_extra)))
		raw->i_crtime = put_time(v->btime, &raw->i_crtime_extra);
	raw->i_dtime = ei->dtime;
	raw->i_generation = ei->generation;
	raw->i_file_acl = (uint32_t)ei->file_acl;
	raw->i_file_acl_high = (uint16_t)(ei->file_acl >> 32);
	memcpy(raw->i_block, ei->i_block, sizeof(raw->i_block));
	if (S_ISCHR(v->mode) || S_ISBLK(v->mode))
		encode_dev(v->rdev, raw->i_block);
	if (ei->fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE)
		raw->i_extra_isize = ei->extra_isize;
}

void ext2_write_inode(struct ext2_inode_info *ei)
{
	struct ext2_fs *fs = ei->fs;
	struct ext2_inode raw;
	struct ext2_buf b;
	uint64_t block;
	size_t off;

	if (ei->deleted || locate(fs, (uint32_t)ei->v.ino, &block, &off) ||
	    ext2_bread(fs, block, &b))
		return;
	size_t n = MIN((size_t)fs->inode_size, sizeof(raw));
	memset(&raw, 0, sizeof(raw));
	memcpy(&raw, (char *)b.data + off, n);
	to_disk(ei, &raw);
	/* The base inode and the extra fields Alto knows; in-inode xattrs after them stay. */
	n = MIN(n, (size_t)EXT2_GOOD_OLD_INODE_SIZE + ei->extra_isize);
	memcpy((char *)b.data + off, &raw, n);
	ext2_bdirty(&b, off, n);
	ext2_brelse(&b);
}

void ext2_add_blocks(struct ext2_inode_info *ei, int64_t delta)
{
	ei->v.blocks += (uint64_t)(delta * (int64_t)(ei->fs->block_size / 512));
}

static struct ext2_inode_info *alloc_info(struct ext2_fs *fs, uint32_t ino, uint32_t mode)
{
	struct ext2_inode_info *ei = kzalloc(sizeof(*ei));

	if (!ei)
		return NULL;
	if (pcache_init(&ei->v, &ext2_pcache_ops)) {
		kfree(ei);
		return NULL;
	}
	struct pcache *pc = ei->v.pcache;
	vnode_init(&ei->v, &fs->mount, &ext2_special_vops, mode);
	ei->v.pcache = pc;
	ei->v.ino = ino;
	ei->fs = fs;
	uint32_t g = (ino - 1) / fs->inodes_per_group;
	ei->goal = fs->sb.s_first_data_block + (uint64_t)g * fs->blocks_per_group;
	list_append(bucket(fs, ino), &ei->hash_link);
	fs->ninodes++;
	return ei;
}

/* A cached inode (fs->lock held), revived when it had no user: referenced. */
static struct ext2_inode_info *cached(struct ext2_fs *fs, uint32_t ino)
{
	struct list *l;

	list_for_each(l, bucket(fs, ino)) {
		struct ext2_inode_info *ei = list_entry(l, struct ext2_inode_info, hash_link);
		if (ei->v.ino == ino && !ei->deleted) {
			vnode_get(&ei->v);
			return ei;
		}
	}
	return NULL;
}

struct ext2_inode_info *ext2_iget(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode_info *ei;
	struct ext2_inode raw;
	struct ext2_buf b;
	uint64_t block;
	size_t off;

	mutex_lock(&fs->lock);
	ei = cached(fs, ino);
	if (ei) {
		mutex_unlock(&fs->lock);
		return ei;
	}
	int err = locate(fs, ino, &block, &off);
	if (!err)
		err = ext2_bread(fs, block, &b);
	if (err) {
		mutex_unlock(&fs->lock);
		return ERR_PTR(err);
	}
	memset(&raw, 0, sizeof(raw));
	memcpy(&raw, (char *)b.data + off, MIN((size_t)fs->inode_size, sizeof(raw)));
	ext2_brelse(&b);
	if (!raw.i_mode || !raw.i_links_count) {
		mutex_unlock(&fs->lock);
		return ERR_PTR(ext2_corrupt(fs, "a name points at a free inode:", ino));
	}
	if (raw.i_flags & EXT4_INLINE_DATA_FL) {
		mutex_unlock(&fs->lock);
		return ERR_PTR(-EOPNOTSUPP);
	}
	ei = alloc_info(fs, ino, raw.i_mode);
	if (ei) {
		from_disk(ei, &raw);
		set_ops(ei);
	}
	mutex_unlock(&fs->lock);
	return ei ? ei : ERR_PTR(-ENOMEM);
}

struct ext2_inode_info *ext2_new_inode(struct ext2_fs *fs, struct ext2_inode_info *dir,
				       uint32_t mode, uint64_t rdev)
{
	struct timespec now = vfs_now_in(&fs->mount);

	mutex_lock(&fs->lock);
	uint32_t ino = ext2_alloc_inode(fs, (uint32_t)dir->v.ino, S_ISDIR(mode));
	if (!ino) {
		mutex_unlock(&fs->lock);
		return ERR_PTR(-ENOSPC);
	}
	/* What a deleted file left in the slot goes: the inode starts from zeros. */
	uint64_t block;
	size_t off;
	struct ext2_buf b;
	if (!locate(fs, ino, &block, &off) && !ext2_bread(fs, block, &b)) {
		memset((char *)b.data + off, 0, fs->inode_size);
		ext2_bdirty(&b, off, fs->inode_size);
		ext2_brelse(&b);
	}
	struct ext2_inode_info *ei = alloc_info(fs, ino, mode);
	if (!ei) {
		ext2_free_inode(fs, ino, S_ISDIR(mode));
		mutex_unlock(&fs->lock);
		return ERR_PTR(-ENOMEM);
	}
	struct vnode *v = &ei->v;
	v->nlink = 0;
	v->gid = dir->v.gid; /* root's own, or the directory's when it is set-group-ID */
	if ((dir->v.mode & S_ISGID) && S_ISDIR(mode))
		v->mode |= S_ISGID;
	if (!(dir->v.mode & S_ISGID))
		v->gid = 0;
	v->rdev = rdev;
	v->atime = v->mtime = v->ctime = v->btime = now;
	ei->generation = (uint32_t)random_u64();
	if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE)
		ei->extra_isize = (uint16_t)MIN(
			(unsigned int)(fs->sb.s_want_extra_isize ? fs->sb.s_want_extra_isize : 32),
			fs->inode_size - EXT2_GOOD_OLD_INODE_SIZE);
	set_ops(ei);
	ext2_write_inode(ei);
	mutex_unlock(&fs->lock);
	return ei;
}

/* Free everything of an inode with no names and no users (fs->lock held). */
static void delete (struct ext2_inode_info *ei)
{
	struct ext2_fs *fs = ei->fs;
	bool is_dir = S_ISDIR(ei->v.mode);

	if (!S_ISLNK(ei->v.mode) || ei->v.blocks)
		ext2_free_blocks_from(ei, 0);
	if (ei->file_acl) {
		/* An attribute block may be shared: it goes with its last user. */
		struct ext2_buf b;
		if (!ext2_bread(fs, ei->file_acl, &b)) {
			struct ext2_xattr_header *h = b.data;
			bool last = h->h_magic != EXT2_XATTR_MAGIC || h->h_refcount <= 1;
			if (!last) {
				h->h_refcount--;
				ext2_bdirty(&b, 0, sizeof(*h));
			}
			ext2_brelse(&b);
			if (last) {
				ext2_bforget(fs, ei->file_acl);
				ext2_free_block(fs, ei->file_acl);
			}
		}
		ei->file_acl = 0;
	}
	ei->v.size = 0;
	ei->dtime = (uint32_t)vfs_now().tv_sec;
	ext2_write_inode(ei);
	ext2_free_inode(fs, (uint32_t)ei->v.ino, is_dir);
	ei->deleted = true;
}

static void drop(struct ext2_inode_info *ei)
{
	list_remove(&ei->hash_link);
	ei->fs->ninodes--;
	pcache_destroy(&ei->v);
	kfree(ei);
}

/*
 * The last reference went: an inode without names is deleted now; others
 * stay cached (a lookup revives them, so their refs may be back above 0 by
 * the time the lock is ours).
 */
static void ext2_free(struct vnode *v)
{
	struct ext2_inode_info *ei = EI(v);
	struct ext2_fs *fs = ei->fs;

	mutex_lock(&fs->lock);
	if (READ_ONCE(v->refs) == 0 && v->nlink == 0 && !(fs->mount.flags & MNT_RDONLY)) {
		delete (ei);
		drop(ei);
	}
	mutex_unlock(&fs->lock);
}

void ext2_icache_drop(struct ext2_fs *fs)
{
	mutex_lock(&fs->lock);
	for (int i = 0; i < EXT2_HASH_BUCKETS; i++) {
		while (!list_empty(&fs->hash[i]))
			drop(list_first_entry(&fs->hash[i], struct ext2_inode_info, hash_link));
	}
	mutex_unlock(&fs->lock);
}

bool ext2_icache_busy(struct ext2_fs *fs)
{
	bool busy = false;
	struct list *l;

	mutex_lock(&fs->lock);
	for (int i = 0; i < EXT2_HASH_BUCKETS && !busy; i++) {
		list_for_each(l, &fs->hash[i]) {
			struct ext2_inode_info *ei =
				list_entry(l, struct ext2_inode_info, hash_link);
			if (&ei->v != fs->mount.root && READ_ONCE(ei->v.refs) > 0)
				busy = true;
		}
	}
	mutex_unlock(&fs->lock);
	return busy;
}

void *ext2_get_page(struct ext2_inode_info *ei, uint64_t index, struct pc_page **ref, int *err)
{
	return pcache_get_page(&ei->v, index, true, ref, err);
}

/* The page cache's I/O. */

/* Map the blocks of n pages (at most a page's worth of blocks each), under the lock. */
static int map_pages(struct ext2_inode_info *ei, struct pcache_io *io, int n, uint64_t *blocks)
{
	struct ext2_fs *fs = ei->fs;
	unsigned int per_page = PAGE_SIZE / fs->block_size;
	uint64_t size = ei->v.size;
	int err = 0;

	mutex_lock(&fs->lock);
	for (int i = 0; i < n && !err; i++) {
		for (unsigned int j = 0; j < per_page && !err; j++) {
			uint64_t lblock = io[i].index * per_page + j;
			blocks[i * per_page + j] = 0;
			if (lblock * fs->block_size < size)
				err = ext2_bmap(ei, lblock, false, &blocks[i * per_page + j]);
		}
	}
	mutex_unlock(&fs->lock);
	return err;
}

static int transfer(struct vnode *v, struct pcache_io *io, int n, enum bio_op op)
{
	struct ext2_inode_info *ei = EI(v);
	struct ext2_fs *fs = ei->fs;
	unsigned int per_page = PAGE_SIZE / fs->block_size;
	uint64_t *blocks = kmalloc((size_t)n * per_page * sizeof(*blocks));
	struct block_batch bb;

	if (!blocks)
		return -ENOMEM;
	int err = map_pages(ei, io, n, blocks);
	block_batch_init(&bb, fs->bd);
	for (int i = 0; i < n && !err; i++) {
		for (unsigned int j = 0; j < per_page && !err; j++) {
			char *buf = (char *)io[i].page + j * fs->block_size;
			uint64_t b = blocks[i * per_page + j];
			bool in_file = op == BIO_READ || (size_t)j * fs->block_size < io[i].len;
			if (!b && op == BIO_READ)
				memset(buf, 0, fs->block_size);
			else if (b && in_file)
				err = block_batch_add(&bb, op, b * fs->block_size, buf,
						      fs->block_size);
		}
	}
	int werr = block_batch_wait(&bb);
	kfree(blocks);
	return err ? err : werr;
}

static int ext2_read_pages(struct vnode *v, struct pcache_io *io, int n)
{
	return transfer(v, io, n, BIO_READ);
}

static int ext2_write_pages(struct vnode *v, struct pcache_io *io, int n)
{
	return transfer(v, io, n, BIO_WRITE);
}

/* Blocks for the bytes about to be written. */
static int ext2_prepare_write(struct vnode *v, uint64_t index, size_t off, size_t len)
{
	struct ext2_inode_info *ei = EI(v);
	struct ext2_fs *fs = ei->fs;
	unsigned int per_page = PAGE_SIZE / fs->block_size;
	uint64_t block;
	int err = 0;

	if (!len)
		return 0;
	mutex_lock(&fs->lock);
	for (size_t j = off / fs->block_size; j <= (off + len - 1) / fs->block_size && !err; j++)
		err = ext2_bmap(ei, index * per_page + j, true, &block);
	mutex_unlock(&fs->lock);
	return err;
}

static void ext2_attrs_changed(struct vnode *v)
{
	struct ext2_fs *fs = EI(v)->fs;

	mutex_lock(&fs->lock);
	ext2_write_inode(EI(v));
	mutex_unlock(&fs->lock);
}

const struct pcache_ops ext2_pcache_ops = {
	.read_pages = ext2_read_pages,
	.write_pages = ext2_write_pages,
	.prepare_write = ext2_prepare_write,
	.attrs_changed = ext2_attrs_changed,
};

/* Attributes, truncation, fsync. */

static int ext2_setattr(struct vnode *v, const struct vattr *va)
{
	struct ext2_fs *fs = EI(v)->fs;

	rw_write_lock(&v->lock);
	vattr_apply(v, va);
	mutex_lock(&fs->lock);
	ext2_write_inode(EI(v));
	mutex_unlock(&fs->lock);
	rw_write_unlock(&v->lock);
	return 0;
}

static int ext2_truncate(struct vnode *v, uint64_t size)
{
	struct ext2_inode_info *ei = EI(v);
	struct ext2_fs *fs = ei->fs;
	int err = 0;

	if (size >> 32 && !(fs->sb.s_feature_ro_compat & RO_COMPAT_LARGE_FILE))
		return -EFBIG;
	rw_write_lock(&v->lock);
	if (size < v->size)
		pcache_truncate(v, size);
	mutex_lock(&fs->lock);
	if (size < v->size)
		err = ext2_free_blocks_from(ei, (size + fs->block_size - 1) / fs->block_size);
	v->size = size;
	v->mtime = v->ctime = vfs_now_in(v->mount);
	ext2_write_inode(ei);
	mutex_unlock(&fs->lock);
	rw_write_unlock(&v->lock);
	return err;
}

static int ext2_fsync(struct vnode *v, bool datasync)
{
	int err = pcache_writeback(v);
	int derr = blkdev_sync(EI(v)->fs->bd);

	return err ? err : derr;
}

static long ext2_file_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct ext2_fs *fs = EI(f->vnode)->fs;
	uint64_t limit = fs->sb.s_feature_ro_compat & RO_COMPAT_LARGE_FILE ? INT64_MAX : INT32_MAX;

	if (*pos >= limit && !(f->flags & O_APPEND))
		return -EFBIG;
	return pcache_write(f, u, pos);
}

static const struct file_ops ext2_file_fops = {
	.read = pcache_read,
	.write = ext2_file_write,
	.llseek = vfs_generic_llseek,
};

/* Symlinks: short targets live in the inode itself, longer ones in a block. */
static long ext2_readlink(struct vnode *v, char *buf, size_t size)
{
	struct ext2_inode_info *ei = EI(v);
	uint64_t acl_blocks = ei->file_acl ? ei->fs->block_size / 512 : 0;
	size_t n = (size_t)MIN((uint64_t)size, v->size);

	if (v->size < sizeof(ei->i_block) && v->blocks == acl_blocks) {
		memcpy(buf, ei->i_block, n);
		return (long)n;
	}
	if (v->size >= PAGE_SIZE)
		return ext2_corrupt(ei->fs, "symlink too long, inode", v->ino);
	struct pc_page *ref;
	int err = 0;
	char *page = ext2_get_page(ei, 0, &ref, &err);
	if (!page)
		return err;
	memcpy(buf, page, n);
	pcache_put_page(ref);
	return (long)n;
}

const struct vnode_ops ext2_file_vops = {
	.truncate = ext2_truncate,
	.map_page = pcache_map_page,
	.setattr = ext2_setattr,
	.fsync = ext2_fsync,
	.free = ext2_free,
};

const struct vnode_ops ext2_dir_vops = {
	.lookup = ext2_lookup,
	.create = ext2_create,
	.symlink = ext2_symlink,
	.link = ext2_link,
	.unlink = ext2_unlink,
	.rename = ext2_rename,
	.readdir = ext2_readdir,
	.name_of = ext2_name_of,
	.setattr = ext2_setattr,
	.fsync = ext2_fsync,
	.free = ext2_free,
};

const struct vnode_ops ext2_symlink_vops = {
	.readlink = ext2_readlink,
	.setattr = ext2_setattr,
	.fsync = ext2_fsync,
	.free = ext2_free,
};

const struct vnode_ops ext2_special_vops = {
	.setattr = ext2_setattr,
	.fsync = ext2_fsync,
	.free = ext2_free,
};
