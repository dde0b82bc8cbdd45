/*
 * getrandom(2). The kernel generator is seeded before its first output and
 * never blocks, so GRND_NONBLOCK and GRND_RANDOM change nothing but are
 * checked as Linux checks them.
 */
#include <alto/random.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <uapi/errno.h>

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

#define GETRANDOM_MAX 0x1ffffff /* Linux returns at most 32 MiB - 1 per call */

SYSCALL_DEFINE(getrandom, void __user *buf, size_t count, unsigned int flags)
{
	uint8_t chunk[256];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	count = count < GETRANDOM_MAX ? count : GETRANDOM_MAX;
	while (done < count) {
		size_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
		random_bytes(chunk, n);
		if (copy_to_user((char __user *)buf + done, chunk, n)) {
			memset(chunk, 0, sizeof(chunk));
			return done ? (long)done : -EFAULT;
		}
		done += n;
	}
	memset(chunk, 0, sizeof(chunk));
	return (long)done;
}
