/*
 * Host tests of lib/chacha20.c against RFC 8439: the block function
 * (section 2.3.2), encryption (section 2.4.2), the all-zero block of
 * appendix A.1, and keystream continuity across odd-sized XOR calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <alto/chacha20.h>

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		sscanf(hex + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
}

static void key_0_to_31(uint8_t key[32])
{
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
}

static void test_block(void **state)
{
	(void)state;
	uint8_t key[32], nonce[12], want[64], got[64];
	struct chacha20 c;

	key_0_to_31(key);
	unhex("000000090000004a00000000", nonce, 12);
	unhex("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
	      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
	      want, 64);
	chacha20_init(&c, key, nonce, 1);
	chacha20_block(&c, got);
	assert_memory_equal(got, want, 64);
	assert_int_equal(c.state[12], 2); /* the counter advanced */
}

static void test_zero_block(void **state)
{
	(void)state;
	uint8_t key[32] = { 0 }, nonce[12] = { 0 }, want[64], got[64];
	struct chacha20 c;

	unhex("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
	      "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
	      want, 64);
	chacha20_init(&c, key, nonce, 0);
	chacha20_block(&c, got);
	assert_memory_equal(got, want, 64);
}

static const char plaintext[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				"only one tip for the future, sunscreen would be it.";
static const char ciphertext[] = "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
				 "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
				 "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
				 "5af90bbf74a35be6b40b8eedf2785e42874d";

static void test_encrypt(void **state)
{
	(void)state;
	uint8_t key[32], nonce[12], want[114], got[114];
	struct chacha20 c;

	assert_int_equal(sizeof(plaintext) - 1, 114);
	key_0_to_31(key);
	unhex("000000000000004a00000000", nonce, 12);
	unhex(ciphertext, want, 114);
	chacha20_init(&c, key, nonce, 1);
	chacha20_xor(&c, got, (const uint8_t *)plaintext, 114);
	assert_memory_equal(got, want, 114);

	/* Decrypting in place gives the plaintext back. */
	chacha20_init(&c, key, nonce, 1);
	chacha20_xor(&c, got, got, 114);
	assert_memory_equal(got, plaintext, 114);
}

/* Whole blocks: 64-byte pieces match one long call. */
static void test_block_pieces(void **state)
{
	(void)state;
	uint8_t key[32], nonce[12] = { 0 }, zero[256] = { 0 }, whole[256], parts[256];
	struct chacha20 c;

	key_0_to_31(key);
	chacha20_init(&c, key, nonce, 7);
	chacha20_xor(&c, whole, zero, sizeof(whole));
	chacha20_init(&c, key, nonce, 7);
	for (size_t off = 0; off < sizeof(parts); off += 64)
		chacha20_xor(&c, parts + off, zero + off, 64);
	assert_memory_equal(whole, parts, sizeof(whole));
}

/* The keystream goes on across calls of any size: 30 + 70 bytes equal 100 at once. */
static void test_odd_pieces(void **state)
{
	(void)state;
	uint8_t key[32], nonce[12] = { 1, 2, 3 }, zero[300] = { 0 }, whole[300], parts[300];
	static const size_t cuts[][4] = { { 30, 70, 0, 0 },  { 1, 63, 1, 35 },	{ 64, 1, 127, 8 },
					  { 65, 65, 65, 5 }, { 13, 0, 17, 70 }, { 99, 1, 100, 0 } };
	struct chacha20 c;

	key_0_to_31(key);
	chacha20_init(&c, key, nonce, 3);
	chacha20_xor(&c, whole, zero, sizeof(whole));
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		size_t off = 0;
		chacha20_init(&c, key, nonce, 3);
		for (int i = 0; i < 4; i++) {
			chacha20_xor(&c, parts + off, zero + off, cuts[k][i]);
			off += cuts[k][i];
		}
		chacha20_xor(&c, parts + off, zero + off, sizeof(parts) - off);
		assert_memory_equal(whole, parts, sizeof(whole));
	}
	/* The RFC's 114-byte message in two odd pieces decrypts as in one. */
	chacha20_init(&c, key, nonce, 1);
	chacha20_xor(&c, parts, zero, 30);
	chacha20_xor(&c, parts + 30, zero + 30, 70);
	chacha20_init(&c, key, nonce, 1);
	chacha20_xor(&c, whole, zero, 100);
	assert_memory_equal(whole, parts, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),	   cmocka_unit_test(test_zero_block),
		cmocka_unit_test(test_encrypt),	   cmocka_unit_test(test_block_pieces),
		cmocka_unit_test(test_odd_pieces),
	};

	return cmocka_run_group_tests_name("chacha20", tests, NULL, NULL);
}
