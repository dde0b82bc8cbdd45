/*
 * The vDSO: a small shared object mapped into the application (announced by
 * AT_SYSINFO_EHDR) that answers clock_gettime, gettimeofday, time,
 * clock_getres and getcpu without a system call, from a data page the
 * kernel keeps up to date.
 */
#ifndef ALTO_VDSO_H
#define ALTO_VDSO_H

#include <stdint.h>

struct mm;

/* Map the vDSO and its data page into mm; returns the vDSO's address, 0 if none. */
uint64_t vdso_map(struct mm *mm);

#endif
