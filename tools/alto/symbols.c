/*
 * Naming addresses in a trace. Kernel addresses (the upper half) come from
 * the kernel ELF's symbol table. Application addresses are found in the
 * files the trace saw mapped (mm_map_file: address, length, file offset,
 * path; the latest mapping of an address wins, as ld.so maps over its own
 * reservations): the address becomes a file offset, then an ELF virtual
 * address through the file's PT_LOAD segments, then a symbol from .symtab
 * or .dynsym (lib/elf.c). Guest paths become host paths through the map
 * `alto run` gives (its --add entries), else are taken as they are. Names
 * are cached per address: profiles ask for the same few many times.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <alto/elf.h>
#include "alto.h"
#include "trace.h"

#define KERNEL_HALF 0xffff800000000000ull
#define CACHE_SIZE  4096

struct sym_file {
	char *path; /* on the host */
	const uint8_t *data;
	size_t size;
	bool loaded;
};

struct mapping {
	uint64_t start, end, offset;
	struct sym_file *file;
	const char *guest_path;
};

struct cached {
	uint64_t key;
	char *name;
};

struct symbolizer {
	struct sym_file kernel;
	struct sym_file **files;
	size_t nfiles;
	struct mapping *maps;
	size_t nmaps;
	const struct path_map *map;
	size_t nmap;
	struct cached cache[CACHE_SIZE];
};

static void load(struct sym_file *f)
{
	struct stat st;

	if (f->loaded)
		return;
	f->loaded = true;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !st.st_size) {
		if (fd >= 0)
			close(fd);
		return;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p != MAP_FAILED) {
		f->data = p;
		f->size = (size_t)st.st_size;
	}
}

static const char *host_path(const struct symbolizer *s, const char *guest)
{
	for (size_t i = 0; i < s->nmap; i++) {
		if (!strcmp(s->map[i].guest, guest))
			return s->map[i].host;
	}
	return guest;
}

static struct sym_file *file_for(struct symbolizer *s, const char *guest)
{
	const char *host = host_path(s, guest);

	for (size_t i = 0; i < s->nfiles; i++) {
		if (!strcmp(s->files[i]->path, host))
			return s->files[i];
	}
	s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	struct sym_file *f = xmalloc(sizeof(*f));
	*f = (struct sym_file){ .path = xstrdup(host) };
	return s->files[s->nfiles++] = f;
}

static void add_mappings(struct symbolizer *s, const struct trace *t)
{
	int id = trace_point_id(t, "mm_map_file");

	for (size_t i = 0; id >= 0 && i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		if (e->id != id || !e->kept || e->data[0] != '/')
			continue;
		char *path = xmalloc(e->kept + 1);
		memcpy(path, e->data, e->kept);
		path[e->kept] = 0;
		s->maps = xrealloc(s->maps, (s->nmaps + 1) * sizeof(*s->maps));
		s->maps[s->nmaps++] = (struct mapping){ e->args[0], e->args[0] + e->args[1],
							e->args[3], file_for(s, path), path };
	}
}

struct symbolizer *symbolizer_new(const struct trace *t, const char *kernel,
				  const struct path_map *map, size_t nmap)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		die("out of memory");
	s->kernel.path = xstrdup(kernel);
	s->map = map;
	s->nmap = nmap;
	add_mappings(s, t);
	return s;
}

static const struct mapping *mapping_of(const struct symbolizer *s, uint64_t addr)
{
	for (size_t i = s->nmaps; i-- > 0;) {
		if (addr >= s->maps[i].start && addr < s->maps[i].end)
			return &s->maps[i];
	}
	return NULL;
}

/* The ELF virtual address at file offset off, or -1 when no segment holds it. */
static uint64_t vaddr_of(const struct sym_file *f, uint64_t off)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->data;

	if (f->size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > f->size)
		return (uint64_t)-1;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(f->data + eh->e_phoff);
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && off >= ph[i].p_offset &&
		    off < ph[i].p_offset + ph[i].p_memsz)
			return off - ph[i].p_offset + ph[i].p_vaddr;
	}
	return (uint64_t)-1;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * The nearest symbol at or below vaddr, for the kernel's assembly entry
 * points (syscall_entry, the trap stubs), which have no size.
 */
static const char *nearest(const struct sym_file *f, uint64_t vaddr, uint64_t *off)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->data;
	const Elf64_Sym *best = NULL;
	const char *strtab = NULL;

	if (f->size < sizeof(*eh) || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > f->size)
		return NULL;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(f->data + eh->e_shoff);
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum ||
		    sh[i].sh_offset + sh[i].sh_size > f->size ||
		    sh[sh[i].sh_link].sh_offset + sh[sh[i].sh_link].sh_size > f->size)
			continue;
		const Elf64_Sym *syms = (const Elf64_Sym *)(f->data + sh[i].sh_offset);
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*syms); k++) {
			unsigned int type = ELF64_ST_TYPE(syms[k].st_info);
			if ((type == STT_FUNC || type == STT_NOTYPE) && syms[k].st_shndx &&
			    syms[k].st_name && syms[k].st_name < sh[sh[i].sh_link].sh_size &&
			    syms[k].st_value <= vaddr &&
			    (!best || syms[k].st_value > best->st_value)) {
				best = &syms[k];
				strtab = (const char *)f->data + sh[sh[i].sh_link].sh_offset;
			}
		}
	}
	if (!best)
		return NULL;
	*off = vaddr - best->st_value;
	return strtab + best->st_name;
}

/* The name of addr (with +offset when with_offset), newly allocated. */
static char *lookup(struct symbolizer *s, uint64_t addr, bool ret, bool with_offset)
{
	uint64_t look = addr - ret, off = 0, vaddr = look;
	struct sym_file *f = &s->kernel;
	const char *fname = "kernel";

	if (addr < KERNEL_HALF) {
		const struct mapping *m = mapping_of(s, look);
		if (!m)
			return xasprintf("%#llx", (unsigned long long)addr);
		f = m->file;
		fname = base_name(m->guest_path);
		load(f);
		vaddr = f->data ? vaddr_of(f, look - m->start + m->offset) : (uint64_t)-1;
		if (vaddr == (uint64_t)-1)
			return xasprintf("%s+%#llx", fname,
					 (unsigned long long)(addr - m->start + m->offset));
	}
	load(f);
	const char *name = f->data ? elf_symbol(f->data, f->size, vaddr, &off) : NULL;
	if (!name && f == &s->kernel && f->data)
		name = nearest(f, vaddr, &off);
	if (!name)
		return xasprintf("%s+%#llx", fname, (unsigned long long)vaddr);
	if (!with_offset)
		return xstrdup(name);
	return xasprintf("%s+%#llx", name, (unsigned long long)(off + ret));
}

static const char *cached(struct symbolizer *s, uint64_t addr, bool ret, bool with_offset)
{
	uint64_t key = addr * 4 + ret * 2 + with_offset;
	size_t h = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 52) % CACHE_SIZE;

	for (size_t i = 0; i < CACHE_SIZE; i++) {
		struct cached *c = &s->cache[(h + i) % CACHE_SIZE];
		if (c->name && c->key == key)
			return c->name;
		if (!c->name) {
			c->key = key;
			return c->name = lookup(s, addr, ret, with_offset);
		}
	}
	return lookup(s, addr, ret, with_offset); /* a full cache: rare, and only slower */
}

const char *symbolize(struct symbolizer *s, uint64_t addr, bool return_address)
{
	return cached(s, addr, return_address, true);
}

const char *symbolize_function(struct symbolizer *s, uint64_t addr, bool return_address)
{
	return cached(s, addr, return_address, false);
}

const char *symbolize_file(struct symbolizer *s, uint64_t addr)
{
	if (addr >= KERNEL_HALF)
		return "[kernel]";
	const struct mapping *m = mapping_of(s, addr);
	return m ? m->guest_path : NULL;
}
