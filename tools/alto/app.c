/*
 * The application an image holds: the program (found as a shell finds it,
 * checked on the host with the kernel's own ELF checks so that both give the
 * same answer), its arguments and environment, and extra files. Everything
 * wrong with it is reported here, before any VM starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <alto/args.h>
#include <alto/commands.h>
#include <alto/console.h>
#include <alto/elf.h>
#include "alto.h"

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root",
};

static void set_env(struct app *a, const char *assignment)
{
	size_t name_len = strcspn(assignment, "=");

	for (int i = 0; i < a->nenv; i++) {
		if (!strncmp(a->env[i], assignment, name_len + 1)) {
			a->env[i] = xstrdup(assignment);
			return;
		}
	}
	a->env = xrealloc(a->env, (a->nenv + 1) * sizeof(*a->env));
	a->env[a->nenv++] = xstrdup(assignment);
}

void app_init(struct app *a)
{
	*a = (struct app){ 0 };
	for (size_t i = 0; i < sizeof(default_env) / sizeof(default_env[0]); i++)
		set_env(a, default_env[i]);
}

/* -e NAME=VALUE sets; -e NAME copies our value, and like Docker skips a NAME we lack. */
static void env_option(struct app *a, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == arg || !*arg)
		die("bad -e '%s' (NAME=VALUE, or NAME to pass this environment's value)", arg);
	if (eq) {
		set_env(a, arg);
		return;
	}
	const char *value = getenv(arg);
	if (value) {
		char *assignment = xasprintf("%s=%s", arg, value);
		set_env(a, assignment);
		free(assignment);
	}
}

/*
 * --env-file FILE, as Docker reads it: NAME=VALUE lines, NAME alone for this
 * environment's value, blank lines and # comments skipped.
 */
static void env_file_option(struct app *a, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[MANIFEST_LINE_MAX];
	int n = 0;

	if (!f)
		die("cannot read the --env-file %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");
		n++;
		if (!line[len] && !feof(f))
			die("%s:%d: line too long", path, n);
		line[len] = 0;
		const char *start = line + strspn(line, " \t");
		if (!*start || *start == '#')
			continue;
		if (*start == '=' || strcspn(start, "= \t") < strcspn(start, "="))
			die("%s:%d: bad line '%s' (NAME=VALUE, or NAME alone)", path, n, start);
		env_option(a, start);
	}
	fclose(f);
}

/* -w DIR: the programs' working directory, absolute (a program's own --cwd= wins). */
static void workdir_option(struct app *a, const char *arg)
{
	if (*arg != '/')
		die("bad --workdir '%s': the directory must be absolute", arg);
	a->workdir = arg;
}

/* --add HOST[:GUEST]: the first colon separates them. */
static void add_option(struct app *a, const char *arg)
{
	char *host = xstrdup(arg);
	char *colon = strchr(host, ':');
	char *guest = NULL;

	if (colon) {
		*colon = 0;
		guest = colon + 1;
		if (*guest != '/')
			die("bad --add '%s': the guest path must be absolute", arg);
	}
	if (!*host)
		die("bad --add '%s' (HOST[:GUEST])", arg);
	if (access(host, F_OK) && errno == ENOENT)
		die("cannot add %s: no such file or directory", host);
	a->adds = xrealloc(a->adds, (a->nadds + 1) * sizeof(*a->adds));
	a->adds[a->nadds++] = (struct app_add){
		.host = host,
		.guest = path_absolute(guest ? guest : host),
		.follow = true,
	};
}

bool app_option(int opt, const char *arg, struct app *a)
{
	if (opt == 'e')
		env_option(a, arg);
	else if (opt == OPT_ADD)
		add_option(a, arg);
	else if (opt == OPT_MANIFEST)
		manifest_read(a, arg);
	else if (opt == OPT_ENV_FILE)
		env_file_option(a, arg);
	else if (opt == 'w')
		workdir_option(a, arg);
	else
		return false;
	return true;
}

/* Search $PATH as a shell does: the first executable regular file, else the first file. */
static char *search_path(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *fallback = NULL, *found = NULL;
	char *p = dirs;

	for (char *dir = strsep(&p, ":"); dir && !found; dir = strsep(&p, ":")) {
		char *candidate = xasprintf("%s/%s", *dir ? dir : ".", name);
		struct stat st;
		if (!stat(candidate, &st) && S_ISREG(st.st_mode) && !access(candidate, X_OK))
			found = candidate;
		else if (!fallback && !stat(candidate, &st) && S_ISREG(st.st_mode))
			fallback = candidate;
		else
			free(candidate);
	}
	free(dirs);
	if (found) {
		free(fallback);
		return found;
	}
	if (!fallback)
		die("%s: no such program in PATH (give its path, e.g. ./%s)", name, name);
	return fallback;
}

/* Say what is wrong with the file: elf_inspect's sentences read "not ..." or "a(n) ...". */
static void __attribute__((noreturn)) not_runnable(const char *path, const char *why)
{
	if (!strncmp(why, "not ", 4) || !strncmp(why, "a ", 2) || !strncmp(why, "an ", 3))
		die("%s is %s", path, why);
	die("%s: %s", path, why);
}

/* The ELF checks the kernel's loader makes; a dynamic program's interpreter comes back. */
static char *check_elf(const char *path, const struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct elf_info info;
	const char *why;
	static const char empty[1];

	if (fd < 0)
		die("cannot read %s: %s", path, strerror(errno));
	size_t size = st->st_size;
	const void *data = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : empty;
	if (data == MAP_FAILED)
		die("cannot read %s: %s", path, strerror(errno));
	close(fd);
	if (elf_inspect(data, size, &info, &why))
		not_runnable(path, why);
	char *interp = info.interp ? xstrdup(info.interp) : NULL;
	if (size)
		munmap((void *)data, size);
	return interp;
}

/*
 * What Linux's execve would refuse (E2BIG) for a program, with the image's
 * environment and its own, refused here, before anything boots.
 */
static void check_exec_limits(const struct app *a, const struct app_prog *p)
{
	char **argv = xmalloc(((size_t)p->nargs + 1) * sizeof(*argv));
	char **envp = xmalloc(((size_t)a->nenv + p->nenv + 1) * sizeof(*envp));
	const char *why;

	argv[0] = p->guest_path;
	memcpy(argv + 1, p->args, (size_t)p->nargs * sizeof(*argv));
	memcpy(envp, a->env, (size_t)a->nenv * sizeof(*envp));
	memcpy(envp + a->nenv, p->env, (size_t)p->nenv * sizeof(*envp));
	if (args_exec_check(p->guest_path, p->nargs + 1, argv, a->nenv + p->nenv, envp, &why))
		die("cannot run %s: %s (E2BIG)", p->program, why);
	free(argv);
	free(envp);
}

/* One program: found, checked, its libraries collected. */
static void resolve_program(struct app *a, struct app_prog *p, const char *program)
{
	struct stat st;

	p->program = program;
	const char *path = strchr(program, '/') ? program : search_path(program);
	p->guest_path = path_absolute(path);
	p->host_path = xstrdup(path);
	if (stat(path, &st))
		die("cannot run %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die("%s is a directory, not a program", path);
	if (!S_ISREG(st.st_mode))
		die("%s is not a regular file", path);
	if (access(path, R_OK))
		die("cannot read %s: %s", path, strerror(errno));
	char *interp = check_elf(path, &st);
	if (!(st.st_mode & 0111))
		die("%s is not executable (mode %04o); chmod +x it", path, st.st_mode & 07777);
	app_collect_libs(a, path, interp);
	free(interp);
}

/* Is guest already among the --add files? */
static bool added(const struct app *a, const char *guest)
{
	for (int i = 0; i < a->nadds; i++) {
		if (!strcmp(a->adds[i].guest, guest))
			return true;
	}
	return false;
}

static void add_once(struct app *a, const char *host, char *guest)
{
	if (added(a, guest))
		return;
	a->adds = xrealloc(a->adds, (a->nadds + 1) * sizeof(*a->adds));
	a->adds[a->nadds++] = (struct app_add){ .host = host, .guest = guest, .follow = true };
}

static struct app_prog *new_prog(struct app *a)
{
	a->progs = xrealloc(a->progs, (a->nprogs + 1) * sizeof(*a->progs));
	struct app_prog *p = &a->progs[a->nprogs++];
	*p = (struct app_prog){ 0 };
	return p;
}

static void append_word(char **line, size_t *len, const char *word)
{
	size_t need = args_quote(word, NULL, 0);

	*line = xrealloc(*line, *len + need + 2);
	if (*len)
		(*line)[(*len)++] = ' ';
	args_quote(word, *line + *len, need + 1);
	*len += need;
}

static void append_raw(char **line, size_t *len, const char *text)
{
	size_t n = strlen(text);

	*line = xrealloc(*line, *len + n + 2);
	if (*len)
		(*line)[(*len)++] = ' ';
	memcpy(*line + *len, text, n + 1);
	*len += n;
}

static bool is_separator(const char *w)
{
	return !strcmp(w, ";") || !strcmp(w, "&") || !strcmp(w, "!") || !strcmp(w, "&!");
}

/* The words after --, as one line of the grammar: separators bare, \; an argument ";". */
static char *words_to_line(int argc, char **argv)
{
	char *line = xstrdup("");
	size_t len = 0;

	for (int i = 0; i < argc; i++) {
		if (is_separator(argv[i]))
			append_raw(&line, &len, argv[i]);
		else
			append_word(&line, &len,
				    argv[i][0] == '\\' && is_separator(argv[i] + 1) ? argv[i] + 1 :
										      argv[i]);
	}
	return line;
}

/* As the kernel says it: "alto: WHERE: [line L, ]column N: WHAT", that line, a caret. */
static void __attribute__((noreturn))
bad_line(const char *where, const char *text, const struct cmd_error *err)
{
	struct cmd_place at = cmd_error_place(text, err->column);

	if (at.several)
		fprintf(stderr, "alto: %s: line %d, column %d: %s\n", where, at.line, at.column,
			err->what);
	else
		fprintf(stderr, "alto: %s: column %d: %s\n", where, at.column, err->what);
	fprintf(stderr, "  %.*s\n  %*s^\n", at.len, at.text, at.column - 1, "");
	exit(2);
}

static const char *env_lookup(const char *name, size_t len, void *ctx)
{
	const struct app *a = ctx;

	for (int i = a->nenv - 1; i >= 0; i--) {
		if (!strncmp(a->env[i], name, len) && a->env[i][len] == '=')
			return a->env[i] + len + 1;
	}
	return NULL;
}

static void take_line(struct app *a, const char *where, const char *line, int depth);

/* runscript FILE: the file goes in, and the programs it runs, as the kernel will expand it. */
static void take_runscript(struct app *a, const char *path, int depth)
{
	struct cmd_error err;
	char *text = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "r");

	if (depth >= 4)
		die("runscript %s: scripts nested more than 4 deep", path);
	if (!f)
		die("runscript %s: %s (it must be on this host; it goes into the image)", path,
		    strerror(errno));
	if (getdelim(&text, &size, 0, f) < 0)
		text = xstrdup("");
	fclose(f);
	long n = cmd_expand(text, env_lookup, a, NULL, 0, &err);
	if (n < 0)
		bad_line(path, text, &err);
	char *expanded = xmalloc((size_t)n + 1);
	cmd_expand(text, env_lookup, a, expanded, (size_t)n + 1, &err);
	add_once(a, xstrdup(path), path_absolute(path));
	take_line(a, path, expanded, depth + 1);
	free(text);
}

/* Every program of a line of the grammar (whose leading options are checked by the kernel). */
static void take_line(struct app *a, const char *where, const char *line, int depth)
{
	size_t size = 64 * strlen(line) + 1024;
	void *arena = xmalloc(size);
	struct cmd_line cl;
	struct cmd_error err;

	if (cmd_parse(line, arena, size, &cl, &err))
		bad_line(where, line, &err);
	if (depth == 0 && !cl.ncmds)
		die("no program given (see --help)");
	for (int i = 0; i < cl.ncmds; i++) {
		const struct cmd *c = &cl.cmds[i];
		if (cmd_is_runscript(c)) {
			if (depth == 0) {
				struct app_prog *p = new_prog(a);
				p->runscript = true;
				p->guest_path = path_absolute(c->argv[1]);
				p->flags = c->flags;
			}
			take_runscript(a, c->argv[1], depth);
			continue;
		}
		struct app_prog tmp = { 0 }, *p = depth ? &tmp : new_prog(a);
		resolve_program(a, p, xstrdup(c->argv[0]));
		p->args = xmalloc((c->argc + 1) * sizeof(char *));
		for (int w = 1; w <= c->argc; w++)
			p->args[w - 1] = c->argv[w] ? xstrdup(c->argv[w]) : NULL;
		p->nargs = c->argc - 1;
		p->env = xmalloc((c->envc + 1) * sizeof(char *));
		for (int e = 0; e <= c->envc; e++)
			p->env[e] = c->env[e] ? xstrdup(c->env[e]) : NULL;
		p->nenv = c->envc;
		p->cwd = c->cwd ? xstrdup(c->cwd) : NULL;
		p->flags = c->flags;
		if (depth) /* inside a runscript: the file names it; only its files go in */
			add_once(a, p->host_path, p->guest_path);
	}
	free(arena);
}

void app_resolve(struct app *a, int argc, char **argv, bool several)
{
	if (argc < 1)
		die("no program given (see --help)");
	if (!several) {
		struct app_prog *p = new_prog(a);
		resolve_program(a, p, argv[0]);
		p->args = argv + 1;
		p->nargs = argc - 1;
	} else {
		char *line = words_to_line(argc, argv);
		take_line(a, "the command line", line, 0);
		free(line);
	}
	for (int i = 0; i < a->nprogs; i++) {
		if (!a->progs[i].cwd && a->workdir)
			a->progs[i].cwd = xstrdup(a->workdir);
		if (!a->progs[i].runscript)
			check_exec_limits(a, &a->progs[i]);
	}
}

/* Separators as the grammar writes them. */
static const char *separator(unsigned int flags)
{
	return flags == (CMD_BACKGROUND | CMD_ENDS_VM) ? "&!" :
	       flags == CMD_BACKGROUND		       ? "&" :
	       flags == CMD_ENDS_VM		       ? "!" :
							 ";";
}

/* --env=NAME=VALUE words first, then each program and its arguments, quoted for cmd_parse. */
char *app_cmdline(const struct app *a)
{
	char *line = xstrdup("");
	size_t len = 0;

	for (int i = 0; i < a->nenv; i++) {
		char *word = xasprintf("--env=%s", a->env[i]);
		append_word(&line, &len, word);
		free(word);
	}
	for (int i = 0; i < a->nprogs; i++) {
		const struct app_prog *p = &a->progs[i];
		for (int e = 0; e < p->nenv; e++) {
			char *word = xasprintf("--env=%s", p->env[e]);
			append_word(&line, &len, word);
			free(word);
		}
		if (p->cwd) {
			char *word = xasprintf("--cwd=%s", p->cwd);
			append_word(&line, &len, word);
			free(word);
		}
		if (p->runscript)
			append_raw(&line, &len, "runscript");
		append_word(&line, &len, p->guest_path);
		for (int w = 0; w < p->nargs; w++)
			append_word(&line, &len, p->args[w]);
		/* The last program's ';' would end the line: it needs none. */
		if (p->flags || i + 1 < a->nprogs)
			append_raw(&line, &len, separator(p->flags));
	}
	return line;
}

/* In host mode: is path in one of the host's directories the guest sees? */
static bool on_host_volume(const char *path)
{
	static const char *const dirs[] = { "/usr/", "/etc/", "/opt/" };
	char *real = realpath(path, NULL);
	bool on = false;

	for (size_t i = 0; real && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		on |= !strncmp(real, dirs[i], strlen(dirs[i]));
	free(real);
	return on;
}

/*
 * The host's files come through virtio-fs: the image holds the command line,
 * the root's symlinks, the --add files and the programs that lie elsewhere.
 */
static unsigned int write_host_entries(const struct app *a, struct image *img)
{
	for (int i = 0; i < a->nroot_links; i++)
		image_add_path(img, a->root_links[i], a->root_links[i], false);
	for (int i = 0; i < a->nadds; i++)
		image_add_path(img, a->adds[i].host, a->adds[i].guest, a->adds[i].follow);
	for (int i = 0; i < a->nprogs; i++) {
		const struct app_prog *p = &a->progs[i];
		if (!p->runscript && !added(a, p->guest_path) && !on_host_volume(p->host_path))
			image_add_path(img, p->host_path, p->guest_path, true);
	}
	char *cmdline = app_cmdline(a);
	char *text = xasprintf("%s\n", cmdline);
	image_add_data(img, IMAGE_CMDLINE_PATH, text, strlen(text), 0644);
	free(text);
	free(cmdline);
	return image_finish(img);
}

/*
 * Does the program's real file lie in another directory than its path's
 * (java through /etc/alternatives)? Then it goes in with every symlink on
 * the way kept, as the libraries do: ld.so finds $ORIGIN from the real file,
 * which reaches its JDK's lib/. Others are copied at their path (/bin/sh,
 * dash's contents), as the host's /bin or /usr/bin holds them.
 */
static bool elsewhere(const char *path)
{
	char *real = realpath(path, NULL), *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (slash)
		*slash = 0;
	char *real_dir = realpath(slash && slash != dir ? dir : slash ? "/" : ".", NULL);
	char *real_slash = real ? strrchr(real, '/') : NULL;
	if (real_slash)
		*real_slash = 0;
	bool differ = real && real_dir && strcmp(real_slash == real ? "/" : real, real_dir);
	free(real);
	free(real_dir);
	free(dir);
	return differ;
}

static unsigned int write_entries(const struct app *a, struct image *img)
{
	if (a->host_files)
		return write_host_entries(a, img);
	for (int i = 0; i < a->nadds; i++)
		image_add_path(img, a->adds[i].host, a->adds[i].guest, a->adds[i].follow);
	for (int i = 0; i < a->nprogs; i++) {
		const struct app_prog *p = &a->progs[i];
		bool again = p->runscript || added(a, p->guest_path);
		for (int j = 0; j < i && !again; j++)
			again = !strcmp(a->progs[j].guest_path, p->guest_path);
		if (again)
			continue;
		if (elsewhere(p->host_path))
			image_add_resolved(img, p->host_path);
		else
			image_add_path(img, p->host_path, p->guest_path, true);
	}
	for (int i = 0; i < a->nlibs; i++)
		image_add_resolved(img, a->libs[i]);
	image_add_etc(img);
	char *cmdline = app_cmdline(a);
	char *text = xasprintf("%s\n", cmdline);
	image_add_data(img, IMAGE_CMDLINE_PATH, text, strlen(text), 0644);
	free(text);
	free(cmdline);
	return image_finish(img);
}

unsigned int app_write_image(const struct app *a, const char *path)
{
	return write_entries(a, image_create(path));
}

void app_write_fs_image(const struct app *a, const char *path, unsigned long long size)
{
	char *dir = temp_dir();

	write_entries(a, image_create_dir(dir));
	fsimage_build(dir, path, size);
}
