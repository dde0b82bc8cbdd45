/*
 * Inspecting an ELF executable before loading it: the checks that tell a
 * user what is wrong with a file (not ELF, truncated, 32-bit, another
 * architecture, dynamically linked) and the facts the loader needs. Built
 * into both the kernel and the host tool (lib/elf.c), so both give the same
 * answer.
 */
#ifndef ALTO_ELF_H
#define ALTO_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uapi/elf.h>

struct elf_info {
	const Elf64_Ehdr *ehdr;
	const Elf64_Phdr *phdrs;
	unsigned int phnum;
	bool pie;	     /* ET_DYN: loaded at a base of the loader's choice */
	uint64_t entry;	     /* e_entry, relative to the base for a PIE */
	uint64_t lo, hi;     /* page-aligned span of the PT_LOAD segments */
	uint64_t phdr_vaddr; /* where the program headers are in memory (before the base) */
	const char *interp;  /* PT_INTERP (NUL-terminated within the file), or NULL */
	bool exec_stack;     /* PT_GNU_STACK asks for an executable stack */
};

/*
 * Check that the size bytes at data are an ELF executable for x86_64 that
 * Alto can load. Returns 0 and fills info, or -ENOEXEC with *why set to a
 * sentence for the user.
 */
int elf_inspect(const void *data, size_t size, struct elf_info *info, const char **why);
/*
 * The same, from the first size bytes of a file of file_size bytes: the
 * program headers and the interpreter path must lie in those first bytes.
 */
int elf_inspect_head(const void *data, size_t size, uint64_t file_size, struct elf_info *info,
		     const char **why);

/*
 * The function in the ELF's symbol table (.symtab, else .dynsym) that holds
 * vaddr (an unrelocated address), with the offset into it; NULL if none.
 */
const char *elf_symbol(const void *data, size_t size, uint64_t vaddr, uint64_t *offset);

#endif
