/*
 * ext2 block and inode allocation: one bit per block and per inode in each
 * group's bitmaps, with the free counts of the group descriptors (written
 * back as they change) and of the superblock (written at sync). A block is
 * sought from a goal on (the block after the file's last one, so files
 * stay contiguous); new directories go to the group with the most free
 * inodes among those with more than average, other files to their
 * directory's group. Everything here runs with fs->lock held. Each
 * allocation and release passes a tracepoint of ext2_trace.h.
 */
#include <alto/string.h>
#include <uapi/errno.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "ext2_trace.h"

static uint32_t block_group(struct ext2_fs *fs, uint64_t block)
{
	return (uint32_t)((block - fs->sb.s_first_data_block) / fs->blocks_per_group);
}

static uint32_t blocks_in_group(struct ext2_fs *fs, uint32_t g)
{
	uint64_t first = fs->sb.s_first_data_block + (uint64_t)g * fs->blocks_per_group;

	return (uint32_t)MIN((uint64_t)fs->blocks_per_group, fs->blocks_count - first);
}

static uint32_t gd_free_blocks(struct ext2_fs *fs, uint32_t g)
{
	struct ext2_group_desc *d = ext2_gd(fs, g);
	return d->bg_free_blocks_count |
	       (fs->desc_size >= 64 ? (uint32_t)d->bg_free_blocks_count_hi << 16 : 0);
}

static uint32_t gd_free_inodes(struct ext2_fs *fs, uint32_t g)
{
	struct ext2_group_desc *d = ext2_gd(fs, g);
	return d->bg_free_inodes_count |
	       (fs->desc_size >= 64 ? (uint32_t)d->bg_free_inodes_count_hi << 16 : 0);
}

uint64_t ext2_free_blocks(struct ext2_fs *fs)
{
	uint64_t n = 0;

	for (uint32_t g = 0; g < fs->ngroups; g++)
		n += gd_free_blocks(fs, g);
	return n;
}

uint32_t ext2_free_inodes(struct ext2_fs *fs)
{
	uint32_t n = 0;

	for (uint32_t g = 0; g < fs->ngroups; g++)
		n += gd_free_inodes(fs, g);
	return n;
}

/* The first clear bit of map[0..n) from start on, or n. */
static uint32_t find_clear(const uint8_t *map, uint32_t start, uint32_t n)
{
	for (uint32_t i = start; i < n; i++) {
		if ((i & 7) == 0 && map[i / 8] == 0xff && i + 8 <= n) {
			i += 7;
			continue;
		}
		if (!(map[i / 8] & (1u << (i & 7))))
			return i;
	}
	return n;
}

/* Take a clear bit of group g's block bitmap at or after start (wrapping): its index, or -1. */
static int64_t take_bit(struct ext2_fs *fs, uint64_t bitmap, uint32_t n, uint32_t start)
{
	struct ext2_buf b;

	if (ext2_bread(fs, bitmap, &b))
		return -1;
	uint8_t *map = b.data;
	uint32_t i = find_clear(map, start, n);
	if (i == n && start)
		i = find_clear(map, 0, start);
	if (i >= n) {
		ext2_brelse(&b);
		return -1;
	}
	map[i / 8] |= (uint8_t)(1u << (i & 7));
	ext2_bdirty(&b, i / 8, 1);
	ext2_brelse(&b);
	return i;
}

static void add_free_blocks(struct ext2_fs *fs, uint32_t g, int delta)
{
	struct ext2_group_desc *d = ext2_gd(fs, g);
	uint32_t n = gd_free_blocks(fs, g) + (uint32_t)delta;

	d->bg_free_blocks_count = (uint16_t)n;
	if (fs->desc_size >= 64)
		d->bg_free_blocks_count_hi = (uint16_t)(n >> 16);
	ext2_gd_dirty(fs, g);
}

static uint64_t alloc_block(struct ext2_fs *fs, uint64_t goal)
{
	uint64_t first = fs->sb.s_first_data_block;

	if (goal < first || goal >= fs->blocks_count)
		goal = first;
	uint32_t g0 = block_group(fs, goal);
	for (uint32_t k = 0; k < fs->ngroups; k++) {
		uint32_t g = (g0 + k) % fs->ngroups;
		if (!gd_free_blocks(fs, g))
			continue;
		uint64_t base = first + (uint64_t)g * fs->blocks_per_group;
		uint32_t start = k == 0 ? (uint32_t)(goal - base) : 0;
		int64_t bit =
			take_bit(fs, ext2_gd_block_bitmap(fs, g), blocks_in_group(fs, g), start);
		if (bit < 0) {
			ext2_corrupt(fs, "free block count without a free block, group", g);
			continue;
		}
		add_free_blocks(fs, g, -1);
		return base + (uint64_t)bit;
	}
	return 0;
}

uint64_t ext2_alloc_block(struct ext2_fs *fs, uint64_t goal)
{
	uint64_t block = alloc_block(fs, goal);

	trace_ext2_block_alloc(goal, block);
	return block;
}

/* Clear a bit; false when it was clear already (a double free: damage). */
static bool clear_bit(struct ext2_fs *fs, uint64_t bitmap, uint32_t i)
{
	struct ext2_buf b;

	if (ext2_bread(fs, bitmap, &b))
		return false;
	uint8_t *byte = (uint8_t *)b.data + i / 8;
	bool was = *byte & (1u << (i & 7));
	*byte &= (uint8_t) ~(1u << (i & 7));
	ext2_bdirty(&b, i / 8, 1);
	ext2_brelse(&b);
	return was;
}

void ext2_free_block(struct ext2_fs *fs, uint64_t block)
{
	if (block < fs->sb.s_first_data_block || block >= fs->blocks_count) {
		ext2_corrupt(fs, "freeing a block out of range:", block);
		return;
	}
	uint32_t g = block_group(fs, block);
	uint64_t base = fs->sb.s_first_data_block + (uint64_t)g * fs->blocks_per_group;
	if (!clear_bit(fs, ext2_gd_block_bitmap(fs, g), (uint32_t)(block - base))) {
		ext2_corrupt(fs, "freeing a free block:", block);
		return;
	}
	add_free_blocks(fs, g, 1);
	trace_ext2_block_free(block);
}

static void add_inode_counts(struct ext2_fs *fs, uint32_t g, int free_delta, int dirs_delta)
{
	struct ext2_group_desc *d = ext2_gd(fs, g);
	uint32_t n = gd_free_inodes(fs, g) + (uint32_t)free_delta;

	d->bg_free_inodes_count = (uint16_t)n;
	if (fs->desc_size >= 64)
		d->bg_free_inodes_count_hi = (uint16_t)(n >> 16);
	d->bg_used_dirs_count = (uint16_t)(d->bg_used_dirs_count + dirs_delta);
	ext2_gd_dirty(fs, g);
}

/* Directories spread: the group with most free inodes among those above average. */
static uint32_t dir_group(struct ext2_fs *fs)
{
	uint32_t avg = ext2_free_inodes(fs) / fs->ngroups, best = fs->ngroups;

	for (uint32_t k = 0; k < fs->ngroups; k++) {
		uint32_t g = (fs->dir_group + 1 + k) % fs->ngroups;
		uint32_t free = gd_free_inodes(fs, g);
		if (free && free >= avg &&
		    (best == fs->ngroups || gd_free_blocks(fs, g) > gd_free_blocks(fs, best)))
			best = g;
	}
	if (best < fs->ngroups)
		fs->dir_group = best;
	return best < fs->ngroups ? best : 0;
}

static uint32_t alloc_inode(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir)
{
	uint32_t g0 = is_dir ? dir_group(fs) : (dir_ino - 1) / fs->inodes_per_group;

	for (uint32_t k = 0; k < fs->ngroups; k++) {
		uint32_t g = (g0 + k) % fs->ngroups;
		if (!gd_free_inodes(fs, g))
			continue;
		/* Reserved inodes (below s_first_ino) are never handed out. */
		uint32_t start = g == 0 ? fs->first_ino - 1 : 0;
		int64_t bit =
			take_bit(fs, ext2_gd_inode_bitmap(fs, g), fs->inodes_per_group, start);
		if (bit < 0 || (g == 0 && bit < start)) {
			ext2_corrupt(fs, "free inode count without a free inode, group", g);
			continue;
		}
		add_inode_counts(fs, g, -1, is_dir ? 1 : 0);
		return g * fs->inodes_per_group + (uint32_t)bit + 1;
	}
	return 0;
}

uint32_t ext2_alloc_inode(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir)
{
	uint32_t ino = alloc_inode(fs, dir_ino, is_dir);

	trace_ext2_inode_alloc(dir_ino, ino, is_dir);
	return ino;
}

void ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool is_dir)
{
	uint32_t g = (ino - 1) / fs->inodes_per_group;

	if (!clear_bit(fs, ext2_gd_inode_bitmap(fs, g), (ino - 1) % fs->inodes_per_group)) {
		ext2_corrupt(fs, "freeing a free inode:", ino);
		return;
	}
	add_inode_counts(fs, g, 1, is_dir ? -1 : 0);
	trace_ext2_inode_free(ino, is_dir);
}
