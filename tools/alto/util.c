/*
 * Small helpers for the alto tool: error reporting, allocation that cannot
 * fail, size parsing, paths (relative to the binary, made absolute),
 * temporary files that nothing can leave behind.
 */
#define _GNU_SOURCE /* pipe2, vasprintf */
#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "alto.h"

static void vwarn(const char *fmt, va_list ap)
{
	fputs("alto: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(ALTO_EXIT_USAGE);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void print_text(FILE *f, const char *const *parts)
{
	size_t len = 0;

	for (const char *const *p = parts; *p; p++)
		len += strlen(*p);
	char *text = xmalloc(len + 1), *end = text;
	for (const char *const *p = parts; *p; p++)
		end = stpcpy(end, *p);
	/* Past stdio, whose buffer (8 KiB) would cut a longer text into two writes. */
	fflush(f);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fileno(f), text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	free(text);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return s;
}

/*
 * "512M", "2g", "65536K", "268435456b" (Docker's suffixes, either case) or
 * a number of bytes; a bare number below 1 MiB means MiB, as QEMU's -m.
 */
int parse_memory(const char *s, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1; /* strtoull would take "-5" as a huge number, and " 5" */
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;

	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 'b':
	case 'B':
		end++;
		break;
	case 0:
		shift = v < (1ull << 20) ? 20 : 0;
		break;
	default:
		return -1;
	}
	if (shift && *end == 'i')
		end++; /* Ki, MiB... */
	if (shift && (*end == 'b' || *end == 'B'))
		end++; /* KB, mb, gb: Docker's */
	if (*end || (v << shift) >> shift != v)
		return -1;
	*out = v << shift;
	return 0;
}

int temp_file(const char *what)
{
	const char *dir = getenv("TMPDIR");

	if (!dir || !*dir)
		dir = "/tmp";
	char *path = xasprintf("%s/alto-%s-XXXXXX", dir, what);
	int fd = mkstemp(path);
	if (fd < 0)
		die("cannot create a temporary %s in %s: %s", what, dir, strerror(errno));
	unlink(path);
	free(path);
	return fd;
}

static const char *to_remove;

static void remove_now(void)
{
	if (to_remove)
		unlink(to_remove);
}

static void remove_and_die(int sig)
{
	remove_now();
	signal(sig, SIG_DFL);
	raise(sig);
}

void remove_on_exit(const char *path)
{
	static bool registered;

	to_remove = path;
	if (!registered && path) {
		registered = true;
		atexit(remove_now);
	}
	signal(SIGINT, path ? remove_and_die : SIG_DFL);
	signal(SIGTERM, path ? remove_and_die : SIG_DFL);
	signal(SIGHUP, path ? remove_and_die : SIG_DFL);
}

const char *self_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n <= 0)
		return ".";
	dir[n] = 0;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	return dir;
}

char *join_args(int argc, char **argv)
{
	size_t len = 1;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = xmalloc(len);

	*s = 0;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Drop the last component of the normalized absolute path being built in out. */
static void drop_last(char *out, size_t *len)
{
	while (*len > 0 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 1)
		(*len)--; /* the slash, unless it is the root */
	out[*len] = 0;
}

/* Lexically, as `realpath -s`: symlinks are not followed, so the user's path is kept. */
char *path_absolute(const char *path)
{
	char cwd[PATH_MAX];
	char *full, *out;
	size_t len = 0;

	if (path[0] == '/') {
		full = xstrdup(path);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			die("cannot find the working directory: %s", strerror(errno));
		full = xasprintf("%s/%s", cwd, path);
	}
	out = xmalloc(strlen(full) + 2);
	strcpy(out, "/");
	len = 1;
	for (char *save, *part = strtok_r(full, "/", &save); part;
	     part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			drop_last(out, &len);
			continue;
		}
		if (len > 1)
			out[len++] = '/';
		strcpy(out + len, part);
		len += strlen(part);
	}
	free(full);
	return out;
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* After getopt's own message: point at the help instead of printing all of it. */
int usage_error(const char *command)
{
	fprintf(stderr, "Try 'alto %s --help' for more information.\n", command);
	return ALTO_EXIT_USAGE;
}

/* Temporary directories made by temp_dir(), removed (with their files) at exit. */
static char *temp_dirs[4];

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	/* A directory made read-only (an image's tree) is emptied all the same. */
	if (type == FTW_DP)
		return rmdir(path), 0;
	return unlink(path), 0;
}

static int make_writable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, st->st_mode | 0700);
	return 0;
}

static void remove_temp_dirs(void)
{
	for (size_t i = 0; i < sizeof(temp_dirs) / sizeof(temp_dirs[0]) && temp_dirs[i]; i++) {
		nftw(temp_dirs[i], make_writable, 16, FTW_PHYS);
		nftw(temp_dirs[i], remove_one, 16, FTW_DEPTH | FTW_PHYS);
	}
}

char *temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	size_t n = 0;

	if (!base || !*base)
		base = "/tmp";
	while (n < sizeof(temp_dirs) / sizeof(temp_dirs[0]) && temp_dirs[n])
		n++;
	if (n == sizeof(temp_dirs) / sizeof(temp_dirs[0]))
		die("internal error: too many temporary directories");
	char *dir = xasprintf("%s/alto-XXXXXX", base);
	if (!mkdtemp(dir))
		die("cannot make a temporary directory in %s: %s", base, strerror(errno));
	if (!n)
		atexit(remove_temp_dirs);
	temp_dirs[n] = dir;
	return dir;
}

void run_host_tool(const char *package, const char *input, const char *const argv[])
{
	pid_t pid = fork();
	int ws;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open(input ? input : "/dev/null", O_RDONLY);
		int out = open("/dev/null", O_WRONLY);
		if (in < 0 || out < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (waitpid(pid, &ws, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
		die("%s is missing: install Debian's %s", argv[0], package);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws))
		die("%s failed", argv[0]);
}
