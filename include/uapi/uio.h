/* Linux scatter-gather I/O vectors (readv, writev, preadv, pwritev). */
#ifndef UAPI_UIO_H
#define UAPI_UIO_H

#include <stddef.h>
#include <stdint.h>

struct iovec {
	uint64_t iov_base; /* an application address */
	size_t iov_len;
};

#define UIO_MAXIOV 1024

_Static_assert(sizeof(struct iovec) == 16, "iovec");

#endif
