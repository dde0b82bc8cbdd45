/*
 * ext2's in-memory state, shared by the files of fs/ext2/: the mounted file
 * system (struct ext2_fs, which embeds its struct mount), the inodes
 * (struct ext2_inode_info, which embeds the vnode), and metadata blocks,
 * which are read and written through the block device's page cache.
 *
 * Locks: fs->lock (a mutex) covers every change of metadata: bitmaps and
 * counts, block maps, inode table entries, directory blocks. It is taken
 * after a vnode's lock and after the mount's name lock, never before them.
 */
#ifndef FS_EXT2_INTERNAL_H
#define FS_EXT2_INTERNAL_H

#include <alto/block.h>
#include <alto/mm.h>
#include <alto/pagecache.h>
#include <alto/vfs.h>
#include "../internal.h"
#include "format.h"

#define EXT2_HASH_BUCKETS 256

struct ext2_fs {
	struct mount mount;
	struct block_device *bd;
	struct vnode *dev; /* the device's cache */
	char source[24];   /* "/dev/vda", for /proc/mounts */
	struct mutex lock;
	struct ext2_super sb; /* the superblock as it will be written */
	uint32_t block_size, inode_size, desc_size;
	uint64_t blocks_count;
	uint32_t ngroups, blocks_per_group, inodes_per_group, first_ino;
	uint32_t gdt_blocks;	    /* blocks of group descriptors */
	struct ext2_group_desc *gd; /* every group's descriptor (desc_size bytes each) */
	bool read_only;		    /* the device or the features allow nothing else */
	bool filetype;		    /* directory entries carry the file's type */
	bool was_clean;		    /* s_state had EXT2_VALID_FS when mounted */
	uint32_t dir_group;	    /* where the last directory went */
	struct list hash[EXT2_HASH_BUCKETS];
	uint64_t ninodes; /* in the cache */
};

struct ext2_inode_info {
	struct vnode v;
	struct ext2_fs *fs;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_flags;
	uint64_t file_acl;
	uint32_t generation;
	uint16_t extra_isize;
	uint32_t dtime;
	uint64_t goal; /* where the next block of this file should go */
	struct list hash_link;
	bool deleted; /* its inode is free: nothing to write */
};

static inline struct ext2_inode_info *EI(struct vnode *v)
{
	return container_of(v, struct ext2_inode_info, v);
}

static inline struct ext2_fs *FS(struct mount *m)
{
	return container_of(m, struct ext2_fs, mount);
}

/* A metadata block in the device's cache, referenced while held. */
struct ext2_buf {
	void *data;
	struct pc_page *ref;
	uint64_t block;
};

/* super.c */
int ext2_bread(struct ext2_fs *fs, uint64_t block, struct ext2_buf *b);
/* A block about to be filled from nothing: zeroed, not read. */
int ext2_bnew(struct ext2_fs *fs, uint64_t block, struct ext2_buf *b);
void ext2_bdirty(struct ext2_buf *b, size_t off, size_t len);
void ext2_brelse(struct ext2_buf *b);
/* A metadata block was freed: whatever was left to write of it is dropped. */
void ext2_bforget(struct ext2_fs *fs, uint64_t block);
struct ext2_group_desc *ext2_gd(struct ext2_fs *fs, uint32_t group);
uint64_t ext2_gd_block_bitmap(struct ext2_fs *fs, uint32_t group);
uint64_t ext2_gd_inode_bitmap(struct ext2_fs *fs, uint32_t group);
uint64_t ext2_gd_inode_table(struct ext2_fs *fs, uint32_t group);
/* Write group's descriptor into its block in the cache. */
void ext2_gd_dirty(struct ext2_fs *fs, uint32_t group);
/* One console line about a damaged file system (and the operation fails with -EIO). */
int ext2_corrupt(struct ext2_fs *fs, const char *what, uint64_t n);

/* alloc.c (fs->lock held) */
/* A free block near goal, marked used: its number, or 0 (-ENOSPC). */
uint64_t ext2_alloc_block(struct ext2_fs *fs, uint64_t goal);
void ext2_free_block(struct ext2_fs *fs, uint64_t block);
/* A free inode for a new file (near dir's group; directories spread): its number or 0. */
uint32_t ext2_alloc_inode(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir);
void ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool is_dir);
uint64_t ext2_free_blocks(struct ext2_fs *fs);
uint32_t ext2_free_inodes(struct ext2_fs *fs);

/* bmap.c (fs->lock held) */
/*
 * The device block of file block lblock, 0 for a hole. With create, a hole
 * gets a block (and the indirect blocks on the way): -ENOSPC when none is
 * left. Extent-mapped files are read-only here.
 */
int ext2_bmap(struct ext2_inode_info *ei, uint64_t lblock, bool create, uint64_t *out);
/* Free every block from file block `from` on (i_blocks follows). */
int ext2_free_blocks_from(struct ext2_inode_info *ei, uint64_t from);

/* inode.c */
extern const struct vnode_ops ext2_file_vops, ext2_dir_vops, ext2_symlink_vops, ext2_special_vops;
extern const struct pcache_ops ext2_pcache_ops;
/* The inode ino, from the cache or the disk, referenced; ERR_PTR on failure. */
struct ext2_inode_info *ext2_iget(struct ext2_fs *fs, uint32_t ino);
/* A new inode of mode (rdev for devices) in a directory: referenced, on disk, nlink 0. */
struct ext2_inode_info *ext2_new_inode(struct ext2_fs *fs, struct ext2_inode_info *dir,
				       uint32_t mode, uint64_t rdev);
/* Write ei's fields into the inode table (fs->lock held). */
void ext2_write_inode(struct ext2_inode_info *ei);
/* Its data block count changed by delta fs blocks (fs->lock held). */
void ext2_add_blocks(struct ext2_inode_info *ei, int64_t delta);
/* Drop every cached inode (unmount): none may be in use but the root. */
void ext2_icache_drop(struct ext2_fs *fs);
bool ext2_icache_busy(struct ext2_fs *fs);
/* A page of a file or directory, read through its cache, referenced. */
void *ext2_get_page(struct ext2_inode_info *ei, uint64_t index, struct pc_page **ref, int *err);

/* dir.c (the mount's name lock held) */
int ext2_dir_lookup(struct ext2_inode_info *dir, const char *name, size_t len, uint32_t *ino);
int ext2_dir_add(struct ext2_inode_info *dir, const char *name, size_t len,
		 struct ext2_inode_info *ei);
int ext2_dir_remove(struct ext2_inode_info *dir, const char *name, size_t len);
/* Point the entry name at ei instead (rename over an existing name). */
int ext2_dir_set(struct ext2_inode_info *dir, const char *name, size_t len,
		 struct ext2_inode_info *ei);
/* Only "." and ".." in it? */
bool ext2_dir_empty(struct ext2_inode_info *dir);
/* A new directory's first block: "." and "..". */
int ext2_dir_init(struct ext2_inode_info *dir, struct ext2_inode_info *parent);
/* Point ".." of dir at parent. */
int ext2_dir_set_parent(struct ext2_inode_info *dir, uint32_t parent_ino);
int ext2_readdir(struct vnode *v, uint64_t *cookie, vfs_dirent_fn fn, void *ctx);
int ext2_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size);

/* namei.c: the vnode operations on names. */
int ext2_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out);
int ext2_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		struct vnode **out);
int ext2_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
		 struct vnode **out);
int ext2_link(struct vnode *dir, const char *name, size_t len, struct vnode *v);
int ext2_unlink(struct vnode *dir, const char *name, size_t len, bool rmdir);
int ext2_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
		const char *nname, size_t nlen, unsigned int flags);

#endif
