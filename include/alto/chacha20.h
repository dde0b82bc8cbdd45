/*
 * The ChaCha20 stream cipher (RFC 8439): the block function and keystream
 * XOR. Freestanding, built into the kernel (the CSPRNG behind random_bytes)
 * and on the host for its unit test against the RFC's vectors.
 */
#ifndef ALTO_CHACHA20_H
#define ALTO_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define CHACHA20_KEY_SIZE   32
#define CHACHA20_NONCE_SIZE 12
#define CHACHA20_BLOCK_SIZE 64

struct chacha20 {
	uint32_t state[16];
	uint8_t rest[CHACHA20_BLOCK_SIZE]; /* the keystream block chacha20_xor is using */
	unsigned int used;		   /* its bytes already used (all: none left) */
};

void chacha20_init(struct chacha20 *c, const uint8_t key[CHACHA20_KEY_SIZE],
		   const uint8_t nonce[CHACHA20_NONCE_SIZE], uint32_t counter);
/*
 * The keystream block for the current counter, which then advances; what an
 * earlier chacha20_xor left of its last block is dropped.
 */
void chacha20_block(struct chacha20 *c, uint8_t out[CHACHA20_BLOCK_SIZE]);
/*
 * dst = src XOR keystream (dst may equal src). The keystream goes on where
 * the last call left it, whatever the sizes: 30 bytes then 70 are the same
 * as 100 at once.
 */
void chacha20_xor(struct chacha20 *c, uint8_t *dst, const uint8_t *src, size_t n);
/* The 20-round permutation with the final addition, on a raw state (for mixing). */
void chacha20_core(const uint32_t in[16], uint32_t out[16]);

#endif
