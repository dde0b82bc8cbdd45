/*
 * Linux futex ABI: futex(2)'s operations and flags, the owner word of
 * priority-inheritance and robust futexes, and futex_waitv(2)'s vector.
 */
#ifndef UAPI_FUTEX_H
#define UAPI_FUTEX_H

#include <stdint.h>

#define FUTEX_WAIT	      0
#define FUTEX_WAKE	      1
#define FUTEX_FD	      2 /* removed in Linux 2.6.26 */
#define FUTEX_REQUEUE	      3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP	      5
#define FUTEX_LOCK_PI	      6
#define FUTEX_UNLOCK_PI	      7
#define FUTEX_TRYLOCK_PI      8
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI  12
#define FUTEX_LOCK_PI2	      13

#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK	     (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

/* The word of a PI or robust futex: the owner's thread id and two flags. */
#define FUTEX_WAITERS	 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK	 0x3fffffffu

/* FUTEX_WAKE_OP's encoding: op 31-28, cmp 27-24, oparg 23-12, cmparg 11-0. */
#define FUTEX_OP_SET	     0
#define FUTEX_OP_ADD	     1
#define FUTEX_OP_OR	     2
#define FUTEX_OP_ANDN	     3
#define FUTEX_OP_XOR	     4
#define FUTEX_OP_OPARG_SHIFT 8 /* oparg is a shift: use 1 << oparg */
#define FUTEX_OP_CMP_EQ	     0
#define FUTEX_OP_CMP_NE	     1
#define FUTEX_OP_CMP_LT	     2
#define FUTEX_OP_CMP_LE	     3
#define FUTEX_OP_CMP_GT	     4
#define FUTEX_OP_CMP_GE	     5

/* futex_waitv(2) (Linux 5.16). */
#define FUTEX_WAITV_MAX	 128
#define FUTEX2_SIZE_U8	 0x00
#define FUTEX2_SIZE_U16	 0x01
#define FUTEX2_SIZE_U32	 0x02
#define FUTEX2_SIZE_U64	 0x03
#define FUTEX2_NUMA	 0x04
#define FUTEX2_SIZE_MASK 0x03
#define FUTEX2_PRIVATE	 FUTEX_PRIVATE_FLAG

struct futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t __reserved;
};

_Static_assert(sizeof(struct futex_waitv) == 24, "futex_waitv");

/* set_robust_list(2)'s head; bit 0 of an entry pointer marks a PI futex. */
struct robust_list_head {
	uint64_t list;
	int64_t futex_offset;
	uint64_t list_op_pending;
};

_Static_assert(sizeof(struct robust_list_head) == 24, "robust_list_head");

#endif
