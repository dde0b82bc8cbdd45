/*
 * Helpers for the guest test programs. Each program runs on the host and in
 * Alto and the outputs must match, so everything printed is deterministic:
 * relations and booleans, errno names (not strerror texts, which differ
 * between C libraries), never addresses, pids or times.
 */
#ifndef GUEST_COMMON_H
#define GUEST_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Unbuffered output, so stdout and stderr interleave the same everywhere. */
static inline void setup(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	umask(022);
}

static inline void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
}

static inline const char *errname(int e)
{
	/* clang-format off */
#define E(name) { name, #name }
	static const struct {
		int e;
		const char *name;
	} names[] = {
		E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(ECHILD), E(EIO), E(E2BIG), E(ENOEXEC), E(EBADF), E(EAGAIN),
		E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
		E(ENOTDIR), E(EISDIR), E(EINVAL), E(EMFILE), E(ENOTTY), E(EFBIG), E(ENOSPC),
		E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS),
		E(ENOTEMPTY), E(ELOOP), E(EOVERFLOW), E(EOPNOTSUPP), E(ENODATA), E(ETIMEDOUT),
		E(EMSGSIZE), E(ENOTSOCK), E(ETXTBSY), E(ENXIO),
	};
#undef E
	/* clang-format on */
	static char other[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].e == e)
			return names[i].name;
	}
	snprintf(other, sizeof(other), "errno %d", e);
	return other;
}

/* "what: VALUE" for a call that succeeded, "what: -1 ENAME" for one that failed. */
static inline void result(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, r);
}

/* Bytes shown with C escapes, so that output stays one readable line. */
static inline void show(const char *what, const void *data, long n)
{
	const unsigned char *p = data;

	printf("%s: %ld \"", what, n);
	for (long i = 0; i < n; i++) {
		if (p[i] == '\n')
			printf("\\n");
		else if (p[i] == '\\' || p[i] == '"')
			printf("\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	printf("\"\n");
}

static inline void die_setup(const char *what)
{
	printf("test setup failed: %s: %s\n", what, errname(errno));
	exit(99);
}

/* Run fn(arg) in a child, which exits with what it returns; the child's wait status. */
static inline int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die_setup("fork");
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		die_setup("waitpid");
	return status;
}

/* A field of /proc/meminfo in kB (MemFree...), or -1. */
static inline long meminfo_kb(const char *field)
{
	char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *line = strstr(buf, field);
	return line ? atol(line + strlen(field) + 1) : -1;
}

/* A fresh directory of our own under /tmp (made if missing) as the working directory. */
static char scratch_dir[64];

static inline void scratch_enter(void)
{
	mkdir("/tmp", 01777);
	strcpy(scratch_dir, "/tmp/alto-guest-XXXXXX");
	if (!mkdtemp(scratch_dir))
		die_setup("mkdtemp");
	if (chdir(scratch_dir))
		die_setup("chdir");
}

/* Everything the test made must be gone by now: the directory must be empty. */
static inline void scratch_leave(void)
{
	if (chdir("/"))
		die_setup("chdir /");
	check("scratch directory left empty and removed", rmdir(scratch_dir) == 0);
}

#endif
