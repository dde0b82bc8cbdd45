/*
 * Loading a program into the application's address space (sys/exec.c): the
 * ELF segments with their protections, the stack with argv, envp and the
 * auxiliary vector as Linux builds them, and the heap's start.
 */
#ifndef ALTO_EXEC_H
#define ALTO_EXEC_H

#include <stdint.h>

struct mm;
struct file;

struct exec_image {
	uint64_t entry;	    /* where the program starts */
	uint64_t sp;	    /* its initial stack pointer (at argc) */
	uint64_t load_base; /* 0 for a non-PIE executable */
	/* For /proc: where argv's and envp's strings are, and a copy of the auxv (kmalloc'd). */
	uintptr_t arg_start, arg_end, env_start, env_end;
	uint64_t *auxv;
	unsigned int auxv_words;
};

/*
 * Load the executable at path into mm, a new address space. On failure,
 * returns -errno after printing one line that says what is wrong with which
 * file (the command line's program).
 */
int exec_load(struct mm *mm, const char *path, int argc, char *const argv[], int envc,
	      char *const envp[], struct exec_image *out);
/*
 * The same for execve: the open file f, named path (AT_EXECFN), quietly:
 * -ENOEXEC, -ENOENT (its interpreter is missing), -ENOMEM and the like.
 */
int exec_load_file(struct mm *mm, struct file *f, const char *path, int argc, char *const argv[],
		   int envc, char *const envp[], struct exec_image *out);
/*
 * May the current process execute f (Linux's rule: a regular file with an
 * x bit the caller's credentials allow; root too needs one)? 0 or -EACCES.
 */
int exec_may_run(struct file *f);

#endif
