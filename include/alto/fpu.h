/*
 * Application FPU/SSE/AVX state (arch/x86_64/fpu.c). Kernel code never uses
 * these registers, so the state only moves when the CPU switches between
 * application threads.
 */
#ifndef ALTO_FPU_H
#define ALTO_FPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern size_t fpu_state_size; /* bytes XSAVE (or FXSAVE) writes */
extern uint64_t fpu_xcr0;     /* components enabled for applications */

void fpu_init(void);
void fpu_init_cpu(void);
/* A state area holding the initial state; NULL when out of memory. */
void *fpu_state_alloc(void);
void fpu_state_free(void *state);
void fpu_save(void *state);
void fpu_restore(const void *state);
/* Load the initial state into the registers (a signal handler starts with it). */
void fpu_reset(void);
/* 0 if restoring this image (from a signal frame) cannot fault, else -EINVAL. */
int fpu_state_check(const void *state);
/* Whether states are XSAVE images (else FXSAVE's 512 bytes). */
bool fpu_has_xsave(void);

#endif
