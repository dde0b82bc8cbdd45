/*
 * ext2 tracepoints (defined in fs/ext2/alloc.c): blocks and inodes taken
 * from and given back to the bitmaps. A block of 0 is none left (ENOSPC),
 * an inode of 0 the same.
 */
#ifndef FS_EXT2_TRACE_H
#define FS_EXT2_TRACE_H

#include <alto/trace.h>

TRACEPOINT(ext2_block_alloc, "goal=%u block=%u", uint64_t, goal, uint64_t, block)
TRACEPOINT(ext2_block_free, "block=%u", uint64_t, block)
TRACEPOINT(ext2_inode_alloc, "dir=%u ino=%u is_dir=%d", uint32_t, dir, uint32_t, ino, int, is_dir)
TRACEPOINT(ext2_inode_free, "ino=%u is_dir=%d", uint32_t, ino, int, is_dir)

#endif
