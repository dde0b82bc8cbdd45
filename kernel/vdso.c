/*
 * The vDSO (not yet built): no AT_SYSINFO_EHDR, so the C library makes
 * system calls for the time.
 */
#include <alto/vdso.h>

uint64_t vdso_map(struct mm *mm)
{
	(void)mm;
	return 0;
}
