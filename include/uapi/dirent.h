/* Linux directory entries as getdents64 and getdents return them. */
#ifndef UAPI_DIRENT_H
#define UAPI_DIRENT_H

#include <stddef.h>
#include <stdint.h>

#define DT_UNKNOWN 0
#define DT_FIFO	   1
#define DT_CHR	   2
#define DT_DIR	   4
#define DT_BLK	   6
#define DT_REG	   8
#define DT_LNK	   10
#define DT_SOCK	   12

/* Each record is d_reclen bytes, a multiple of 8; the name is NUL-terminated. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off; /* cookie of the next entry, for lseek */
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

/* The old getdents: d_type sits in the last byte of the record. */
struct linux_dirent {
	unsigned long d_ino;
	unsigned long d_off;
	uint16_t d_reclen;
	char d_name[];
};

#define NAME_MAX 255
#define PATH_MAX 4096

_Static_assert(offsetof(struct linux_dirent64, d_name) == 19, "linux_dirent64");
_Static_assert(offsetof(struct linux_dirent, d_name) == 18, "linux_dirent");

#endif
