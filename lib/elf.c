/*
 * ELF executable inspection and symbol lookup, for the kernel's loader and
 * fault reports and for the host tool's early checks. Every offset read from
 * the file is bounds-checked: the input may be anything.
 */
#include <alto/elf.h>
#include <alto/string.h>
#include <uapi/errno.h>

#define PAGE 4096ull
/* No segment may reach past the application's half (Linux's TASK_SIZE). */
#define ELF_TOP 0x7ffffffff000ull

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return -ENOEXEC;
}

static int check_header(const Elf64_Ehdr *eh, size_t size, uint64_t file_size, const char **why)
{
	if (size < 4 || memcmp(eh->e_ident, "\177ELF", 4))
		return fail(why, "not an ELF executable");
	if (size < EI_NIDENT)
		return fail(why, "truncated ELF file");
	if (eh->e_ident[EI_CLASS] == ELFCLASS32)
		return fail(why, "a 32-bit ELF executable (Alto runs x86_64 programs)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(why, "not a 64-bit little-endian ELF executable");
	if (size < sizeof(*eh))
		return fail(why, "truncated ELF file");
	if (eh->e_machine != EM_X86_64)
		return fail(why, "an ELF executable for another architecture (Alto runs x86_64)");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(why, "an ELF file that is not an executable");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
		return fail(why, "an ELF executable without valid program headers");
	if (eh->e_phoff % 8)
		return fail(why, "an ELF executable with misaligned program headers");
	if (!in_file(file_size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return fail(why, "truncated ELF file (program headers beyond its end)");
	if (!in_file(size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return fail(why, "an ELF executable whose program headers are not near its start");
	return 0;
}

static int check_load(const Elf64_Phdr *ph, uint64_t size, struct elf_info *info, const char **why)
{
	if (ph->p_filesz > ph->p_memsz || ph->p_memsz > ELF_TOP ||
	    ph->p_vaddr > ELF_TOP - ph->p_memsz)
		return fail(why, "an ELF executable with a malformed segment");
	if (ph->p_filesz && !in_file(size, ph->p_offset, ph->p_filesz))
		return fail(why, "truncated ELF file (a segment lies beyond its end)");
	if ((ph->p_vaddr - ph->p_offset) % PAGE)
		return fail(why, "an ELF executable with a misaligned segment");
	uint64_t lo = ph->p_vaddr & ~(PAGE - 1);
	uint64_t hi = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1);
	if (!info->hi || lo < info->lo)
		info->lo = lo;
	if (hi > info->hi)
		info->hi = hi;
	/* The program headers are in memory where a loaded segment covers them. */
	const Elf64_Ehdr *eh = info->ehdr;
	if (!info->phdr_vaddr && eh->e_phoff >= ph->p_offset &&
	    eh->e_phoff < ph->p_offset + ph->p_filesz)
		info->phdr_vaddr = ph->p_vaddr + (eh->e_phoff - ph->p_offset);
	return 0;
}

static int check_interp(const Elf64_Phdr *ph, const char *base, size_t size, struct elf_info *info,
			const char **why)
{
	if (!ph->p_filesz || !in_file(size, ph->p_offset, ph->p_filesz) ||
	    base[ph->p_offset + ph->p_filesz - 1] != 0)
		return fail(why, "an ELF executable with a malformed interpreter path");
	info->interp = base + ph->p_offset;
	return 0;
}

int elf_inspect(const void *data, size_t size, struct elf_info *info, const char **why)
{
	return elf_inspect_head(data, size, size, info, why);
}

int elf_inspect_head(const void *data, size_t size, uint64_t file_size, struct elf_info *info,
		     const char **why)
{
	const Elf64_Ehdr *eh = data;
	int r = check_header(eh, size, file_size, why);

	if (r)
		return r;
	*info = (struct elf_info){
		.ehdr = eh, .phnum = eh->e_phnum, .pie = eh->e_type == ET_DYN, .entry = eh->e_entry
	};
	info->phdrs = (const Elf64_Phdr *)((const char *)data + eh->e_phoff);
	for (unsigned int i = 0; i < info->phnum && !r; i++) {
		const Elf64_Phdr *ph = &info->phdrs[i];
		if (ph->p_type == PT_LOAD)
			r = check_load(ph, file_size, info, why);
		else if (ph->p_type == PT_INTERP)
			r = check_interp(ph, data, size, info, why);
		else if (ph->p_type == PT_GNU_STACK)
			info->exec_stack = ph->p_flags & PF_X;
		else if (ph->p_type == PT_PHDR)
			info->phdr_vaddr = ph->p_vaddr;
	}
	if (r)
		return r;
	if (!info->hi)
		return fail(why, "an ELF executable without loadable segments");
	if (!info->pie && info->lo < PAGE)
		return fail(why, "an ELF executable that wants to load at address 0");
	return 0;
}

static const Elf64_Shdr *section(const void *data, size_t size, unsigned int i)
{
	const Elf64_Ehdr *eh = data;

	/* The whole table inside the file: an offset near 2^64 must not wrap to a small one. */
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || i >= eh->e_shnum || eh->e_shoff % 8 ||
	    !in_file(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return NULL;
	return (const Elf64_Shdr *)((const char *)data + eh->e_shoff) + i;
}

/* Search one symbol table section for the function holding vaddr. */
static const char *search(const void *data, size_t size, const Elf64_Shdr *symtab, uint64_t vaddr,
			  uint64_t *offset)
{
	const Elf64_Shdr *strtab = section(data, size, symtab->sh_link);
	const Elf64_Sym *best = NULL;

	if (!strtab || symtab->sh_offset % 8 ||
	    !in_file(size, symtab->sh_offset, symtab->sh_size) ||
	    !in_file(size, strtab->sh_offset, strtab->sh_size))
		return NULL;
	const Elf64_Sym *syms = (const Elf64_Sym *)((const char *)data + symtab->sh_offset);
	for (size_t i = 0; i < symtab->sh_size / sizeof(Elf64_Sym); i++) {
		const Elf64_Sym *s = &syms[i];
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_value > vaddr)
			continue;
		if (vaddr - s->st_value >= (s->st_size ? s->st_size : 1))
			continue;
		if (!best || s->st_value > best->st_value)
			best = s;
	}
	if (!best || best->st_name >= strtab->sh_size)
		return NULL;
	const char *name = (const char *)data + strtab->sh_offset + best->st_name;
	if (!memchr(name, 0, strtab->sh_size - best->st_name))
		return NULL;
	*offset = vaddr - best->st_value;
	return name;
}

const char *elf_symbol(const void *data, size_t size, uint64_t vaddr, uint64_t *offset)
{
	const Elf64_Ehdr *eh = data;
	const char *found = NULL;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4))
		return NULL;
	for (unsigned int type = SHT_SYMTAB; type <= SHT_DYNSYM && !found;
	     type += SHT_DYNSYM - SHT_SYMTAB) {
		for (unsigned int i = 0; i < eh->e_shnum && !found; i++) {
			const Elf64_Shdr *sh = section(data, size, i);
			if (sh && sh->sh_type == type)
				found = search(data, size, sh, vaddr, offset);
		}
	}
	return found;
}
