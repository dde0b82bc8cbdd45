/*
 * Declarations shared by the files of sys/: the table built from
 * syscalls.def and the --strace printer.
 */
#ifndef SYS_INTERNAL_H
#define SYS_INTERNAL_H

#include <stdbool.h>

struct trap_frame;

#define NR_SYSCALLS 451

struct syscall_desc {
	void *fn; /* NULL: not implemented */
	const char *name;
	const char *args; /* argument kinds, see syscalls.def */
};

extern const struct syscall_desc syscall_table[NR_SYSCALLS];

void strace_enter(struct trap_frame *f, unsigned long nr);
void strace_exit(struct trap_frame *f, unsigned long nr, long ret);

#endif
