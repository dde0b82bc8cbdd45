/*
 * LZ4 block compression, written from the format's description: a block is
 * a run of sequences, each a token (literal count in the high nibble, match
 * length minus 4 in the low one, 15 meaning "more in the bytes that follow,
 * 255 at a time"), the literals, a 16-bit little-endian offset back to the
 * match and the rest of its length. The last sequence has literals only;
 * the last 5 bytes are always literals, and no match starts within the
 * last 12 bytes. Matches are found greedily through a hash of the next
 * four bytes: fast and simple, a little less tight than liblz4's.
 */
#include <alto/lz4.h>
#include <alto/string.h>

#define MIN_MATCH     4
#define LAST_LITERALS 5
#define MF_LIMIT      12
#define MAX_OFFSET    65535

static uint32_t read32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t hash(uint32_t v)
{
	return (v * 2654435761u) >> (32 - 12); /* LZ4_HASH_ENTRIES is 2^12 */
}

/* A length past the 15 a nibble holds: 255s, then the rest. */
static uint8_t *put_length(uint8_t *out, size_t v)
{
	for (; v >= 255; v -= 255)
		*out++ = 255;
	*out++ = (uint8_t)v;
	return out;
}

static uint8_t *put_literals(uint8_t *out, uint8_t *token, const uint8_t *lit, size_t n)
{
	*token = (uint8_t)((n < 15 ? n : 15) << 4);
	if (n >= 15)
		out = put_length(out, n - 15);
	memcpy(out, lit, n);
	return out + n;
}

static uint8_t *put_sequence(uint8_t *out, const uint8_t *lit, size_t nlit, size_t offset,
			     size_t len)
{
	uint8_t *token = out++;

	out = put_literals(out, token, lit, nlit);
	*out++ = (uint8_t)offset;
	*out++ = (uint8_t)(offset >> 8);
	len -= MIN_MATCH;
	*token |= (uint8_t)(len < 15 ? len : 15);
	if (len >= 15)
		out = put_length(out, len - 15);
	return out;
}

size_t lz4_compress(const uint8_t *src, size_t n, uint8_t *dst, uint32_t *table)
{
	uint8_t *out = dst;
	size_t anchor = 0, i = 0;

	memset(table, 0, LZ4_HASH_ENTRIES * sizeof(*table));
	while (n > MF_LIMIT && i < n - MF_LIMIT) {
		uint32_t seq = read32(src + i), h = hash(seq);
		size_t cand = table[h]; /* a position plus one; 0: none yet */
		table[h] = (uint32_t)i + 1;
		if (!cand || i - (cand - 1) > MAX_OFFSET || read32(src + cand - 1) != seq) {
			i++;
			continue;
		}
		size_t ref = cand - 1, len = MIN_MATCH;
		while (i + len < n - LAST_LITERALS && src[ref + len] == src[i + len])
			len++;
		out = put_sequence(out, src + anchor, i - anchor, i - ref, len);
		i += len;
		anchor = i;
	}
	uint8_t *token = out++;
	out = put_literals(out, token, src + anchor, n - anchor);
	return (size_t)(out - dst);
}
