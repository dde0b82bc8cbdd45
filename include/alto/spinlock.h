/*
 * Spinlocks. Taking one disables interrupts on this CPU (an interrupt handler
 * may take the same lock) and spins while another CPU holds it. Hold them for
 * a few instructions only; never sleep with one held.
 */
#ifndef ALTO_SPINLOCK_H
#define ALTO_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/x86.h>

struct spinlock {
	volatile uint32_t locked;
};

#define SPINLOCK_INIT \
	{             \
		0     \
	}

static inline void spin_init(struct spinlock *l)
{
	l->locked = 0;
}

/* Acquire with interrupts already disabled by the caller. */
static inline void spin_lock_noirq(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

static inline bool spin_trylock_noirq(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock_noirq(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock(struct spinlock *l)
{
	unsigned long flags = irq_save();
	spin_lock_noirq(l);
	return flags;
}

static inline void spin_unlock(struct spinlock *l, unsigned long flags)
{
	spin_unlock_noirq(l);
	irq_restore(flags);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
