/*
 * What busybox's file-changing applets do (touch, cp, mv, mkdir -p, ln -s,
 * rm -r, tar -x), made with the same calls and each effect read back:
 * times set through a path (utimensat, NULL, explicit, UTIME_NOW and
 * UTIME_OMIT), copies through sendfile checked byte for byte, renames, nested directories,
 * symlinks, a tree removed through its listing. The busybox rows of 40-busybox.sh run one applet
 * per VM (no fork yet), so they cannot read their effect back; this can.
 */
#include "common.h"
#include <dirent.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <time.h>

static uint64_t hash_file(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned char buf[4096];
	int fd = open(path, O_RDONLY);
	long n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ull;
	}
	close(fd);
	return h;
}

static void make_data(const char *path, size_t size)
{
	char buf[4096];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 31 + i / 256);
	for (size_t done = 0; done < size; done += sizeof(buf))
		write(fd, buf, size - done < sizeof(buf) ? size - done : sizeof(buf));
	close(fd);
}

static void touch(void)
{
	struct stat st;
	struct timespec times[2] = { { 1000000000, 500 }, { 1000000000, 250 } };

	make_data("t", 10);
	result("utimensat a path to given times", utimensat(AT_FDCWD, "t", times, 0));
	stat("t", &st);
	printf("  atime %ld.%09ld, mtime %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	struct timespec keep_atime[2] = { { 0, UTIME_OMIT }, { 1234567890, 0 } };
	result("utimensat with UTIME_OMIT for atime", utimensat(AT_FDCWD, "t", keep_atime, 0));
	stat("t", &st);
	printf("  atime %ld, mtime %ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
	time_t before = time(NULL);
	result("utimensat a path to now (touch)", utimensat(AT_FDCWD, "t", NULL, 0));
	stat("t", &st);
	check("  mtime is now", st.st_mtim.tv_sec >= before && st.st_mtim.tv_sec <= time(NULL) + 1);
	struct timespec now_mtime[2] = { { 5, 0 }, { 0, UTIME_NOW } };
	result("utimensat with UTIME_NOW for mtime", utimensat(AT_FDCWD, "t", now_mtime, 0));
	stat("t", &st);
	check("  atime 5, mtime now", st.st_atim.tv_sec == 5 && st.st_mtim.tv_sec >= before);
	result("symlink l -> t", symlink("t", "l"));
	struct timespec link_times[2] = { { 42, 0 }, { 43, 0 } };
	result("utimensat AT_SYMLINK_NOFOLLOW on the link",
	       utimensat(AT_FDCWD, "l", link_times, AT_SYMLINK_NOFOLLOW));
	lstat("l", &st);
	printf("  the link's mtime %ld\n", (long)st.st_mtim.tv_sec);
	stat("t", &st);
	check("  the file's mtime unchanged", st.st_mtim.tv_sec != 43);
	unlink("l");
	unlink("t");
}

static void copy(void)
{
	struct stat st;
	const size_t sizes[] = { 0, 1, 4095, 4096, 70000, 300001 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		make_data("src", sizes[i]);
		int in = open("src", O_RDONLY),
		    out = open("dst", O_CREAT | O_WRONLY | O_TRUNC, 0600);
		off_t off = 0;
		long sent = 0, n;
		while ((n = sendfile(out, in, NULL, 65536)) > 0)
			sent += n;
		close(out);
		stat("dst", &st);
		printf("sendfile of %zu bytes: %ld sent, size %ld, same bytes: %s\n", sizes[i],
		       sent, (long)st.st_size, hash_file("src") == hash_file("dst") ? "yes" : "no");
		out = open("dst2", O_CREAT | O_WRONLY | O_TRUNC, 0600);
		sent = sendfile(out, in, &off, sizes[i]);
		close(out);
		printf("  with an offset: %ld sent, the offset now %ld, same bytes: %s\n", sent,
		       (long)off, hash_file("src") == hash_file("dst2") ? "yes" : "no");
		close(in);
		unlink("dst2");
	}
	/* cp -p: the mode and the times follow. */
	struct timespec times[2] = { { 1111111111, 0 }, { 1222222222, 0 } };
	int fd = open("dst", O_WRONLY);
	result("fchmod 0640", fchmod(fd, 0640));
	result("futimens", futimens(fd, times));
	close(fd);
	stat("dst", &st);
	printf("  mode %o, mtime %ld\n", st.st_mode & 07777, (long)st.st_mtim.tv_sec);
	unlink("src");
	unlink("dst");
}

static void moves_and_trees(void)
{
	struct stat st;

	make_data("a", 100);
	make_data("b", 200);
	result("rename a to c", rename("a", "c"));
	check("  a is gone", access("a", F_OK) && errno == ENOENT);
	check("  c has a's bytes", stat("c", &st) == 0 && st.st_size == 100);
	result("rename c over b", rename("c", "b"));
	check("  b has c's bytes", stat("b", &st) == 0 && st.st_size == 100);
	unlink("b");
	/* mkdir -p */
	const char *const parts[] = { "p", "p/q", "p/q/r" };
	for (int i = 0; i < 3; i++)
		result(parts[i], mkdir(parts[i], 0750));
	result("mkdir p/q again", mkdir("p/q", 0750));
	check("  p/q/r is a directory with mode 750",
	      stat("p/q/r", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750);
	make_data("p/q/r/file", 10);
	result("symlink p/link -> q/r/file", symlink("q/r/file", "p/link"));
	char target[64] = "";
	long n = readlink("p/link", target, sizeof(target) - 1);
	printf("  readlink: %ld \"%s\"\n", n, n > 0 ? target : "");
	check("  the link leads to the file", stat("p/link", &st) == 0 && st.st_size == 10);
}

/* rm -r: the tree removed through its listing, deepest first. */
static int remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int removed = 0;

	if (!d)
		return unlink(path) ? 0 : 1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char child[512];
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		struct stat st;
		if (!lstat(child, &st) && S_ISDIR(st.st_mode))
			removed += remove_tree(child);
		else if (!unlink(child))
			removed++;
	}
	closedir(d);
	return removed + (rmdir(path) ? 0 : 1);
}

int main(void)
{
	setup();
	scratch_enter();
	touch();
	copy();
	moves_and_trees();
	printf("rm -r p: %d entries removed\n", remove_tree("p"));
	check("p is gone", access("p", F_OK) && errno == ENOENT);
	scratch_leave();
	return 0;
}
