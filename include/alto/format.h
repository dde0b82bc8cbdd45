/*
 * printf-style formatting into a buffer (lib/format.c), shared by printk and
 * by host-side tests. Supports the usual conversions: %d %i %u %x %X %o %c %s
 * %p %% with flags (- 0 + space #), width, precision and the length modifiers
 * hh h l ll z t j.
 */
#ifndef ALTO_FORMAT_H
#define ALTO_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <alto/compiler.h>

/* Like C's vsnprintf: returns the length the full output would have. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Parse an unsigned number in base 10, or 16 with 0x; returns 0 or -EINVAL. */
int parse_u64(const char *s, unsigned long long *out);
/* Parse a size with an optional K, M or G suffix; returns 0 or -EINVAL. */
int parse_size(const char *s, unsigned long long *out);

#endif
