/*
 * Host tests of the cpio newc code (lib/cpio.c): archives written the way the
 * host tool writes images are read back by the kernel's reader, with file data
 * page-aligned; truncated and garbled archives are refused; and GNU cpio
 * extracts such an archive, which proves the padded names are standard.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <alto/cpio.h>

#define S_DIR  (CPIO_S_IFDIR | 0755)
#define S_FILE (CPIO_S_IFREG | 0644)
#define S_EXEC (CPIO_S_IFREG | 0755)
#define S_LINK (CPIO_S_IFLNK | 0777)

struct item {
	const char *name;
	uint32_t mode;
	const char *data; /* file contents or symlink target; NULL: size bytes of a pattern */
	size_t size;
};

struct archive {
	char *buf;
	size_t size, cap;
	uint32_t ino;
};

static void put(struct archive *a, const void *data, size_t n)
{
	if (a->size + n > a->cap) {
		a->cap = (a->size + n) * 2;
		a->buf = realloc(a->buf, a->cap);
		assert_non_null(a->buf);
	}
	memcpy(a->buf + a->size, data, n);
	a->size += n;
}

static char pattern(size_t i)
{
	return (char)(i * 7 + i / 251);
}

static void add(struct archive *a, const struct item *it)
{
	char hdr[CPIO_HEADER_SIZE + 4096 + CPIO_DATA_ALIGN];
	struct cpio_entry e = {
		.name = it->name,
		.namelen = strlen(it->name),
		.mode = it->mode,
		.nlink = 1,
		.mtime = 1700000000 + a->ino,
		.ino = ++a->ino,
		.size = it->size,
	};
	static const char zeros[4];

	put(a, hdr, cpio_header(hdr, a->size, &e));
	for (size_t i = 0; i < it->size; i++) {
		char c = it->data ? it->data[i] : pattern(i);
		put(a, &c, 1);
	}
	put(a, zeros, cpio_data_pad(it->size));
}

static void finish(struct archive *a)
{
	struct item trailer = { CPIO_TRAILER, 0, "", 0 };

	add(a, &trailer);
}

/* A long name (to cross the alignment in every way) made of repeated letters. */
static char long_name[200];

static const struct item items[] = {
	{ "d", S_DIR, "", 0 },
	{ "d/hello", S_FILE, "hello\n", 6 },
	{ "d/empty", S_FILE, "", 0 },
	{ "d/link", S_LINK, "hello", 5 },
	{ "d/abs-link", S_LINK, "/d/hello", 8 },
	{ "d/sub", CPIO_S_IFDIR | 0700, "", 0 },
	{ "d/sub/big", S_EXEC, NULL, 10000 },
	{ "d/sub/page", S_FILE, NULL, 4096 },
	{ "d/x", S_FILE, "x", 1 },
	{ long_name, S_FILE, NULL, 3 },
};
#define NITEMS (sizeof(items) / sizeof(items[0]))

static struct archive build(void)
{
	struct archive a = { 0 };

	memset(long_name, 'n', sizeof(long_name) - 1);
	memcpy(long_name, "d/", 2);
	for (size_t i = 0; i < NITEMS; i++)
		add(&a, &items[i]);
	finish(&a);
	return a;
}

static void check_entry(const struct archive *a, const struct cpio_entry *e, const struct item *it)
{
	assert_int_equal(e->namelen, strlen(it->name));
	assert_memory_equal(e->name, it->name, e->namelen);
	assert_int_equal(e->mode, it->mode);
	assert_int_equal(e->size, it->size);
	for (size_t i = 0; i < it->size; i++)
		assert_int_equal(((const char *)e->data)[i], it->data ? it->data[i] : pattern(i));
	if ((it->mode & CPIO_S_IFMT) == CPIO_S_IFREG && it->size) {
		size_t off = (const char *)e->data - a->buf;
		if (off % CPIO_DATA_ALIGN)
			fail_msg("%s: data at archive offset %zu, not page-aligned", it->name, off);
	}
}

static void test_round_trip(void **state)
{
	struct archive a = build();
	struct cpio_entry e;
	size_t off = 0;
	(void)state;

	for (size_t i = 0; i < NITEMS; i++) {
		assert_int_equal(cpio_next(a.buf, a.size, &off, &e), 1);
		check_entry(&a, &e, &items[i]);
		assert_int_equal(e.ino, i + 1);
		assert_int_equal(e.mtime, 1700000000 + i);
	}
	assert_int_equal(cpio_next(a.buf, a.size, &off, &e), 0);
	assert_int_equal(off, a.size);
	free(a.buf);
}

/* Walk a copy of exactly size bytes (so ASan sees any read past it); 0 at the trailer. */
static int walk(const char *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	struct cpio_entry e;
	size_t off = 0;
	int r;

	memcpy(copy, data, size);
	while ((r = cpio_next(copy, size, &off, &e)) == 1)
		;
	free(copy);
	return r;
}

static void test_truncated(void **state)
{
	struct archive a = build();
	(void)state;

	assert_int_equal(walk(a.buf, a.size), 0);
	for (size_t cut = 0; cut < a.size; cut++) {
		if (walk(a.buf, cut) != -EINVAL)
			fail_msg("an archive cut to %zu of %zu bytes was not refused", cut, a.size);
	}
	free(a.buf);
}

static void expect_garbled(const struct archive *a, size_t at, const char *bytes)
{
	char *copy = malloc(a->size);

	memcpy(copy, a->buf, a->size);
	memcpy(copy + at, bytes, strlen(bytes));
	if (walk(copy, a->size) != -EINVAL)
		fail_msg("an archive with \"%s\" at %zu was not refused", bytes, at);
	free(copy);
}

static void test_garbled(void **state)
{
	struct archive a = build();
	(void)state;

	expect_garbled(&a, 0, "070707");    /* the old binary-compatible magic */
	expect_garbled(&a, 6, "0000000g");  /* not hex */
	expect_garbled(&a, 94, "00000000"); /* namesize 0 */
	expect_garbled(&a, 94, "7FFFFFFF"); /* name beyond the end */
	expect_garbled(&a, 54, "FFFFFFF0"); /* file size beyond the end */
	expect_garbled(&a, 54 + 3, " ");    /* a blank in a field */
	free(a.buf);
}

/* Random damage anywhere must never crash the reader (ASan watches). */
static void test_random_damage(void **state)
{
	struct archive a = build();
	char *copy = malloc(a.size);
	(void)state;

	srand(4242);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(copy, a.buf, a.size);
		for (int k = 0; k < 1 + rand() % 4; k++)
			copy[rand() % 1024] = "0123456789ABCDEFxX\0 "[rand() % 20];
		int r = walk(copy, a.size);
		assert_true(r == 0 || r == -EINVAL);
	}
	free(copy);
	free(a.buf);
}

static char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(20000);

	assert_non_null(f);
	*size = fread(buf, 1, 20000, f);
	fclose(f);
	return buf;
}

static void check_extracted(const char *dir, const struct item *it)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, it->name);
	if (lstat(path, &st))
		fail_msg("GNU cpio did not extract %s", it->name);
	assert_int_equal(st.st_mode, it->mode);
	if ((it->mode & CPIO_S_IFMT) == CPIO_S_IFLNK) {
		char target[256] = { 0 };
		assert_int_equal(readlink(path, target, sizeof(target)), it->size);
		assert_memory_equal(target, it->data, it->size);
	} else if ((it->mode & CPIO_S_IFMT) == CPIO_S_IFREG) {
		size_t size;
		char *data = read_file(path, &size);
		assert_int_equal(size, it->size);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(data[i], it->data ? it->data[i] : pattern(i));
		free(data);
		assert_int_equal(st.st_mtime, 1700000000 + (&it[0] - items));
	}
}

static void test_gnu_cpio_extracts(void **state)
{
	struct archive a = build();
	char dir[] = "/tmp/alto-test-cpio-XXXXXX";
	(void)state;
	char cmd[2048], path[512];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/image.cpio", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(a.buf, 1, a.size, f), a.size);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "mkdir %s/out && cd %s/out && umask 0 && cpio -idm --quiet < %s",
		 dir, dir, path);
	if (system(cmd))
		fail_msg("GNU cpio failed to extract the archive: %s", cmd);
	snprintf(path, sizeof(path), "%s/out", dir);
	for (size_t i = 0; i < NITEMS; i++)
		check_extracted(path, &items[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(a.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),	  cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbled),		  cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_gnu_cpio_extracts),
	};

	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
