/*
 * Loading a program into the application's address space (sys/exec.c): the
 * ELF segments with their protections, the stack with argv, envp and the
 * auxiliary vector as Linux builds them, and the heap's start.
 */
#ifndef ALTO_EXEC_H
#define ALTO_EXEC_H

#include <stdint.h>

struct process;

struct exec_image {
	uint64_t entry;	    /* where the program starts */
	uint64_t sp;	    /* its initial stack pointer (at argc) */
	uint64_t load_base; /* 0 for a non-PIE executable */
};

/*
 * Load the executable at path into p's address space. On failure, returns
 * -errno after printing one line that says what is wrong with which file.
 */
int exec_load(struct process *p, const char *path, int argc, char *const argv[], int envc,
	      char *const envp[], struct exec_image *out);

#endif
