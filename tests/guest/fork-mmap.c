/*
 * A file mapped MAP_SHARED across fork, in the directory given (ext2 on
 * virtio-blk and a virtio-fs volume in tests/cases/82-disk.sh and
 * 84-volumes.sh, /tmp's RAM file system from programs.txt): the same page
 * of the file seen by both processes, the child's writes through inherited
 * and through its own mappings reaching the parent's mapping, read() and
 * the file after close, a private mapping copied on the child's write
 * alone, pages counted per mapper (the parent unmapping first, the child
 * still using them; children exiting with their mappings in place; 32
 * children each writing its page), and ping-pong through one page. The
 * file's checksum is printed at the end, so that a run on a disk can be
 * compared with the host's. With a size in MiB after "keep", memory is
 * pressed once a child that mapped the file has exited: the parent's pages
 * must stay what the file holds (a page cache that forgot the parent's
 * mapping gives them away).
 *   fork-mmap DIR [keep|drop [MIB]]
 */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

#define PAGE  4096
#define PAGES 32

static char path[4096];

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n--)
		h = (h ^ *p++) * 1099511628211ull;
	return h;
}

static char *map(int fd, int prot, int flags)
{
	char *m = mmap(NULL, PAGES * PAGE, prot, flags, fd, 0);

	if (m == MAP_FAILED)
		die_setup("mmap");
	return m;
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0)
		die_setup("fork");
	if (waitpid(pid, &status, 0) != pid)
		die_setup("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Inherited mapping: the child reads the parent's page, writes a touched and an untouched one. */
static void inherited(int fd, char *m)
{
	m[0] = 'P';
	m[PAGE] = 'Q';
	pid_t pid = fork();
	if (pid == 0) {
		int ok = m[0] == 'P' && m[PAGE] == 'Q';
		m[0] = 'c';	   /* a page the parent had mapped */
		m[5 * PAGE] = 'd'; /* one nobody had touched */
		_exit(ok ? 0 : 1);
	}
	int status = wait_child(pid);
	char b[2] = { 0 };
	pread(fd, &b[0], 1, 0);
	pread(fd, &b[1], 1, 5 * PAGE);
	check("inherited: the child saw the parent's writes", status == 0);
	check("inherited: the child's writes in the parent's mapping",
	      m[0] == 'c' && m[5 * PAGE] == 'd');
	check("inherited: and through read()", b[0] == 'c' && b[1] == 'd');
}

/* The child maps the file itself and exits with the mapping in place. */
static void own_mapping(int fd, char *m)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *c = map(fd, PROT_READ | PROT_WRITE, MAP_SHARED);
		memcpy(c + 2 * PAGE, "child's own", 11);
		_exit(c[0] == 'c' ? 0 : 1);
	}
	int status = wait_child(pid);
	check("own mapping: the child read the page", status == 0);
	check("own mapping: its write seen by the parent",
	      !memcmp(m + 2 * PAGE, "child's own", 11));
}

/* The parent lets go of its mapping while the child still writes through the inherited one. */
static void parent_unmaps_first(int fd)
{
	char *m = map(fd, PROT_READ | PROT_WRITE, MAP_SHARED);
	int go[2], done[2];

	m[3 * PAGE] = 'x';
	if (pipe(go) || pipe(done))
		die_setup("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		int ok = m[3 * PAGE] == 'x';
		m[3 * PAGE] = 'y';
		write(done[1], "k", 1);
		_exit(ok ? 0 : 1);
	}
	munmap(m, PAGES * PAGE);
	write(go[1], "g", 1);
	char c = 0;
	read(done[0], &c, 1);
	int status = wait_child(pid);
	char b = 0;
	pread(fd, &b, 1, 3 * PAGE);
	check("parent unmapped first: the child still read the page", status == 0 && c == 'k');
	check("parent unmapped first: the child's write reached the file", b == 'y');
	close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

/* A private mapping: the child's write makes its own copy; the file and parent keep theirs. */
static void private_copy(int fd)
{
	char *p = map(fd, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char before = p[0];
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 'z';
		_exit(p[0] == 'z' ? 0 : 1);
	}
	int status = wait_child(pid);
	char b = 0;
	pread(fd, &b, 1, 0);
	check("private: the child's write stays in the child", status == 0 && p[0] == before);
	check("private: the file is unchanged", b == before);
	munmap(p, PAGES * PAGE);
}

/* Ping-pong through one shared page: each side increments what the other wrote. */
static void ping_pong(char *m)
{
	int to_child[2], to_parent[2];
	volatile int *counter = (volatile int *)(m + 4 * PAGE);

	if (pipe(to_child) || pipe(to_parent))
		die_setup("pipe");
	*counter = 0;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		for (int i = 0; i < 100; i++) {
			if (read(to_child[0], &c, 1) != 1 || *counter != 2 * i + 1)
				_exit(1);
			(*counter)++;
			write(to_parent[1], "c", 1);
		}
		_exit(0);
	}
	int ok = 1;
	for (int i = 0; i < 100 && ok; i++) {
		char c;
		(*counter)++;
		write(to_child[1], "p", 1);
		ok = read(to_parent[0], &c, 1) == 1 && *counter == 2 * i + 2;
	}
	int status = wait_child(pid);
	check("ping-pong: 100 rounds through one page", ok && status == 0 && *counter == 200);
	close(to_child[0]), close(to_child[1]), close(to_parent[0]), close(to_parent[1]);
}

/* PAGES children at once, each writing its own page through the inherited mapping. */
static void many(int fd, char *m)
{
	pid_t pids[PAGES];

	for (int i = 0; i < PAGES; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			memset(m + i * PAGE + 64, 'a' + i % 26, 64);
			_exit(0);
		}
	}
	int bad = 0;
	for (int i = 0; i < PAGES; i++)
		bad += wait_child(pids[i]) != 0;
	char b[64];
	for (int i = 0; i < PAGES; i++) {
		pread(fd, b, 64, i * PAGE + 64);
		for (int k = 0; k < 64; k++)
			bad += b[k] != 'a' + i % 26 || m[i * PAGE + 64 + k] != b[k];
	}
	check("32 children: each page written by its child, seen by mapping and read()", bad == 0);
}

/* Clean pages mapped by the parent and, until it exits, by a child; then memory pressed. */
static void pressure(int fd, long mib)
{
	char *m = map(fd, PROT_READ | PROT_WRITE, MAP_SHARED);
	static char buf[1 << 20], page[PAGE];
	char big[4200];
	int bad = 0;

	for (int i = 0; i < PAGES; i++)
		memset(m + i * PAGE, 'A' + i % 26, PAGE);
	msync(m, PAGES * PAGE, MS_SYNC);
	pid_t pid = fork();
	if (pid == 0) {
		int sum = 0;
		for (int i = 0; i < PAGES; i++)
			sum += m[i * PAGE];
		_exit(sum ? 0 : 1);
	}
	bad += wait_child(pid) != 0;
	snprintf(big, sizeof(big), "%s.big", path);
	int b = open(big, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (b < 0)
		die_setup("create the big file");
	memset(buf, 'b', sizeof(buf));
	for (long i = 0; i < mib; i++)
		bad += write(b, buf, sizeof(buf)) != (ssize_t)sizeof(buf);
	fsync(b);
	for (int round = 0; round < 2; round++) {
		lseek(b, 0, SEEK_SET);
		while (read(b, buf, sizeof(buf)) > 0)
			;
	}
	close(b);
	unlink(big);
	for (int i = 0; i < PAGES; i++) {
		pread(fd, page, PAGE, i * PAGE);
		bad += memcmp(page, m + i * PAGE, PAGE) != 0 || page[0] != 'A' + i % 26;
	}
	check("pressure: the parent's pages still the file's after its child left", bad == 0);
	munmap(m, PAGES * PAGE);
}

int main(int argc, char **argv)
{
	setup();
	if (argc < 2) {
		fprintf(stderr, "usage: fork-mmap DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/fork-mmap.%d", argv[1], (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, PAGES * PAGE))
		die_setup("create the file");
	char *m = map(fd, PROT_READ | PROT_WRITE, MAP_SHARED);

	inherited(fd, m);
	own_mapping(fd, m);
	parent_unmaps_first(fd);
	private_copy(fd);
	ping_pong(m);
	many(fd, m);
	if (argc > 3)
		pressure(fd, atol(argv[3]));
	check("msync", msync(m, PAGES * PAGE, MS_SYNC) == 0);
	munmap(m, PAGES * PAGE);
	close(fd);

	/* The file as it is now, read afresh. */
	static unsigned char data[PAGES * PAGE];
	fd = open(path, O_RDONLY);
	check("read back whole", fd >= 0 && read(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
	printf("checksum %016llx\n", (unsigned long long)fnv(data, sizeof(data)));
	close(fd);
	if (argc > 2 && !strcmp(argv[2], "keep")) {
		char kept[4200];
		snprintf(kept, sizeof(kept), "%s/fork-mmap.kept", argv[1]);
		check("kept", rename(path, kept) == 0);
	} else {
		check("unlink", unlink(path) == 0);
	}
	return 0;
}
