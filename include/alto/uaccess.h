/*
 * Reaching application memory from the kernel. Application pointers are never
 * dereferenced directly: these helpers check that the range lies in the
 * application's half and turn a fault (an unmapped or protected page that the
 * page-fault handler cannot resolve) into -EFAULT instead of a kernel crash.
 * `__user` marks such pointers for the reader; it has no effect.
 */
#ifndef ALTO_UACCESS_H
#define ALTO_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define __user

/*
 * The application's part of the address space ends here, one page below the
 * end of the low half, as Linux's TASK_SIZE: the last page is never mapped.
 */
#define USER_TOP 0x00007ffffffff000ul

static inline bool user_range_ok(const void __user *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;
	return a < USER_TOP && n <= USER_TOP - a;
}

/* 0, or -EFAULT when any byte is unreachable (some bytes may have been copied). */
long copy_from_user(void *dst, const void __user *src, size_t n);
long copy_to_user(void __user *dst, const void *src, size_t n);
long clear_user(void __user *dst, size_t n);
/*
 * Copy a NUL-terminated string of at most max-1 characters: returns its
 * length, -EFAULT, or -ENAMETOOLONG when no NUL comes within max bytes.
 */
long strncpy_from_user(char *dst, const char __user *src, size_t max);

/* Atomic compare-and-exchange of an aligned word: 0 with the value found in *cur, or -EFAULT. */
long cmpxchg_user32(uint32_t __user *p, uint32_t old, uint32_t new, uint32_t *cur);

/*
 * For stack walks with interrupts off (profiler, trace backtraces): read an
 * aligned word of the application only if its page is present now, never
 * faulting; and whether an address lies in present, executable memory.
 */
bool user_peek(const void __user *p, uint64_t *val);
bool user_code_addr(uintptr_t addr);
/* One value of a scalar type. */
#define get_user(dst, uptr) copy_from_user(&(dst), (uptr), sizeof(dst))
#define put_user(val, uptr)                            \
	({                                             \
		__typeof__(*(uptr)) v_ = (val);        \
		copy_to_user((uptr), &v_, sizeof(v_)); \
	})

#endif
