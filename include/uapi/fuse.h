/*
 * The FUSE protocol (Linux's include/uapi/linux/fuse.h, version 7.31 as Alto
 * speaks it): the headers of requests and replies, the arguments of the
 * operations Alto sends, and the records of a directory listing. virtio-fs
 * carries these over virtqueues. Each struct's size is checked against the
 * protocol's.
 */
#ifndef UAPI_FUSE_H
#define UAPI_FUSE_H

#include <stdint.h>

#define FUSE_KERNEL_VERSION	  7
#define FUSE_KERNEL_MINOR_VERSION 31
#define FUSE_ROOT_ID		  1

enum fuse_opcode {
	FUSE_LOOKUP = 1,
	FUSE_FORGET = 2, /* no reply */
	FUSE_GETATTR = 3,
	FUSE_SETATTR = 4,
	FUSE_READLINK = 5,
	FUSE_SYMLINK = 6,
	FUSE_MKNOD = 8,
	FUSE_MKDIR = 9,
	FUSE_UNLINK = 10,
	FUSE_RMDIR = 11,
	FUSE_RENAME = 12,
	FUSE_LINK = 13,
	FUSE_OPEN = 14,
	FUSE_READ = 15,
	FUSE_WRITE = 16,
	FUSE_STATFS = 17,
	FUSE_RELEASE = 18,
	FUSE_FSYNC = 20,
	FUSE_SETXATTR = 21,
	FUSE_GETXATTR = 22,
	FUSE_LISTXATTR = 23,
	FUSE_REMOVEXATTR = 24,
	FUSE_FLUSH = 25,
	FUSE_INIT = 26,
	FUSE_OPENDIR = 27,
	FUSE_READDIR = 28,
	FUSE_RELEASEDIR = 29,
	FUSE_FSYNCDIR = 30,
	FUSE_CREATE = 35,
	FUSE_DESTROY = 38,
	FUSE_RENAME2 = 45,
};

/* INIT flags */
#define FUSE_ASYNC_READ	     (1u << 0)
#define FUSE_ATOMIC_O_TRUNC  (1u << 3)
#define FUSE_EXPORT_SUPPORT  (1u << 4)
#define FUSE_BIG_WRITES	     (1u << 5)
#define FUSE_DONT_MASK	     (1u << 6)
#define FUSE_AUTO_INVAL_DATA (1u << 12)
#define FUSE_PARALLEL_DIROPS (1u << 18)
#define FUSE_MAX_PAGES	     (1u << 22)

/* setattr valid bits */
#define FATTR_MODE	(1u << 0)
#define FATTR_UID	(1u << 1)
#define FATTR_GID	(1u << 2)
#define FATTR_SIZE	(1u << 3)
#define FATTR_ATIME	(1u << 4)
#define FATTR_MTIME	(1u << 5)
#define FATTR_FH	(1u << 6)
#define FATTR_ATIME_NOW (1u << 7)
#define FATTR_MTIME_NOW (1u << 8)
#define FATTR_CTIME	(1u << 10)

#define FUSE_FSYNC_FDATASYNC (1u << 0)

struct fuse_in_header {
	uint32_t len;
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
	uint16_t total_extlen;
	uint16_t padding;
};

struct fuse_out_header {
	uint32_t len;
	int32_t error; /* 0 or -errno */
	uint64_t unique;
};

struct fuse_attr {
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t atime;
	uint64_t mtime;
	uint64_t ctime;
	uint32_t atimensec;
	uint32_t mtimensec;
	uint32_t ctimensec;
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint32_t rdev;
	uint32_t blksize;
	uint32_t flags;
};

struct fuse_kstatfs {
	uint64_t blocks;
	uint64_t bfree;
	uint64_t bavail;
	uint64_t files;
	uint64_t ffree;
	uint32_t bsize;
	uint32_t namelen;
	uint32_t frsize;
	uint32_t padding;
	uint32_t spare[6];
};

struct fuse_statfs_out {
	struct fuse_kstatfs st;
};

struct fuse_entry_out {
	uint64_t nodeid;
	uint64_t generation;
	uint64_t entry_valid; /* seconds the name may be cached */
	uint64_t attr_valid;  /* ... and the attributes */
	uint32_t entry_valid_nsec;
	uint32_t attr_valid_nsec;
	struct fuse_attr attr;
};

struct fuse_forget_in {
	uint64_t nlookup;
};

struct fuse_getattr_in {
	uint32_t getattr_flags;
	uint32_t dummy;
	uint64_t fh;
};

struct fuse_attr_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t dummy;
	struct fuse_attr attr;
};

struct fuse_mknod_in {
	uint32_t mode;
	uint32_t rdev;
	uint32_t umask;
	uint32_t padding;
};

struct fuse_mkdir_in {
	uint32_t mode;
	uint32_t umask;
};

struct fuse_rename2_in {
	uint64_t newdir;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_link_in {
	uint64_t oldnodeid;
};

struct fuse_setattr_in {
	uint32_t valid;
	uint32_t padding;
	uint64_t fh;
	uint64_t size;
	uint64_t lock_owner;
	uint64_t atime;
	uint64_t mtime;
	uint64_t ctime;
	uint32_t atimensec;
	uint32_t mtimensec;
	uint32_t ctimensec;
	uint32_t mode;
	uint32_t unused4;
	uint32_t uid;
	uint32_t gid;
	uint32_t unused5;
};

struct fuse_open_in {
	uint32_t flags;
	uint32_t open_flags;
};

struct fuse_create_in {
	uint32_t flags;
	uint32_t mode;
	uint32_t umask;
	uint32_t open_flags;
};

struct fuse_open_out {
	uint64_t fh;
	uint32_t open_flags;
	uint32_t padding;
};

struct fuse_release_in {
	uint64_t fh;
	uint32_t flags;
	uint32_t release_flags;
	uint64_t lock_owner;
};

struct fuse_read_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t size;
	uint32_t read_flags;
	uint64_t lock_owner;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_write_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t size;
	uint32_t write_flags;
	uint64_t lock_owner;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_write_out {
	uint32_t size;
	uint32_t padding;
};

struct fuse_fsync_in {
	uint64_t fh;
	uint32_t fsync_flags;
	uint32_t padding;
};

/* The form before FUSE_SETXATTR_EXT, which Alto does not ask for. */
struct fuse_setxattr_in {
	uint32_t size;
	uint32_t flags;
};

struct fuse_getxattr_in {
	uint32_t size;
	uint32_t padding;
};

struct fuse_getxattr_out {
	uint32_t size;
	uint32_t padding;
};

struct fuse_init_in {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint32_t flags2;
	uint32_t unused[11];
};

struct fuse_init_out {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t max_write;
	uint32_t time_gran;
	uint16_t max_pages;
	uint16_t map_alignment;
	uint32_t flags2;
	uint32_t unused[7];
};

/* READDIR's records, each padded to 8 bytes. */
struct fuse_dirent {
	uint64_t ino;
	uint64_t off; /* where the next one is */
	uint32_t namelen;
	uint32_t type; /* DT_* */
	char name[];
};
#define FUSE_DIRENT_ALIGN(x) (((x) + 7) & ~(uint64_t)7)

_Static_assert(sizeof(struct fuse_in_header) == 40 && sizeof(struct fuse_out_header) == 16,
	       "fuse headers");
_Static_assert(sizeof(struct fuse_attr) == 88 && sizeof(struct fuse_entry_out) == 128 &&
		       sizeof(struct fuse_attr_out) == 104 && sizeof(struct fuse_kstatfs) == 80,
	       "fuse attributes");
_Static_assert(sizeof(struct fuse_setattr_in) == 88 && sizeof(struct fuse_read_in) == 40 &&
		       sizeof(struct fuse_write_in) == 40 && sizeof(struct fuse_release_in) == 24,
	       "fuse arguments");
_Static_assert(sizeof(struct fuse_init_in) == 64 && sizeof(struct fuse_init_out) == 64 &&
		       sizeof(struct fuse_dirent) == 24,
	       "fuse init");

#endif
