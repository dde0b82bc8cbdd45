/*
 * ext2 block maps: which device block holds each block of a file. Classic
 * maps are twelve direct pointers and single, double and triple indirect
 * blocks of pointers; a file block is found by the path of indexes through
 * them, and holes (zero pointers) get blocks on demand. Freeing from a
 * file block on walks the same trees, freeing indirect blocks that no
 * longer point at anything. ext4's extent trees (read-only mounts) are
 * searched for the extent that covers a block. fs->lock is held throughout.
 */
#include <alto/string.h>
#include <uapi/errno.h>
#include "internal.h"

/* The path to file block lblock: depth 0 (direct) to 3, with the index at each level. */
static int block_path(struct ext2_fs *fs, uint64_t lblock, unsigned int idx[4])
{
	uint64_t apb = fs->block_size / 4;

	if (lblock < EXT2_NDIR_BLOCKS) {
		idx[0] = (unsigned int)lblock;
		return 0;
	}
	lblock -= EXT2_NDIR_BLOCKS;
	if (lblock < apb) {
		idx[0] = EXT2_IND_BLOCK;
		idx[1] = (unsigned int)lblock;
		return 1;
	}
	lblock -= apb;
	if (lblock < apb * apb) {
		idx[0] = EXT2_DIND_BLOCK;
		idx[1] = (unsigned int)(lblock / apb);
		idx[2] = (unsigned int)(lblock % apb);
		return 2;
	}
	lblock -= apb * apb;
	if (lblock < apb * apb * apb) {
		idx[0] = EXT2_TIND_BLOCK;
		idx[1] = (unsigned int)(lblock / (apb * apb));
		idx[2] = (unsigned int)(lblock / apb % apb);
		idx[3] = (unsigned int)(lblock % apb);
		return 3;
	}
	return -EFBIG;
}

/* A new block for ei near its goal; zeroed in the cache when it is an indirect block. */
static int new_block(struct ext2_inode_info *ei, bool metadata, uint64_t *out)
{
	struct ext2_fs *fs = ei->fs;
	uint64_t b = ext2_alloc_block(fs, ei->goal);

	if (!b)
		return -ENOSPC;
	ei->goal = b + 1;
	ext2_add_blocks(ei, 1);
	if (metadata) {
		struct ext2_buf buf;
		int err = ext2_bnew(fs, b, &buf);
		if (err) {
			ext2_free_block(fs, b);
			ext2_add_blocks(ei, -1);
			return err;
		}
		ext2_brelse(&buf);
	}
	*out = b;
	return 0;
}

/* Extents (ext4, read-only): the block that covers lblock, 0 in a hole. */
static int extent_map(struct ext2_inode_info *ei, uint64_t lblock, uint64_t *out)
{
	struct ext2_fs *fs = ei->fs;
	const struct ext4_extent_header *h = (const void *)ei->i_block;
	struct ext2_buf b = { 0 };
	int err = 0;

	*out = 0;
	for (int level = 0;; level++) {
		if (h->eh_magic != EXT4_EXT_MAGIC || level > 5) {
			err = ext2_corrupt(fs, "bad extent tree in inode", ei->v.ino);
			break;
		}
		if (h->eh_depth == 0) {
			const struct ext4_extent *e = (const void *)(h + 1);
			for (unsigned int i = 0; i < h->eh_entries; i++) {
				uint32_t len = e[i].ee_len;
				bool unwritten = len > EXT4_EXT_INIT_MAX_LEN;
				if (unwritten)
					len -= EXT4_EXT_INIT_MAX_LEN;
				if (lblock >= e[i].ee_block &&
				    lblock < (uint64_t)e[i].ee_block + len) {
					if (!unwritten)
						*out = ((uint64_t)e[i].ee_start_hi << 32 |
							e[i].ee_start_lo) +
						       (lblock - e[i].ee_block);
					break;
				}
			}
			break;
		}
		/* The last index entry that starts at or before lblock. */
		const struct ext4_extent_idx *x = (const void *)(h + 1);
		int pick = -1;
		for (unsigned int i = 0; i < h->eh_entries && x[i].ei_block <= lblock; i++)
			pick = (int)i;
		if (pick < 0)
			break;
		uint64_t next = (uint64_t)x[pick].ei_leaf_hi << 32 | x[pick].ei_leaf_lo;
		ext2_brelse(&b);
		err = ext2_bread(fs, next, &b);
		if (err)
			break;
		h = b.data;
	}
	ext2_brelse(&b);
	return err;
}

int ext2_bmap(struct ext2_inode_info *ei, uint64_t lblock, bool create, uint64_t *out)
{
	struct ext2_fs *fs = ei->fs;
	unsigned int idx[4];
	int depth = block_path(fs, lblock, idx), err = 0;

	*out = 0;
	if (ei->i_flags & EXT4_EXTENTS_FL)
		return create ? -EROFS : extent_map(ei, lblock, out);
	if (depth < 0)
		return create ? depth : 0;
	uint64_t blk = ei->i_block[idx[0]];
	if (!blk && create) {
		err = new_block(ei, depth > 0, &blk);
		if (err)
			return err;
		ei->i_block[idx[0]] = (uint32_t)blk;
		ext2_write_inode(ei);
	}
	for (int level = 1; level <= depth && blk; level++) {
		struct ext2_buf b;
		err = ext2_bread(fs, blk, &b);
		if (err)
			return err;
		uint32_t *slot = (uint32_t *)b.data + idx[level];
		blk = *slot;
		if (!blk && create) {
			err = new_block(ei, level < depth, &blk);
			if (!err) {
				*slot = (uint32_t)blk;
				ext2_bdirty(&b, idx[level] * 4, 4);
			}
		}
		ext2_brelse(&b);
		if (err)
			return err;
	}
	if (blk >= fs->blocks_count)
		return ext2_corrupt(fs, "block pointer out of range in inode", ei->v.ino);
	*out = blk;
	return 0;
}

/*
 * Free what the indirect block blk of that depth (1: it points at data)
 * maps from file block `from` on, relative to its start: whether it is
 * wholly empty now (and was freed).
 */
static bool free_tree(struct ext2_inode_info *ei, uint64_t blk, int depth, uint64_t from)
{
	struct ext2_fs *fs = ei->fs;
	uint64_t apb = fs->block_size / 4, span = 1;
	struct ext2_buf b;
	bool empty = true;

	for (int i = 1; i < depth; i++)
		span *= apb;
	if (ext2_bread(fs, blk, &b))
		return false;
	uint32_t *p = b.data;
	for (uint64_t i = 0; i < apb; i++) {
		if (!p[i])
			continue;
		uint64_t start = i * span;
		if (start + span <= from) {
			empty = false; /* wholly kept */
			continue;
		}
		bool gone = true;
		if (depth > 1)
			gone = free_tree(ei, p[i], depth - 1, from > start ? from - start : 0);
		else {
			ext2_free_block(fs, p[i]);
			ext2_add_blocks(ei, -1);
		}
		if (gone) {
			p[i] = 0;
			ext2_bdirty(&b, i * 4, 4);
		} else {
			empty = false;
		}
	}
	ext2_brelse(&b);
	if (empty) {
		ext2_bforget(fs, blk);
		ext2_free_block(fs, blk);
		ext2_add_blocks(ei, -1);
	}
	return empty;
}

int ext2_free_blocks_from(struct ext2_inode_info *ei, uint64_t from)
{
	struct ext2_fs *fs = ei->fs;
	uint64_t apb = fs->block_size / 4;
	uint64_t base[3] = { EXT2_NDIR_BLOCKS, EXT2_NDIR_BLOCKS + apb,
			     EXT2_NDIR_BLOCKS + apb + apb * apb };

	if (ei->i_flags & EXT4_EXTENTS_FL)
		return -EROFS;
	for (uint64_t i = from; i < EXT2_NDIR_BLOCKS; i++) {
		if (ei->i_block[i]) {
			ext2_free_block(fs, ei->i_block[i]);
			ext2_add_blocks(ei, -1);
			ei->i_block[i] = 0;
		}
	}
	for (int d = 1; d <= 3; d++) {
		uint64_t blk = ei->i_block[EXT2_IND_BLOCK + d - 1];
		uint64_t start = base[d - 1];
		uint64_t span = apb * (d > 1 ? apb : 1) * (d > 2 ? apb : 1);
		if (!blk || start + span <= from)
			continue;
		if (free_tree(ei, blk, d, from > start ? from - start : 0))
			ei->i_block[EXT2_IND_BLOCK + d - 1] = 0;
	}
	ext2_write_inode(ei);
	return 0;
}
