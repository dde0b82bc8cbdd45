/*
 * lwIP's compiler and platform definitions for Alto (lwIP's arch/cc.h): the
 * kernel is freestanding, so the C library headers lwIP would include are
 * replaced by definitions here and by the small headers in net/lwip/compat/.
 * Diagnostics go to printk; a failed lwIP assertion is a kernel panic.
 */
#ifndef ALTO_LWIP_ARCH_CC_H
#define ALTO_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H   1
#define LWIP_NO_CTYPE_H	   1
#define LWIP_NO_UNISTD_H   1

#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#ifndef INT_MAX
#define INT_MAX 0x7fffffff
#endif
#define SSIZE_MAX 0x7fffffffffffffffL
typedef long ssize_t;

#define BYTE_ORDER    LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t random_u64(void);

#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		printk x;     \
	} while (0)
/*
 * The file and line name the assertion in Debian's lwIP source: its text
 * is left out, so that the hundreds of messages are not in the kernel, and
 * the format string is in one place (net/lwip/stack.c), not at each call.
 */
__attribute__((noreturn)) void lwip_assert_failed(const char *file, int line);
#define LWIP_PLATFORM_ASSERT(x) lwip_assert_failed(__FILE__, __LINE__)
#define LWIP_RAND()		((u32_t)random_u64())

#endif
