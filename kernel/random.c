/*
 * The kernel CSPRNG. Entropy from the CPU (RDSEED, RDRAND), TSC jitter and
 * boot-time values is absorbed into a ChaCha20 state used as a sponge; the
 * result keys a ChaCha20 generator with fast key erasure: every request
 * first replaces the key, so earlier outputs cannot be recomputed from the
 * state, and draws its bytes from a one-time key outside the lock.
 */
#include <alto/boot.h>
#include <alto/chacha20.h>
#include <alto/cpu.h>
#include <alto/random.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/x86.h>

#define RESEED_NS   (60 * NSEC_PER_SEC)
#define HW_SAMPLES  8
#define JITTER_RUNS 64
/*
 * With the CPU's own entropy in (HW_SAMPLES RDSEED or RDRAND values, 512
 * bits), the jitter is a supplement: a few runs, not the 64 (two thirds of
 * the boot's kernel instructions under TCG) it takes to stand alone.
 */
#define JITTER_RUNS_WITH_CPU 4

static struct spinlock lock = SPINLOCK_INIT;
static uint8_t key[CHACHA20_KEY_SIZE];
static bool seeded;
static bool cpu_seeded; /* a seed had HW_SAMPLES values from the CPU */
static uint64_t reseed_at;

struct mixer {
	uint32_t s[16];
	unsigned int n;
};

static void mix_u64(struct mixer *m, uint64_t v)
{
	unsigned int slot = 4 + (m->n % 6) * 2;

	m->s[slot] ^= (uint32_t)v;
	m->s[slot + 1] ^= (uint32_t)(v >> 32);
	if (++m->n % 6 == 0)
		chacha20_core(m->s, m->s);
}

static void mix_bytes(struct mixer *m, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = 0;
		memcpy(&v, p + i, MIN((size_t)8, n - i));
		mix_u64(m, v);
	}
}

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		bool ok;
		__asm__ __volatile__("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < 100; i++) {
		bool ok;
		__asm__ __volatile__("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
		cpu_relax();
	}
	return false;
}

/* How many 64-bit values the CPU gave. */
static int mix_cpu(struct mixer *m)
{
	uint64_t v;
	int got = 0;

	for (int i = 0; i < HW_SAMPLES; i++) {
		if (cpu_features.rdseed && rdseed64(&v)) {
			mix_u64(m, v);
			got++;
		}
		if (cpu_features.rdrand && rdrand64(&v)) {
			mix_u64(m, v);
			got++;
		}
	}
	return got;
}

/* The timing of a little work varies with caches, interrupts and the host. */
static void mix_jitter(struct mixer *m, int runs)
{
	for (int i = 0; i < runs; i++) {
		uint64_t t = rdtsc();
		chacha20_core(m->s, m->s);
		mix_u64(m, rdtsc() - t);
	}
}

static void absorb_into_key(struct mixer *m)
{
	chacha20_core(m->s, m->s);
	for (int i = 0; i < CHACHA20_KEY_SIZE; i++)
		key[i] ^= (uint8_t)(m->s[4 + i / 4] >> (8 * (i % 4)));
	memset(m, 0, sizeof(*m));
}

static void reseed_locked(void)
{
	struct mixer m = { 0 };

	mix_bytes(&m, key, sizeof(key));
	bool cpu = mix_cpu(&m) >= HW_SAMPLES;

	cpu_seeded |= cpu;
	mix_jitter(&m, cpu ? JITTER_RUNS_WITH_CPU : JITTER_RUNS);
	mix_u64(&m, rdtsc());
	if (!seeded) {
		mix_u64(&m, boot_tsc);
		mix_u64(&m, cpu_boot_random());
		mix_bytes(&m, boot_info.cmdline, strnlen(boot_info.cmdline, BOOT_CMDLINE_MAX));
		mix_bytes(&m, boot_info.memmap, boot_info.nmemmap * sizeof(boot_info.memmap[0]));
	}
	absorb_into_key(&m);
	seeded = true;
	reseed_at = time_now_ns() + RESEED_NS;
}

/* Under the lock: replace the key and hand out a one-time key for this request. */
static void next_key(uint8_t out[CHACHA20_KEY_SIZE])
{
	static const uint8_t nonce[CHACHA20_NONCE_SIZE];
	uint8_t block[CHACHA20_BLOCK_SIZE];
	struct chacha20 c;
	unsigned long flags = spin_lock(&lock);

	if (!seeded || time_now_ns() >= reseed_at)
		reseed_locked();
	chacha20_init(&c, key, nonce, 0);
	chacha20_block(&c, block);
	memcpy(key, block, CHACHA20_KEY_SIZE);
	spin_unlock(&lock, flags);
	memcpy(out, block + CHACHA20_KEY_SIZE, CHACHA20_KEY_SIZE);
	memset(block, 0, sizeof(block));
	memset(&c, 0, sizeof(c));
}

void random_bytes(void *buf, size_t n)
{
	static const uint8_t nonce[CHACHA20_NONCE_SIZE];
	uint8_t k[CHACHA20_KEY_SIZE], block[CHACHA20_BLOCK_SIZE];
	uint8_t *p = buf;
	struct chacha20 c;

	next_key(k);
	chacha20_init(&c, k, nonce, 0);
	while (n) {
		size_t chunk = MIN(n, sizeof(block));
		chacha20_block(&c, block);
		memcpy(p, block, chunk);
		p += chunk;
		n -= chunk;
	}
	memset(k, 0, sizeof(k));
	memset(block, 0, sizeof(block));
	memset(&c, 0, sizeof(c));
}

uint64_t random_u64(void)
{
	uint64_t v;

	random_bytes(&v, sizeof(v));
	return v;
}

bool random_cpu_seeded(void)
{
	unsigned long flags = spin_lock(&lock);

	if (!seeded)
		reseed_locked();
	bool cpu = cpu_seeded;
	spin_unlock(&lock, flags);
	return cpu;
}

void random_mix(const void *buf, size_t n)
{
	struct mixer m = { 0 };
	unsigned long flags;

	mix_bytes(&m, buf, n);
	mix_u64(&m, rdtsc());
	flags = spin_lock(&lock);
	mix_bytes(&m, key, sizeof(key));
	absorb_into_key(&m);
	spin_unlock(&lock, flags);
}
