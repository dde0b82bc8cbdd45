/*
 * ChaCha20 (RFC 8439, section 2): the quarter round, the 20-round block
 * function and the keystream, which goes on across calls of any size (the
 * unused part of the last block is kept). Words are little-endian in the
 * key, nonce and output, read byte by byte so the code works on any
 * alignment.
 */
#include <alto/chacha20.h>

static uint32_t rotl(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define QR(x, a, b, c, d)                                   \
	do {                                                \
		x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 16); \
		x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 12); \
		x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 8);  \
		x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 7);  \
	} while (0)

void chacha20_core(const uint32_t in[16], uint32_t out[16])
{
	uint32_t x[16];

	for (int i = 0; i < 16; i++)
		x[i] = in[i];
	for (int i = 0; i < 10; i++) {
		QR(x, 0, 4, 8, 12);
		QR(x, 1, 5, 9, 13);
		QR(x, 2, 6, 10, 14);
		QR(x, 3, 7, 11, 15);
		QR(x, 0, 5, 10, 15);
		QR(x, 1, 6, 11, 12);
		QR(x, 2, 7, 8, 13);
		QR(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

void chacha20_init(struct chacha20 *c, const uint8_t key[CHACHA20_KEY_SIZE],
		   const uint8_t nonce[CHACHA20_NONCE_SIZE], uint32_t counter)
{
	/* "expand 32-byte k" */
	c->state[0] = 0x61707865;
	c->state[1] = 0x3320646e;
	c->state[2] = 0x79622d32;
	c->state[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		c->state[4 + i] = load32(key + 4 * i);
	c->state[12] = counter;
	for (int i = 0; i < 3; i++)
		c->state[13 + i] = load32(nonce + 4 * i);
	c->used = CHACHA20_BLOCK_SIZE;
}

void chacha20_block(struct chacha20 *c, uint8_t out[CHACHA20_BLOCK_SIZE])
{
	uint32_t x[16];

	chacha20_core(c->state, x);
	for (int i = 0; i < 16; i++)
		store32(out + 4 * i, x[i]);
	c->state[12]++;
	c->used = CHACHA20_BLOCK_SIZE;
}

void chacha20_xor(struct chacha20 *c, uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (c->used == CHACHA20_BLOCK_SIZE) {
			chacha20_block(c, c->rest);
			c->used = 0;
		}
		dst[i] = src[i] ^ c->rest[c->used++];
	}
}
