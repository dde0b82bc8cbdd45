/* Linux x86_64 struct statfs and the file system magic numbers Alto reports. */
#ifndef UAPI_STATFS_H
#define UAPI_STATFS_H

#include <stdint.h>

struct statfs {
	int64_t f_type;
	int64_t f_bsize;
	uint64_t f_blocks;
	uint64_t f_bfree;
	uint64_t f_bavail;
	uint64_t f_files;
	uint64_t f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen;
	int64_t f_frsize;
	int64_t f_flags;
	int64_t f_spare[4];
};

#define RAMFS_MAGIC	    0x858458f6
#define TMPFS_MAGIC	    0x01021994
#define PROC_SUPER_MAGIC    0x00009fa0
#define PIPEFS_MAGIC	    0x50495045
#define ANON_INODE_FS_MAGIC 0x09041934

#define EXT2_SUPER_MAGIC 0xef53
#define SYSFS_MAGIC	 0x62656572
#define FUSE_SUPER_MAGIC 0x65735546

#define ST_RDONLY 0x0001
#define ST_NOSUID 0x0002
#define ST_NODEV  0x0004
#define ST_NOEXEC 0x0008
#define ST_VALID  0x0020

_Static_assert(sizeof(struct statfs) == 120, "statfs");

#endif
