/*
 * Kernel random numbers: a ChaCha20 CSPRNG seeded at first use from RDSEED
 * and RDRAND (when the CPU has them), TSC jitter and boot-time values, and
 * reseeded from the CPU now and then. It never blocks: there is no "not yet
 * seeded" state for callers to wait on. /dev/random, /dev/urandom,
 * getrandom, AT_RANDOM and address randomization all draw from it.
 */
#ifndef ALTO_RANDOM_H
#define ALTO_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void random_bytes(void *buf, size_t n);
uint64_t random_u64(void);
/* Stir caller-supplied bytes (writes to /dev/random) into the key. */
void random_mix(const void *buf, size_t n);
/*
 * Whether the seed (made now if it was not yet) holds the CPU's own entropy
 * (512 bits of RDSEED/RDRAND): a device's entropy is then a supplement that
 * nobody needs to wait for.
 */
bool random_cpu_seeded(void);

#endif
