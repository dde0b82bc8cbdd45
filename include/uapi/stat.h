/* Linux x86_64 file status: struct stat, struct statx, mode bits, AT_* flags. */
#ifndef UAPI_STAT_H
#define UAPI_STAT_H

#include <stdint.h>

#define S_IFMT	 0170000
#define S_IFSOCK 0140000
#define S_IFLNK	 0120000
#define S_IFREG	 0100000
#define S_IFBLK	 0060000
#define S_IFDIR	 0040000
#define S_IFCHR	 0020000
#define S_IFIFO	 0010000
#define S_ISUID	 04000
#define S_ISGID	 02000
#define S_ISVTX	 01000
#define S_IXGRP	 00010

#define S_ISLNK(m)  (((m)&S_IFMT) == S_IFLNK)
#define S_ISREG(m)  (((m)&S_IFMT) == S_IFREG)
#define S_ISDIR(m)  (((m)&S_IFMT) == S_IFDIR)
#define S_ISCHR(m)  (((m)&S_IFMT) == S_IFCHR)
#define S_ISBLK(m)  (((m)&S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m)&S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m)&S_IFMT) == S_IFSOCK)

/* Permission bits that chmod may set. */
#define S_IALLUGO 07777

/* The *at() calls: dirfd and flags. */
#define AT_FDCWD	    (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS	    0x200 /* faccessat */
#define AT_REMOVEDIR	    0x200 /* unlinkat */
#define AT_SYMLINK_FOLLOW   0x400
#define AT_NO_AUTOMOUNT	    0x800
#define AT_EMPTY_PATH	    0x1000
#define AT_STATX_SYNC_TYPE  0x6000

/* access() modes. */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* utimensat() special nanosecond values. */
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

struct stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks; /* 512-byte units */
	int64_t st_atime_sec;
	int64_t st_atime_nsec;
	int64_t st_mtime_sec;
	int64_t st_mtime_nsec;
	int64_t st_ctime_sec;
	int64_t st_ctime_nsec;
	int64_t unused[3];
};

struct statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major;
	uint32_t stx_rdev_minor;
	uint32_t stx_dev_major;
	uint32_t stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align;
	uint32_t stx_dio_offset_align;
	uint64_t spare3[12];
};

#define STATX_TYPE	  0x0001u
#define STATX_MODE	  0x0002u
#define STATX_NLINK	  0x0004u
#define STATX_UID	  0x0008u
#define STATX_GID	  0x0010u
#define STATX_ATIME	  0x0020u
#define STATX_MTIME	  0x0040u
#define STATX_CTIME	  0x0080u
#define STATX_INO	  0x0100u
#define STATX_SIZE	  0x0200u
#define STATX_BLOCKS	  0x0400u
#define STATX_BASIC_STATS 0x07ffu
#define STATX_BTIME	  0x0800u
#define STATX_MNT_ID	  0x1000u
#define STATX__RESERVED	  0x80000000u

/* Device numbers as struct stat carries them (Linux's huge_encode_dev). */
static inline uint64_t makedev_linux(uint32_t major, uint32_t minor)
{
	return (minor & 0xffu) | ((uint64_t)major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

static inline uint32_t major_linux(uint64_t dev)
{
	return (uint32_t)((dev >> 8) & 0xfff);
}

static inline uint32_t minor_linux(uint64_t dev)
{
	return (uint32_t)((dev & 0xff) | ((dev >> 12) & 0xfff00));
}

_Static_assert(sizeof(struct stat) == 144, "stat");
_Static_assert(sizeof(struct statx_timestamp) == 16, "statx_timestamp");
_Static_assert(sizeof(struct statx) == 256, "statx");

#endif
