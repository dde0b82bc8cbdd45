/*
 * The ext2 on-disk format (little-endian, as x86 is): the superblock, block
 * group descriptors, inodes, directory entries, the ext4 extent tree that
 * read-only mounts of ext4 images walk, and the feature bits. Offsets follow
 * the layout e2fsprogs and Linux use; each struct's size is checked.
 */
#ifndef FS_EXT2_FORMAT_H
#define FS_EXT2_FORMAT_H

#include <stdint.h>

#define EXT2_SUPER_OFFSET	 1024
#define EXT2_MAGIC		 0xef53
#define EXT2_ROOT_INO		 2
#define EXT2_GOOD_OLD_FIRST_INO	 11
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_NDIR_BLOCKS	 12
#define EXT2_IND_BLOCK		 12
#define EXT2_DIND_BLOCK		 13
#define EXT2_TIND_BLOCK		 14
#define EXT2_N_BLOCKS		 15
#define EXT2_NAME_LEN		 255
#define EXT2_LINK_MAX		 65000

/* s_state */
#define EXT2_VALID_FS 1
#define EXT2_ERROR_FS 2

struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size;
	uint32_t s_log_cluster_size;
	uint32_t s_blocks_per_group;
	uint32_t s_clusters_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;
	uint16_t s_mnt_count;
	int16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* Revision 1 (dynamic) */
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;
	uint8_t s_journal_uuid[16];
	uint32_t s_journal_inum;
	uint32_t s_journal_dev;
	uint32_t s_last_orphan;
	uint32_t s_hash_seed[4];
	uint8_t s_def_hash_version;
	uint8_t s_jnl_backup_type;
	uint16_t s_desc_size;
	uint32_t s_default_mount_opts;
	uint32_t s_first_meta_bg;
	uint32_t s_mkfs_time;
	uint32_t s_jnl_blocks[17];
	uint32_t s_blocks_count_hi;
	uint32_t s_r_blocks_count_hi;
	uint32_t s_free_blocks_count_hi;
	uint16_t s_min_extra_isize;
	uint16_t s_want_extra_isize;
	uint32_t s_flags;
	uint8_t s_rest[1024 - 356];
};
_Static_assert(sizeof(struct ext2_super) == 1024, "ext2 superblock");
_Static_assert(__builtin_offsetof(struct ext2_super, s_feature_compat) == 92 &&
		       __builtin_offsetof(struct ext2_super, s_desc_size) == 254 &&
		       __builtin_offsetof(struct ext2_super, s_want_extra_isize) == 350,
	       "ext2 superblock layout");

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;
	uint32_t bg_exclude_bitmap_lo;
	uint16_t bg_block_bitmap_csum_lo;
	uint16_t bg_inode_bitmap_csum_lo;
	uint16_t bg_itable_unused_lo;
	uint16_t bg_checksum;
	/* With INCOMPAT_64BIT and s_desc_size >= 64 */
	uint32_t bg_block_bitmap_hi;
	uint32_t bg_inode_bitmap_hi;
	uint32_t bg_inode_table_hi;
	uint16_t bg_free_blocks_count_hi;
	uint16_t bg_free_inodes_count_hi;
	uint16_t bg_used_dirs_count_hi;
	uint16_t bg_itable_unused_hi;
	uint32_t bg_exclude_bitmap_hi;
	uint16_t bg_block_bitmap_csum_hi;
	uint16_t bg_inode_bitmap_csum_hi;
	uint32_t bg_reserved;
};
_Static_assert(sizeof(struct ext2_group_desc) == 64, "ext2 group descriptor");
#define EXT2_MIN_DESC_SIZE 32

struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size;
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks;
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl;
	uint32_t i_size_high;
	uint32_t i_faddr;
	uint16_t i_blocks_hi;
	uint16_t i_file_acl_high;
	uint16_t i_uid_high;
	uint16_t i_gid_high;
	uint16_t i_checksum_lo;
	uint16_t i_reserved;
	/* Large inodes (s_inode_size > 128), as far as i_extra_isize says */
	uint16_t i_extra_isize;
	uint16_t i_checksum_hi;
	uint32_t i_ctime_extra;
	uint32_t i_mtime_extra;
	uint32_t i_atime_extra;
	uint32_t i_crtime;
	uint32_t i_crtime_extra;
	uint32_t i_version_hi;
	uint32_t i_projid;
};
_Static_assert(sizeof(struct ext2_inode) == 160, "ext2 inode");
_Static_assert(__builtin_offsetof(struct ext2_inode, i_block) == 40 &&
		       __builtin_offsetof(struct ext2_inode, i_extra_isize) == 128,
	       "ext2 inode layout");
/* i_extra_isize that covers the fields above through i_crtime_extra */
#define EXT2_EXTRA_ISIZE_TIMES 24

/* i_flags */
#define EXT2_INDEX_FL	    0x00001000 /* hashed directory (dir_index) */
#define EXT4_HUGE_FILE_FL   0x00040000
#define EXT4_EXTENTS_FL	    0x00080000
#define EXT4_INLINE_DATA_FL 0x10000000

/* Extra timestamp fields: 2 bits of epoch (seconds 32 and 33), then nanoseconds. */
#define EXT4_EPOCH_MASK 0x3

struct ext2_dirent {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type;
	char name[];
};
#define EXT2_DIRENT_HEADER 8
/* Space an entry with a name of len bytes takes. */
#define EXT2_DIRENT_LEN(len) (((len) + EXT2_DIRENT_HEADER + 3) & ~3u)

/* file_type */
#define EXT2_FT_UNKNOWN	 0
#define EXT2_FT_REG_FILE 1
#define EXT2_FT_DIR	 2
#define EXT2_FT_CHRDEV	 3
#define EXT2_FT_BLKDEV	 4
#define EXT2_FT_FIFO	 5
#define EXT2_FT_SOCK	 6
#define EXT2_FT_SYMLINK	 7

/* Extended attribute blocks begin with this header (i_file_acl points at one). */
struct ext2_xattr_header {
	uint32_t h_magic; /* 0xEA020000 */
	uint32_t h_refcount;
	uint32_t h_blocks;
	uint32_t h_hash;
	uint32_t h_checksum;
	uint32_t h_reserved[3];
};
#define EXT2_XATTR_MAGIC 0xea020000

/* ext4 extents (read-only). */
#define EXT4_EXT_MAGIC 0xf30a
struct ext4_extent_header {
	uint16_t eh_magic;
	uint16_t eh_entries;
	uint16_t eh_max;
	uint16_t eh_depth;
	uint32_t eh_generation;
};
struct ext4_extent {
	uint32_t ee_block;
	uint16_t ee_len; /* above 32768: not yet written (reads as zeros), len - 32768 */
	uint16_t ee_start_hi;
	uint32_t ee_start_lo;
};
struct ext4_extent_idx {
	uint32_t ei_block;
	uint32_t ei_leaf_lo;
	uint16_t ei_leaf_hi;
	uint16_t ei_unused;
};
_Static_assert(sizeof(struct ext4_extent) == 12 && sizeof(struct ext4_extent_idx) == 12 &&
		       sizeof(struct ext4_extent_header) == 12,
	       "ext4 extents");
#define EXT4_EXT_INIT_MAX_LEN 32768

/* Features. */
#define COMPAT_DIR_PREALLOC  0x0001
#define COMPAT_IMAGIC_INODES 0x0002
#define COMPAT_HAS_JOURNAL   0x0004
#define COMPAT_EXT_ATTR	     0x0008
#define COMPAT_RESIZE_INODE  0x0010
#define COMPAT_DIR_INDEX     0x0020
#define COMPAT_SPARSE_SUPER2 0x0200
#define COMPAT_FAST_COMMIT   0x0400
#define COMPAT_STABLE_INODES 0x0800
#define COMPAT_ORPHAN_FILE   0x1000

#define RO_COMPAT_SPARSE_SUPER	 0x0001
#define RO_COMPAT_LARGE_FILE	 0x0002
#define RO_COMPAT_BTREE_DIR	 0x0004
#define RO_COMPAT_HUGE_FILE	 0x0008
#define RO_COMPAT_GDT_CSUM	 0x0010
#define RO_COMPAT_DIR_NLINK	 0x0020
#define RO_COMPAT_EXTRA_ISIZE	 0x0040
#define RO_COMPAT_QUOTA		 0x0100
#define RO_COMPAT_BIGALLOC	 0x0200
#define RO_COMPAT_METADATA_CSUM	 0x0400
#define RO_COMPAT_READONLY	 0x1000
#define RO_COMPAT_PROJECT	 0x2000
#define RO_COMPAT_ORPHAN_PRESENT 0x10000

#define INCOMPAT_COMPRESSION 0x0001
#define INCOMPAT_FILETYPE    0x0002
#define INCOMPAT_RECOVER     0x0004
#define INCOMPAT_JOURNAL_DEV 0x0008
#define INCOMPAT_META_BG     0x0010
#define INCOMPAT_EXTENTS     0x0040
#define INCOMPAT_64BIT	     0x0080
#define INCOMPAT_MMP	     0x0100
#define INCOMPAT_FLEX_BG     0x0200
#define INCOMPAT_EA_INODE    0x0400
#define INCOMPAT_DIRDATA     0x1000
#define INCOMPAT_CSUM_SEED   0x2000
#define INCOMPAT_LARGEDIR    0x4000
#define INCOMPAT_INLINE_DATA 0x8000
#define INCOMPAT_ENCRYPT     0x10000
#define INCOMPAT_CASEFOLD    0x20000

#endif
