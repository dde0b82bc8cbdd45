/*
 * The kernel's own symbol table, embedded at build time (a second link adds
 * it; see tools/mkksyms.c), for symbolized backtraces.
 */
#ifndef ALTO_KSYMS_H
#define ALTO_KSYMS_H

#include <stdint.h>

/* The table as laid out in the .ksyms section: sorted by address. */
struct ksym {
	uint64_t addr;
	uint32_t name; /* offset into the name area */
	uint32_t size;
};

struct ksyms_header {
	uint64_t count;
	/* followed by struct ksym[count], then NUL-terminated names */
};

/* Name of the function holding addr and the offset into it, or NULL. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);
/* Print "  [n] addr name+0xoff" lines, walking frame pointers from rbp. */
void backtrace_print(uintptr_t rip, uintptr_t rbp);
/* Backtrace of the caller. */
void backtrace_here(void);

#endif
