/*
 * What a dynamically linked program needs in the image: its interpreter and
 * every shared library it needs (DT_NEEDED, transitively), found the way
 * ld.so finds them on this host: DT_RPATH (when there is no DT_RUNPATH),
 * DT_RUNPATH ($ORIGIN expanded), the ld.so cache (read through `ldconfig -p`),
 * then the default directories. The shared objects among the --add files
 * (Python's extension modules, say) and the programs among them (for ld.so
 * run as the program) bring their libraries along too. Paths go into the image as the host has
 * them, symlinks included (image_add_resolved).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uapi/elf.h>
#include "alto.h"

static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
};

/* The ld.so cache as `ldconfig -p` prints it: soname => path, x86-64 entries only. */
struct cache_entry {
	char *name, *path;
};

static struct cache_entry *cache;
static int ncache = -1;

static void cache_load(void)
{
	FILE *p = popen("/sbin/ldconfig -p 2>/dev/null", "r");
	char line[4096];

	ncache = 0;
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		char *arrow = strstr(line, " => ");
		char *paren = strchr(line, '(');
		if (!arrow || !paren || paren > arrow || !strstr(paren, "x86-64"))
			continue;
		char *name = line + strspn(line, " \t");
		name[strcspn(name, " ")] = 0;
		char *path = arrow + 4;
		path[strcspn(path, "\n")] = 0;
		cache = xrealloc(cache, (ncache + 1) * sizeof(*cache));
		cache[ncache++] = (struct cache_entry){ xstrdup(name), xstrdup(path) };
	}
	pclose(p);
}

static const char *cache_lookup(const char *name)
{
	if (ncache < 0)
		cache_load();
	for (int i = 0; i < ncache; i++) {
		if (!strcmp(cache[i].name, name))
			return cache[i].path;
	}
	return NULL;
}

/*
 * Reading the dynamic section of any file: every offset, count and address
 * in it may be wrong on purpose, so each is checked without overflowing
 * (in_file), and structures are copied out (memcpy), since a header may sit
 * at any alignment in the file.
 */
static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static bool read_ehdr(const unsigned char *data, size_t size, Elf64_Ehdr *eh)
{
	if (size < sizeof(*eh))
		return false;
	memcpy(eh, data, sizeof(*eh));
	return !memcmp(eh->e_ident, "\177ELF", 4) && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	       eh->e_phentsize == sizeof(Elf64_Phdr) &&
	       in_file(size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr));
}

static Elf64_Phdr read_phdr(const unsigned char *data, const Elf64_Ehdr *eh, int i)
{
	Elf64_Phdr ph;

	memcpy(&ph, data + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

/* The file offset of a virtual address, through the PT_LOAD segments; 0 if none. */
static uint64_t offset_of(const unsigned char *data, const Elf64_Ehdr *eh, uint64_t vaddr)
{
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph = read_phdr(data, eh, i);
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz)
			return ph.p_offset + (vaddr - ph.p_vaddr);
	}
	return 0;
}

static const char *dyn_string(const unsigned char *data, size_t size, uint64_t strtab, uint64_t off)
{
	if (!strtab || strtab >= size || off >= size - strtab)
		return NULL;
	uint64_t at = strtab + off;
	if (!memchr(data + at, 0, size - at))
		return NULL;
	return (const char *)data + at;
}

static Elf64_Dyn read_dyn(const unsigned char *data, uint64_t off, size_t i)
{
	Elf64_Dyn dyn;

	memcpy(&dyn, data + off + i * sizeof(dyn), sizeof(dyn));
	return dyn;
}

bool elf_read_dynamic(const void *file, size_t size, struct dyn_info *d)
{
	const unsigned char *data = file;
	uint64_t dyn_off = 0, strtab = 0;
	size_t n = 0;
	Elf64_Ehdr eh;

	*d = (struct dyn_info){ 0 };
	if (!read_ehdr(data, size, &eh))
		return false;
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = read_phdr(data, &eh, i);
		if (ph.p_type == PT_DYNAMIC && in_file(size, ph.p_offset, ph.p_filesz)) {
			dyn_off = ph.p_offset;
			n = ph.p_filesz / sizeof(Elf64_Dyn);
		}
	}
	for (size_t i = 0; i < n; i++) {
		Elf64_Dyn dyn = read_dyn(data, dyn_off, i);
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag == DT_STRTAB)
			strtab = offset_of(data, &eh, dyn.d_un.d_ptr);
	}
	for (size_t i = 0; i < n; i++) {
		Elf64_Dyn dyn = read_dyn(data, dyn_off, i);
		if (dyn.d_tag == DT_NULL)
			break;
		const char *s = dyn_string(data, size, strtab, dyn.d_un.d_val);
		if (!s)
			continue;
		if (dyn.d_tag == DT_NEEDED && d->nneeded < DYN_NEEDED_MAX)
			d->needed[d->nneeded++] = s;
		else if (dyn.d_tag == DT_RUNPATH)
			d->runpath = s;
		else if (dyn.d_tag == DT_RPATH)
			d->rpath = s;
	}
	return true;
}

/* A file mapped for reading its dynamic section. */
struct elf_map {
	const void *data;
	size_t size;
};

static bool elf_open(const char *path, struct elf_map *m, struct dyn_info *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	*m = (struct elf_map){ 0 };
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	m->size = st.st_size;
	m->data = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m->data == MAP_FAILED)
		return false;
	if (!elf_read_dynamic(m->data, m->size, d)) {
		munmap((void *)m->data, m->size);
		return false;
	}
	return true;
}

/* Search a colon-separated list of directories ($ORIGIN: the object's own). */
static char *search_dirs(const char *list, const char *origin, const char *name)
{
	char *dirs = xstrdup(list), *p = dirs, *found = NULL;

	for (char *dir = strsep(&p, ":"); dir && !found; dir = strsep(&p, ":")) {
		char *candidate;
		if (!strncmp(dir, "$ORIGIN", 7))
			candidate = xasprintf("%s%s/%s", origin, dir + 7, name);
		else if (!strncmp(dir, "${ORIGIN}", 9))
			candidate = xasprintf("%s%s/%s", origin, dir + 9, name);
		else
			candidate = xasprintf("%s/%s", *dir ? dir : ".", name);
		if (!access(candidate, R_OK))
			found = candidate;
		else
			free(candidate);
	}
	free(dirs);
	return found;
}

static char *dirname_of(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (slash && slash != dir)
		*slash = 0;
	else if (slash)
		slash[1] = 0;
	return dir;
}

static char *resolve(const char *name, const struct dyn_info *d, const char *origin,
		     const char *exe_rpath)
{
	char *found = NULL;

	if (strchr(name, '/'))
		return access(name, R_OK) ? NULL : xstrdup(name);
	if (!d->runpath && d->rpath)
		found = search_dirs(d->rpath, origin, name);
	if (!found && !d->runpath && exe_rpath)
		found = search_dirs(exe_rpath, origin, name);
	if (!found && d->runpath)
		found = search_dirs(d->runpath, origin, name);
	if (!found && cache_lookup(name))
		found = xstrdup(cache_lookup(name));
	for (size_t i = 0; !found && i < sizeof(default_dirs) / sizeof(*default_dirs); i++)
		found = search_dirs(default_dirs[i], origin, name);
	return found;
}

struct collector {
	struct app *a;
	char **seen; /* host paths already collected */
	int nseen;
	const char *exe_rpath;
};

static bool collected(struct collector *c, const char *path)
{
	for (int i = 0; i < c->nseen; i++) {
		if (!strcmp(c->seen[i], path))
			return true;
	}
	c->seen = xrealloc(c->seen, (c->nseen + 1) * sizeof(*c->seen));
	c->seen[c->nseen++] = xstrdup(path);
	return false;
}

/* Once, even when several programs need it. */
static void add_lib(struct app *a, const char *path)
{
	for (int i = 0; i < a->nlibs; i++) {
		if (!strcmp(a->libs[i], path))
			return;
	}
	a->libs = xrealloc(a->libs, (a->nlibs + 1) * sizeof(*a->libs));
	a->libs[a->nlibs++] = xstrdup(path);
}

/* The libraries path needs, each added once; strict: a missing one ends the tool. */
static void collect(struct collector *c, const char *path, bool strict)
{
	struct elf_map m;
	struct dyn_info d;

	if (!elf_open(path, &m, &d))
		return;
	/* $ORIGIN is the real file's directory (ld.so resolves it so), not a symlink's. */
	char *real = realpath(path, NULL);
	char *origin = dirname_of(real ? real : path);
	free(real);
	for (int i = 0; i < d.nneeded; i++) {
		char *lib = resolve(d.needed[i], &d, origin, c->exe_rpath);
		if (!lib && strict)
			die("%s needs %s, which is not found on this host", path, d.needed[i]);
		if (!lib) {
			if (c->a->verbose)
				warnx_("%s needs %s, not found: left out", path, d.needed[i]);
			continue;
		}
		if (!collected(c, lib)) {
			add_lib(c->a, lib);
			collect(c, lib, strict);
		}
		free(lib);
	}
	free(origin);
	munmap((void *)m.data, m.size);
}

static bool is_shared_object_name(const char *name)
{
	const char *so = strstr(name, ".so");

	return so && (so[3] == 0 || so[3] == '.');
}

/*
 * Shared objects and programs among the --add files: their libraries come
 * too (the program may dlopen them, or be ld.so running one of them).
 */
static void collect_added(struct collector *c, const char *host)
{
	struct stat st;

	if (stat(host, &st))
		return;
	if (S_ISREG(st.st_mode) && (is_shared_object_name(host) || (st.st_mode & 0111))) {
		collect(c, host, false);
		return;
	}
	if (!S_ISDIR(st.st_mode))
		return;
	DIR *dir = opendir(host);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		if (e->d_type == DT_LNK)
			continue; /* inside an added directory, symlinks are kept as they are */
		char *child = xasprintf("%s/%s", host, e->d_name);
		collect_added(c, child);
		free(child);
	}
	if (dir)
		closedir(dir);
}

void app_collect_libs_of_adds(struct app *a, int first)
{
	struct collector c = { .a = a };

	for (int i = 0; i < a->nlibs; i++)
		collected(&c, a->libs[i]);
	for (int i = first; i < a->nadds; i++)
		collect_added(&c, a->adds[i].host);
	for (int i = 0; i < c.nseen; i++)
		free(c.seen[i]);
	free(c.seen);
}

void app_collect_libs(struct app *a, const char *host_path, const char *interp)
{
	struct collector c = { .a = a };
	struct elf_map m;
	struct dyn_info d;

	if (interp && access(interp, R_OK))
		die("%s needs the interpreter %s, which is not on this host", host_path, interp);
	if (interp) {
		add_lib(a, interp);
		collected(&c, interp);
	}
	if (elf_open(host_path, &m, &d)) {
		c.exe_rpath = d.runpath ? NULL : d.rpath;
		collect(&c, host_path, true);
		for (int i = 0; i < a->nadds; i++)
			collect_added(&c, a->adds[i].host);
		munmap((void *)m.data, m.size);
	}
	for (int i = 0; i < c.nseen; i++)
		free(c.seen[i]);
	free(c.seen);
}
