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

/* What Linux's execve would refuse (E2BIG), refused here, before anything boots. */
static void check_exec_limits(const struct app *a)
{
	char **argv = xmalloc(((size_t)a->nargs + 1) * sizeof(*argv));
	const char *why;

	argv[0] = a->guest_path;
	memcpy(argv + 1, a->args, (size_t)a->nargs * sizeof(*argv));
	if (args_exec_check(a->guest_path, a->nargs + 1, argv, a->nenv, a->env, &why))
		die("cannot run %s: %s (E2BIG)", a->program, why);
	free(argv);
}

void app_resolve(struct app *a, int argc, char **argv)
{
	struct stat st;

	if (argc < 1)
		die("no program given (see --help)");
	a->program = argv[0];
	a->args = argv + 1;
	a->nargs = argc - 1;
	const char *path = strchr(a->program, '/') ? a->program : search_path(a->program);
	a->guest_path = path_absolute(path);
	a->host_path = xstrdup(path);
	check_exec_limits(a);
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
	app_collect_libs(a, interp);
	free(interp);
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

/* --env=NAME=VALUE words first, then argv; each quoted for the kernel's args_split(). */
char *app_cmdline(const struct app *a)
{
	char *line = xstrdup("");
	size_t len = 0;

	for (int i = 0; i < a->nenv; i++) {
		char *word = xasprintf("--env=%s", a->env[i]);
		append_word(&line, &len, word);
		free(word);
	}
	append_word(&line, &len, a->guest_path);
	for (int i = 0; i < a->nargs; i++)
		append_word(&line, &len, a->args[i]);
	return line;
}

unsigned int app_write_image(const struct app *a, const char *path)
{
	struct image *img = image_create(path);

	for (int i = 0; i < a->nadds; i++)
		image_add_path(img, a->adds[i].host, a->adds[i].guest, a->adds[i].follow);
	image_add_path(img, a->host_path, a->guest_path, true);
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
