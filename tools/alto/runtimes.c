/*
 * The files a program needs besides its libraries, in the two ways alto
 * gives them.
 *
 * The host's files (alto run of a dynamically linked program with no --add
 * or --manifest, or --files host): the host's system directories (/usr,
 * /etc, /opt, and /bin, /lib... where they are directories and not the
 * symlinks into /usr they are on Debian) are served read-only through
 * virtio-fs at the same paths, so the program reads what it reads natively
 * and nothing is copied; the image holds the command line, the symlinks of
 * the host's root and /root.
 *
 * An image of its own (alto build, alto run --files image): the program and
 * its libraries as before, and for the runtimes Alto knows, their data
 * trees, found by asking the host's own interpreter where it reads from
 * (python3's sys.path, perl's @INC, ruby's $LOAD_PATH, git --exec-path) or
 * where its files lie (java's home beside its real binary, Tcl's library),
 * plus the time zones the first two read. A program Alto does not know gets
 * its libraries only: --add or --manifest bring the rest.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "alto.h"

struct runtime {
	const char *name;     /* the real program's name starts with this */
	const char *query[4]; /* a command (after the program) printing directories */
	const char *trees[6]; /* directories or globs; "HOME": two levels above the program */
};

static const struct runtime runtimes[] = {
	{ "python3",
	  { "-c", "import sys\nfor p in sys.path:\n  print(p)" },
	  { "/usr/share/zoneinfo" } },
	{ "perl", { "-e", "print \"$_\\n\" for @INC" }, { "/usr/share/zoneinfo" } },
	{ "ruby", { "-e", "puts $LOAD_PATH; puts RbConfig::CONFIG['rubylibdir']" }, { NULL } },
	{ "tclsh", { NULL }, { "/usr/share/tcltk/tcl8*", "/usr/lib/tcltk/*/tcl8*" } },
	{ "java", { NULL }, { "HOME", "/etc/java-*" } },
	{ "git", { "--exec-path" }, { "/usr/share/git-core" } },
};

const char runtime_help[] =
	"Runtimes get their data trees in the image: python3 (sys.path and the time\n"
	"zones), perl (@INC), ruby ($LOAD_PATH), tclsh (its Tcl library), java (its\n"
	"JDK home, found from its real path, and /etc/java-*) and git (--exec-path\n"
	"and /usr/share/git-core). Other programs get their libraries only: add what\n"
	"else they read with --add or --manifest.\n";

static void add_tree(struct app *a, const char *path)
{
	struct stat st;

	if (stat(path, &st) || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)))
		return;
	char *real = realpath(path, NULL);
	if (!real)
		return;
	for (int i = 0; i < a->nadds; i++) {
		if (!strcmp(a->adds[i].host, real)) {
			free(real);
			return;
		}
	}
	a->adds = xrealloc(a->adds, (a->nadds + 1) * sizeof(*a->adds));
	a->adds[a->nadds++] = (struct app_add){ .host = real, .guest = real, .follow = true };
}

/* Run the program with the query's arguments; each line of its output that names a path. */
static void ask(struct app *a, const char *program, const char *const *query)
{
	int fds[2];

	if (pipe(fds))
		return;
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		const char *argv[8] = { program };
		for (int i = 0; i < 4 && query[i]; i++)
			argv[i + 1] = query[i];
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		execv(program, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char line[PATH_MAX];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '/')
			add_tree(a, line);
	}
	if (f)
		fclose(f);
	waitpid(pid, NULL, 0);
}

/* java's home: two levels above its real binary (HOME/bin/java). */
static void add_home(struct app *a, const char *program)
{
	char *real = realpath(program, NULL);

	if (!real)
		return;
	char *home = dirname(dirname(real));
	if (strcmp(home, "/") && strcmp(home, "/usr"))
		add_tree(a, home);
	free(real);
}

/* The data trees of program's runtime, when Alto knows it. */
static void add_runtime_trees(struct app *a, const char *program)
{
	char *real = realpath(program, NULL);
	const char *name = real ? strrchr(real, '/') + 1 : "";

	for (size_t r = 0; r < sizeof(runtimes) / sizeof(runtimes[0]); r++) {
		const struct runtime *rt = &runtimes[r];
		if (strncmp(name, rt->name, strlen(rt->name)))
			continue;
		if (rt->query[0])
			ask(a, program, rt->query);
		for (int i = 0; i < 6 && rt->trees[i]; i++) {
			if (!strcmp(rt->trees[i], "HOME")) {
				add_home(a, program);
				continue;
			}
			glob_t g;
			if (glob(rt->trees[i], 0, NULL, &g))
				continue;
			for (size_t k = 0; k < g.gl_pathc; k++)
				add_tree(a, g.gl_pathv[k]);
			globfree(&g);
		}
	}
	free(real);
}

void runtime_add_trees(struct app *a)
{
	int first = a->nadds;

	for (int i = 0; i < a->nprogs; i++) {
		if (!a->progs[i].runscript)
			add_runtime_trees(a, a->progs[i].host_path);
	}
	/* Their shared objects bring their libraries, as those of --add files do. */
	if (a->nadds > first)
		app_collect_libs_of_adds(a, first);
}

/* The host's system directories and the symlinks among them, as the host's root has them. */
static const char *const system_dirs[] = { "usr", "etc",   "opt",   "bin",   "sbin",
					   "lib", "lib32", "lib64", "libx32" };

void runtime_host_files(struct app *a, struct vm_config *c)
{
	a->host_files = true;
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
		char *path = xasprintf("/%s", system_dirs[i]);
		struct stat st;
		if (!lstat(path, &st) && S_ISLNK(st.st_mode)) {
			a->root_links = xrealloc(a->root_links,
						 (a->nroot_links + 1) * sizeof(*a->root_links));
			a->root_links[a->nroot_links++] = path;
			continue;
		}
		if (!lstat(path, &st) && S_ISDIR(st.st_mode)) {
			c->volumes = xrealloc(c->volumes, (c->nvolumes + 1) * sizeof(*c->volumes));
			c->volumes[c->nvolumes++] =
				(struct vm_volume){ .host = path, .guest = path, .readonly = true };
		}
	}
}
