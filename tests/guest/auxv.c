/*
 * The start of the process: the auxiliary vector (page size, AT_RANDOM,
 * AT_PHDR/AT_PHNUM/AT_PHENT matching the program's own headers, AT_ENTRY,
 * AT_EXECFN equal to argv[0], the ids), and the layout of argv and envp.
 */
#include "common.h"
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>

extern const ElfW(Ehdr) __ehdr_start;
extern char **environ;
void _start(void);

static void headers(void)
{
	const ElfW(Ehdr) *eh = &__ehdr_start;
	const ElfW(Phdr) *phdr = (const void *)((const char *)eh + eh->e_phoff);

	printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
	check("AT_PHDR is our program headers", getauxval(AT_PHDR) == (unsigned long)phdr);
	check("AT_PHNUM is our e_phnum", getauxval(AT_PHNUM) == eh->e_phnum);
	printf("AT_PHENT: %lu\n", getauxval(AT_PHENT));
	check("AT_ENTRY is _start", getauxval(AT_ENTRY) == (unsigned long)_start);
	/* A PIE's first segment has vaddr 0, so the ELF header sits at the load base. */
	unsigned long base = eh->e_type == ET_DYN ? (unsigned long)eh : 0;
	check("AT_ENTRY is e_entry plus the load base", getauxval(AT_ENTRY) == eh->e_entry + base);
	check("AT_BASE is 0 (no interpreter)", getauxval(AT_BASE) == 0);
	int has_phdr_segment = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		has_phdr_segment |= phdr[i].p_type == PT_LOAD && phdr[i].p_offset == 0;
	check("the first PT_LOAD maps the ELF header", has_phdr_segment);
}

static void others(char **argv)
{
	const unsigned char *random = (const void *)getauxval(AT_RANDOM);
	int zero = 1;

	check("AT_RANDOM is set", random != NULL);
	for (int i = 0; random && i < 16; i++)
		zero &= random[i] == 0;
	check("its 16 bytes are not all zero", !zero);
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	check("AT_EXECFN is set", execfn != NULL);
	check("AT_EXECFN equals argv[0]", execfn && !strcmp(execfn, argv[0]));
	check("AT_UID equals getuid()", getauxval(AT_UID) == getuid());
	check("AT_EUID equals AT_UID", getauxval(AT_EUID) == getauxval(AT_UID));
	check("AT_GID equals getgid()", getauxval(AT_GID) == getgid());
	check("AT_EGID equals AT_GID", getauxval(AT_EGID) == getauxval(AT_GID));
	printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
	printf("AT_CLKTCK: %lu\n", getauxval(AT_CLKTCK));
	check("AT_HWCAP is set", getauxval(AT_HWCAP) != 0);
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	printf("AT_PLATFORM: %s\n", platform ? platform : "(none)");
}

/* argv, envp and auxv follow each other on the initial stack, each NULL-terminated. */
static void stack_layout(int argc, char **argv, char **envp)
{
	check("argv[argc] is NULL", argv[argc] == NULL);
	check("envp follows argv", envp == argv + argc + 1);
	check("environ is envp", environ == envp);
	char **e = envp;
	while (*e)
		e++;
	const ElfW(auxv_t) *aux = (const void *)(e + 1);
	int found = 0;
	for (; aux->a_type != AT_NULL; aux++)
		found |= aux->a_type == AT_PAGESZ && aux->a_un.a_val == 4096;
	check("auxv follows envp and holds AT_PAGESZ 4096", found);
	/* The ABI puts argc on a 16-byte boundary, argv right above it. */
	check("argc is 16-byte aligned on the initial stack", ((unsigned long)argv & 15) == 8);
}

int main(int argc, char **argv, char **envp)
{
	setup();
	headers();
	others(argv);
	stack_layout(argc, argv, envp);
	return 0;
}
