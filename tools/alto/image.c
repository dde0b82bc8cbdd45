/*
 * The image writer: a cpio newc archive made with lib/cpio.c, the code the
 * kernel reads it with. Names are stored without the leading slash (as
 * Linux's initramfs and `find . | cpio -o` do, so `cpio -i` extracts below
 * the working directory); each path is written once, parents first. The
 * same entries can instead be laid out in a directory (image_create_dir),
 * from which fsimage.c makes an ext2 file system with mke2fs -d: both kinds
 * of image hold exactly the same files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <alto/cpio.h>
#include "alto.h"

#define PARENT_MODE 0755

/* A path already in the image, so that a second add is skipped or refused. */
struct seen {
	char *guest;
	const char *host; /* NULL for a parent directory made on the way */
	dev_t dev;
	ino_t ino;
	unsigned int mode;
};

struct image {
	const char *path;
	const char *stage; /* a directory to lay the entries out in, instead of a cpio archive */
	int out;	   /* in a directory: the file being written, or -1 */
	FILE *f;
	size_t offset;
	uint32_t next_ino;
	uint32_t mtime; /* of the directories and files the tool makes itself */
	unsigned int entries;
	void *seen;	/* tsearch tree of struct seen */
	dev_t self_dev; /* the image itself, left out of the directories added */
	ino_t self_ino;
};

static int seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->guest, ((const struct seen *)b)->guest);
}

static struct seen *seen_find(struct image *img, const char *guest)
{
	struct seen key = { .guest = (char *)guest };
	struct seen **found = tfind(&key, &img->seen, seen_cmp);

	return found ? *found : NULL;
}

static void seen_add(struct image *img, const char *guest, const char *host, const struct stat *st,
		     unsigned int mode)
{
	struct seen *s = xmalloc(sizeof(*s));

	*s = (struct seen){ .guest = xstrdup(guest), .host = host, .mode = mode };
	if (st) {
		s->dev = st->st_dev;
		s->ino = st->st_ino;
	}
	if (!tsearch(s, &img->seen, seen_cmp))
		die("out of memory");
}

static void put(struct image *img, const void *data, size_t size)
{
	if (img->stage) {
		for (size_t done = 0; done < size;) {
			ssize_t n = write(img->out, (const char *)data + done, size - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				die("cannot write into %s: %s", img->stage, strerror(errno));
			done += (size_t)n;
		}
		return;
	}
	if (size && fwrite(data, 1, size, img->f) != size)
		die("cannot write the image %s: %s", img->path, strerror(errno));
	img->offset += size;
}

/* guest's place in the directory an image is laid out in. */
static char *staged(struct image *img, const char *guest)
{
	return xasprintf("%s%s", img->stage, guest);
}

/* An entry laid out in the directory; a file is written next, through img->out. */
static void stage_entry(struct image *img, const char *guest, unsigned int mode)
{
	char *path = staged(img, guest);

	img->out = -1;
	if ((mode & CPIO_S_IFMT) == CPIO_S_IFDIR) {
		if (mkdir(path, mode & 07777) && errno != EEXIST)
			die("cannot make %s: %s", path, strerror(errno));
		/* Read and searched whatever the umask: the exact mode goes in. */
		chmod(path, mode & 07777);
	} else if ((mode & CPIO_S_IFMT) == CPIO_S_IFREG) {
		img->out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (img->out < 0)
			die("cannot make %s: %s", path, strerror(errno));
		fchmod(img->out, mode & 07777);
	}
	free(path);
	img->entries++;
}

/* The file written is complete: it gets its time, as the archive would record it. */
static void stage_done(struct image *img, uint32_t mtime)
{
	struct timespec t[2] = { { mtime, 0 }, { mtime, 0 } };

	if (img->stage && img->out >= 0) {
		futimens(img->out, t);
		close(img->out);
		img->out = -1;
	}
}

/* The header and padded name of one entry; the caller writes size bytes of data next. */
static void put_header(struct image *img, const char *guest, unsigned int mode, uint32_t mtime,
		       size_t size)
{
	static char buf[CPIO_HEADER_SIZE + 4096 + 1 + CPIO_DATA_ALIGN];
	const char *name = guest + 1; /* stored without the leading slash */
	struct cpio_entry e = {
		.name = name,
		.namelen = strlen(name),
		.mode = mode,
		.nlink = (mode & CPIO_S_IFMT) == CPIO_S_IFDIR ? 2 : 1,
		.mtime = mtime,
		.ino = img->next_ino++,
		.size = size,
	};

	if (e.namelen > 4096)
		die("the guest path %s is too long for the image", guest);
	if (img->stage) {
		stage_entry(img, guest, mode);
		return;
	}
	if (!strcmp(name, CPIO_TRAILER))
		die("the guest path %s cannot be in an image: that name ends a cpio archive",
		    guest);
	put(img, buf, cpio_header(buf, img->offset, &e));
	img->entries++;
}

static void put_pad(struct image *img, size_t size)
{
	static const char zeros[4];

	if (!img->stage)
		put(img, zeros, cpio_data_pad(size));
}

/* Make every parent directory of guest that the image does not have yet. */
static void add_parents(struct image *img, const char *guest)
{
	char *path = xstrdup(guest);

	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		struct seen *s = seen_find(img, path);
		if (s && (s->mode & CPIO_S_IFMT) != CPIO_S_IFDIR)
			die("cannot put %s into the image: %s is not a directory there", guest,
			    path);
		if (!s) {
			put_header(img, path, CPIO_S_IFDIR | PARENT_MODE, img->mtime, 0);
			seen_add(img, path, NULL, NULL, CPIO_S_IFDIR | PARENT_MODE);
		}
		*slash = '/';
	}
	free(path);
}

/*
 * Note guest as taken, or return false when it already is: by a directory
 * (directories merge) or by the same host file. Two different files at one
 * guest path are refused.
 */
static bool claim(struct image *img, const char *guest, const char *host, const struct stat *st)
{
	struct seen *s = seen_find(img, guest);

	if (!s) {
		add_parents(img, guest);
		seen_add(img, guest, host, st, st->st_mode);
		return true;
	}
	bool was_dir = (s->mode & CPIO_S_IFMT) == CPIO_S_IFDIR;
	if (S_ISDIR(st->st_mode) && was_dir)
		return false;
	if (!S_ISDIR(st->st_mode) && !was_dir && s->dev == st->st_dev && s->ino == st->st_ino)
		return false;
	die("%s would be in the image twice (from %s and %s)", guest,
	    s->host ? s->host : "a directory made for its contents", host);
}

static void copy_data(struct image *img, const char *host, int fd, size_t size)
{
	static char buf[1 << 16];
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("cannot read %s: %s", host, strerror(errno));
		if (n == 0 || (size_t)n > size - done)
			die("%s changed size while it was copied into the image", host);
		put(img, buf, n);
		done += n;
	}
	put_pad(img, size);
}

static void add_file(struct image *img, const char *host, const char *guest, const struct stat *st)
{
	int fd = open(host, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("cannot read %s: %s", host, strerror(errno));
	if (st->st_size > UINT32_MAX)
		die("%s is too large for the image (cpio newc holds files up to 4 GiB)", host);
	put_header(img, guest, st->st_mode, st->st_mtime, st->st_size);
	copy_data(img, host, fd, st->st_size);
	stage_done(img, st->st_mtime);
	close(fd);
}

static void add_symlink(struct image *img, const char *host, const char *guest,
			const struct stat *st)
{
	char target[4096];
	ssize_t n = readlink(host, target, sizeof(target));

	if (n < 0)
		die("cannot read the symlink %s: %s", host, strerror(errno));
	if ((size_t)n == sizeof(target))
		die("the symlink %s has a target too long for the image", host);
	if (img->stage) {
		char *path = staged(img, guest);
		target[n] = 0;
		struct timespec t[2] = { { st->st_mtime, 0 }, { st->st_mtime, 0 } };
		if (symlink(target, path))
			die("cannot make %s: %s", path, strerror(errno));
		utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW);
		free(path);
		img->entries++;
		return;
	}
	put_header(img, guest, CPIO_S_IFLNK | 0777, st->st_mtime, n);
	put(img, target, n);
	put_pad(img, n);
}

static void add_entry(struct image *img, const char *host, const char *guest, bool follow);

/* Everything a directory holds, in name order (so that images are reproducible). */
static void add_dir_contents(struct image *img, const char *host, const char *guest)
{
	struct dirent **names;
	int n = scandir(host, &names, NULL, alphasort);

	if (n < 0)
		die("cannot list the directory %s: %s", host, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (strcmp(name, ".") && strcmp(name, "..")) {
			char *h = xasprintf("%s/%s", host, name);
			char *g = xasprintf("%s/%s", strcmp(guest, "/") ? guest : "", name);
			add_entry(img, h, g, false);
			free(g); /* h stays: the seen tree points to it */
		}
		free(names[i]);
	}
	free(names);
}

/* Where the kernel mounts its own file systems (fs/initrd.c refuses anything else there). */
static void check_mount_point(const char *host, const char *guest, const struct stat *st)
{
	static const char *const mount_points[] = { "/dev", "/tmp", "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(mount_points) / sizeof(*mount_points); i++) {
		if (!strcmp(guest, mount_points[i]) && !S_ISDIR(st->st_mode))
			die("cannot put %s at %s: Alto mounts a file system there, so only a "
			    "directory can go there",
			    host, guest);
	}
}

static void add_entry(struct image *img, const char *host, const char *guest, bool follow)
{
	struct stat st;

	if ((follow ? stat : lstat)(host, &st))
		die("cannot add %s to the image: %s", host, strerror(errno));
	check_mount_point(host, guest, &st);
	if (st.st_dev == img->self_dev && st.st_ino == img->self_ino)
		return;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
		warnx_("left %s out of the image: not a file, directory or symlink", host);
		return;
	}
	if (!strcmp(guest, "/")) {
		if (!S_ISDIR(st.st_mode))
			die("only a directory can go at / in the image, and %s is not one", host);
		add_dir_contents(img, host, guest);
		return;
	}
	bool fresh = claim(img, guest, host, &st);
	if (S_ISDIR(st.st_mode)) {
		if (fresh)
			put_header(img, guest, st.st_mode, st.st_mtime, 0);
		add_dir_contents(img, host, guest);
	} else if (fresh && S_ISLNK(st.st_mode)) {
		add_symlink(img, host, guest, &st);
	} else if (fresh) {
		add_file(img, host, guest, &st);
	}
}

/* At the top level a symlink is followed (as cp -rH does); inside directories it is kept. */
void image_add_path(struct image *img, const char *host, const char *guest, bool follow)
{
	add_entry(img, host, guest, follow);
}

/* The symlink at link (an absolute path) followed, with rest appended. */
static char *follow_link(const char *link, const char *rest)
{
	char target[4096];
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	if (n < 0)
		die("cannot read the symlink %s: %s", link, strerror(errno));
	target[n] = 0;
	char *joined;
	if (target[0] == '/') {
		joined = xasprintf("%s%s", target, rest);
	} else {
		char *dir = xstrdup(link);
		*strrchr(dir, '/') = 0;
		joined = xasprintf("%s/%s%s", dir, target, rest);
		free(dir);
	}
	char *abs = path_absolute(joined);
	free(joined);
	return abs;
}

void image_add_resolved(struct image *img, const char *path)
{
	char *p = path_absolute(path);

	for (int hops = 0; hops < 40; hops++) {
		/* The first symlink among the path's prefixes, if any. */
		char *slash = p;
		struct stat st;
		do {
			slash = strchr(slash + 1, '/');
			if (slash)
				*slash = 0;
			if (lstat(p, &st))
				die("cannot add %s to the image: %s", p, strerror(errno));
			if (S_ISLNK(st.st_mode))
				break;
			if (slash)
				*slash = '/';
		} while (slash);
		if (!S_ISLNK(st.st_mode)) {
			add_entry(img, p, p, false);
			free(p);
			return;
		}
		add_entry(img, p, p, false);
		char *rest = xstrdup(slash ? slash + 1 : "");
		char *tail = xasprintf("%s%s", *rest ? "/" : "", rest);
		p = follow_link(p, tail); /* the old p stays: the seen tree points into it */
		free(tail);
		free(rest);
	}
	die("too many levels of symlinks in %s", path);
}

void image_add_data(struct image *img, const char *guest, const void *data, size_t size,
		    unsigned int mode)
{
	struct stat st = { .st_mode = CPIO_S_IFREG | mode, .st_ino = img->next_ino };

	if (!claim(img, guest, "the tool", &st))
		return;
	put_header(img, guest, CPIO_S_IFREG | mode, img->mtime, size);
	put(img, data, size);
	put_pad(img, size);
	stage_done(img, img->mtime);
}

bool image_has(struct image *img, const char *guest)
{
	return seen_find(img, guest) != NULL;
}

/* The time of what the tool makes itself: SOURCE_DATE_EPOCH when set, for reproducible images. */
static uint32_t build_time(void)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	char *end;

	if (epoch && *epoch) {
		unsigned long long t = strtoull(epoch, &end, 10);
		if (!*end && t <= UINT32_MAX)
			return t;
		die("bad SOURCE_DATE_EPOCH '%s' (seconds since 1970)", epoch);
	}
	return time(NULL);
}

struct image *image_create(const char *path)
{
	struct image *img = xmalloc(sizeof(*img));

	*img = (struct image){ .path = path, .next_ino = 1, .mtime = build_time() };
	img->f = fopen(path, "we");
	if (!img->f)
		die("cannot create the image %s: %s", path, strerror(errno));
	setvbuf(img->f, NULL, _IOFBF, 1 << 20);
	struct stat st;
	if (!fstat(fileno(img->f), &st)) {
		img->self_dev = st.st_dev;
		img->self_ino = st.st_ino;
	}
	return img;
}

struct image *image_create_dir(const char *dir)
{
	struct image *img = xmalloc(sizeof(*img));

	*img = (struct image){
		.path = dir, .stage = dir, .out = -1, .next_ino = 1, .mtime = build_time()
	};
	return img;
}

/* Directories get their times last, when nothing more is added to them. */
static void stage_dir_time(const void *node, VISIT which, void *arg)
{
	const struct seen *s = *(const struct seen *const *)node;
	struct image *img = arg;
	struct stat st;

	if ((which != postorder && which != leaf) || (s->mode & CPIO_S_IFMT) != CPIO_S_IFDIR)
		return;
	uint32_t mtime = s->host && !stat(s->host, &st) ? (uint32_t)st.st_mtime : img->mtime;
	struct timespec t[2] = { { mtime, 0 }, { mtime, 0 } };
	char *path = staged(img, s->guest);
	utimensat(AT_FDCWD, path, t, 0);
	free(path);
}

unsigned int image_finish(struct image *img)
{
	if (img->stage) {
		unsigned int entries = img->entries;
		twalk_r(img->seen, stage_dir_time, img);
		free(img);
		return entries;
	}

	struct cpio_entry e = { .name = CPIO_TRAILER, .namelen = strlen(CPIO_TRAILER), .nlink = 1 };
	char buf[CPIO_HEADER_SIZE + sizeof(CPIO_TRAILER) + 4];
	unsigned int entries = img->entries;

	put(img, buf, cpio_header(buf, img->offset, &e));
	if (fclose(img->f))
		die("cannot write the image %s: %s", img->path, strerror(errno));
	/* The seen tree is left to the process's end: images are built once. */
	free(img);
	return entries;
}
