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

#define ST_VALID 0x0020

_Static_assert(sizeof(struct statfs) == 120, "statfs");

#endif
