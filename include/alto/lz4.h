/*
 * A compressor for the LZ4 block format (lib/lz4.c), for trace dumps: the
 * trace port moves about a byte per microsecond, and trace records shrink
 * to about 40%. Any LZ4 decoder reads the output (the host tool uses
 * liblz4); freestanding, and built on the host for its unit test.
 */
#ifndef ALTO_LZ4_H
#define ALTO_LZ4_H

#include <stddef.h>
#include <stdint.h>

#define LZ4_MAX_INPUT	 65536 /* offsets are 16 bits: one block covers this much */
#define LZ4_HASH_ENTRIES 4096
/* The most a block of n bytes can take compressed. */
#define LZ4_BOUND(n) ((n) + (n) / 255 + 16)

/*
 * Compress n bytes (n <= LZ4_MAX_INPUT) into dst, which holds LZ4_BOUND(n)
 * bytes, using table (LZ4_HASH_ENTRIES entries) as scratch. Returns the
 * compressed size.
 */
size_t lz4_compress(const uint8_t *src, size_t n, uint8_t *dst, uint32_t *table);

#endif
