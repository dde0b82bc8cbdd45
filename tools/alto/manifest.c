/*
 * --manifest FILE: the files of an image listed one per line, GUEST_PATH:
 * HOST_PATH, as OSv's usr.manifest lists them. Each line becomes --add
 * entries (struct app_add), so the files go into the image and bring their
 * libraries exactly as --add files do (app_collect_libs). A line is a file, a
 * directory tree (sides ending in slash, star, star) or a shell glob; every
 * error names the line. Lines and their number are bounded, so a manifest
 * that never ends (/dev/zero, a pipe) is refused instead of read forever.
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "alto.h"

#define GLOB_CHARS "*?["

/* Where the line being read is, for the error messages. */
struct manifest_line {
	const char *file;
	int number;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
line_error(const struct manifest_line *at, const char *fmt, ...)
{
	char *what;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	die("%s:%d: %s", at->file, at->number, what);
}

static void add(struct app *a, const char *host, const char *guest, bool follow)
{
	a->adds = xrealloc(a->adds, (a->nadds + 1) * sizeof(*a->adds));
	a->adds[a->nadds++] = (struct app_add){
		.host = xstrdup(host),
		.guest = path_absolute(guest),
		.follow = follow,
	};
}

static char *trim(char *s)
{
	s += strspn(s, " \t");
	size_t n = strlen(s);

	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = 0;
	return s;
}

/*
 * Drop a trailing slash-star-star (the whole tree) and say whether there was
 * one; -1 when ** is anywhere else.
 */
static int strip_tree(char *path)
{
	size_t n = strlen(path);
	bool tree = n >= 3 && !strcmp(path + n - 3, "/**");

	if (tree)
		path[n - 3] = 0;
	if (strstr(path, "**"))
		return -1;
	if (tree && !*path)
		strcpy(path, "/");
	return tree;
}

int manifest_parse_line(char *line, struct manifest_entry *e, char *why, size_t size)
{
	char *text = trim(line);

	if (!*text || *text == '#')
		return 1;
	char *colon = strchr(text, ':');
	if (!colon) {
		snprintf(why, size, "bad line '%s' (GUEST_PATH: HOST_PATH)", text);
		return -1;
	}
	*colon = 0;
	e->guest = trim(text);
	e->host = trim(colon + 1);
	if (!*e->guest || !*e->host) {
		snprintf(why, size, "bad line (GUEST_PATH: HOST_PATH, both given)");
		return -1;
	}
	if (*e->guest != '/') {
		snprintf(why, size, "the guest path %s must be absolute", e->guest);
		return -1;
	}
	int guest_tree = strip_tree(e->guest), host_tree = strip_tree(e->host);
	if (guest_tree < 0 || host_tree < 0) {
		snprintf(why, size, "** goes only at the end, as DIR/** (the whole tree of DIR)");
		return -1;
	}
	if (guest_tree != host_tree) {
		snprintf(why, size, "DIR/** on one side only");
		return -1;
	}
	e->tree = host_tree;
	return 0;
}

/* The length of the directory before the first component with a glob character. */
static size_t glob_base_len(const char *path)
{
	size_t first = strcspn(path, GLOB_CHARS);

	while (first && path[first - 1] != '/')
		first--;
	return first ? first - 1 : 0;
}

/*
 * Each match of the host pattern at the same place under the guest's
 * directory: the guest side is a directory, or the same pattern under one.
 * Matches that are symlinks stay symlinks, as inside a directory.
 */
static void add_glob(struct app *a, const struct manifest_line *at, const char *host,
		     const char *guest, bool tree)
{
	size_t host_base = glob_base_len(host);
	size_t guest_base = strlen(guest);
	glob_t g;

	if (strpbrk(guest, GLOB_CHARS)) {
		guest_base = glob_base_len(guest);
		if (strcmp(host + host_base, guest + guest_base))
			line_error(at,
				   "the guest side must be a directory or end in the host's "
				   "pattern (%s)",
				   host + host_base + 1);
	}
	int r = glob(host, GLOB_ERR, NULL, &g);
	if (r == GLOB_NOMATCH)
		line_error(at, "nothing matches %s", host);
	if (r)
		line_error(at, "cannot read the files matching %s: %s", host, strerror(errno));
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *match = g.gl_pathv[i];
		struct stat st;
		if (tree && (stat(match, &st) || !S_ISDIR(st.st_mode)))
			continue; /* a tree line takes only the directories among the matches */
		char *dest = xasprintf("%.*s%s", (int)guest_base, guest, match + host_base);
		add(a, match, *dest ? dest : "/", tree);
		free(dest);
	}
	globfree(&g);
}

static void add_line(struct app *a, const struct manifest_line *at, const char *dir, char *line)
{
	struct manifest_entry e;
	char why[PATH_MAX + 128];
	int r = manifest_parse_line(line, &e, why, sizeof(why));

	if (r < 0)
		line_error(at, "%s", why);
	if (r > 0)
		return;
	char *full = *e.host == '/' ? xstrdup(e.host) : xasprintf("%s/%s", dir, e.host);
	if (strpbrk(full, GLOB_CHARS)) {
		add_glob(a, at, full, e.guest, e.tree);
	} else {
		struct stat st;
		if (stat(full, &st))
			line_error(at, "%s: %s", full, strerror(errno));
		if (e.tree && !S_ISDIR(st.st_mode))
			line_error(at, "%s is not a directory (DIR/** takes one)", full);
		add(a, full, e.guest, true);
	}
	free(full);
}

/* The directory relative host paths start from: the manifest's own. */
static char *manifest_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

/*
 * The next line of f into line (MANIFEST_LINE_MAX bytes and the NUL), without
 * its newline: 1, or 0 at the end. A line too long, or a NUL byte (not text:
 * /dev/zero), ends the tool.
 */
static int read_line(FILE *f, const struct manifest_line *at, char *line)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (!c)
			line_error(at, "a NUL byte: not a text file");
		if (n == MANIFEST_LINE_MAX)
			line_error(at, "a line longer than %d bytes", MANIFEST_LINE_MAX);
		line[n++] = (char)c;
	}
	line[n] = 0;
	return c != EOF || n;
}

void manifest_read(struct app *a, const char *path)
{
	struct manifest_line at = { .file = path, .number = 1 };
	FILE *f = fopen(path, "re");
	static char line[MANIFEST_LINE_MAX + 1];

	if (!f)
		die("cannot read the manifest %s: %s", path, strerror(errno));
	char *dir = manifest_dir(path);
	for (; read_line(f, &at, line); at.number++) {
		if (at.number > MANIFEST_LINES_MAX)
			line_error(&at, "more than %d lines", MANIFEST_LINES_MAX);
		add_line(a, &at, dir, line);
	}
	if (ferror(f))
		die("cannot read the manifest %s: %s", path, strerror(errno));
	fclose(f);
	free(dir);
}
