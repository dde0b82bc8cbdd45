/*
 * Application FPU/SSE/AVX state (arch/x86_64/fpu.c). Kernel code never uses
 * these registers, so the state only moves when the CPU switches between
 * application threads, and only for threads that use it: a switch leaves
 * CR0.TS set and the first FPU instruction traps to load the state, unless
 * the thread used the FPU in each of its last few runs.
 */
#ifndef ALTO_FPU_H
#define ALTO_FPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread;

extern size_t fpu_state_size; /* bytes XSAVE (or FXSAVE) writes */
extern uint64_t fpu_xcr0;     /* components enabled for applications */

void fpu_init(void);
void fpu_init_cpu(void);
/* A state area holding the initial state; NULL when out of memory. */
void *fpu_state_alloc(void);
void fpu_state_free(void *state);
/*
 * At a switch, interrupts off: save prev's state if it used the FPU while
 * it ran, and prepare the registers for next (loaded now, or on first use).
 */
void fpu_switch(struct thread *prev, struct thread *next);
/* A #NM from application code: load the current thread's state; false if not ours. */
bool fpu_trap(void);
/* The current thread's area (t->fpu) brought up to date, to be read. */
void fpu_sync(void);
/* The current thread's state becomes state (an image fpu_state_check accepted). */
void fpu_load(const void *state);
/* The current thread's state becomes the initial one (a signal handler, execve). */
void fpu_reset(void);
/* A copy of the current thread's state into dst (a new thread's area). */
void fpu_copy(void *dst);
/* 0 if restoring this image (from a signal frame) cannot fault, else -EINVAL. */
int fpu_state_check(const void *state);
/* Whether states are XSAVE images (else FXSAVE's 512 bytes). */
bool fpu_has_xsave(void);

#endif
