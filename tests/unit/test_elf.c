/*
 * Host tests of ELF inspection (lib/elf.c) on real files: a dynamic
 * executable (/bin/ls), static and static-PIE ones built by the test rules
 * (fixtures/ next to this binary), busybox; and on broken ones: truncated at
 * many points, 32-bit, aarch64, not executable, text, empty. Each broken
 * buffer is exactly its size, so AddressSanitizer catches any read past it.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <alto/elf.h>

struct file {
	char *data;
	size_t size;
};

static struct file load(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct file file = { 0 };

	if (!f)
		fail_msg("cannot open %s (the test rules build the fixtures)", path);
	fseek(f, 0, SEEK_END);
	file.size = ftell(f);
	rewind(f);
	file.data = malloc(file.size ? file.size : 1);
	assert_int_equal(fread(file.data, 1, file.size, f), file.size);
	fclose(f);
	return file;
}

static struct file fixture(const char *name)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(path, sizeof(path), "%s/fixtures/%s", exe, name);
	return load(path);
}

/* elf_inspect on an exact-size copy of the first size bytes; returns why, or NULL. */
static const char *inspect(const void *data, size_t size, struct elf_info *info)
{
	char *copy = malloc(size ? size : 1);
	const char *why = NULL;
	struct elf_info scratch;

	memcpy(copy, data, size);
	int r = elf_inspect(copy, size, info ? info : &scratch, &why);
	free(copy);
	if (r) {
		assert_int_equal(r, -ENOEXEC);
		assert_non_null(why);
		return why;
	}
	return NULL;
}

static void expect_why(const void *data, size_t size, const char *phrase, const char *what)
{
	const char *why = inspect(data, size, NULL);

	if (!why)
		fail_msg("%s was accepted; expected \"%s\"", what, phrase);
	if (!strstr(why, phrase))
		fail_msg("%s: \"%s\"; expected \"%s\"", what, why, phrase);
}

/* Inspect a valid executable in place (info points into the file). */
static void accept(const struct file *f, struct elf_info *info, const char *what)
{
	const char *why;

	if (elf_inspect(f->data, f->size, info, &why))
		fail_msg("%s refused: %s", what, why);
	assert_true(info->lo < info->hi);
	assert_true(info->phnum > 0);
	if (!info->pie)
		assert_true(info->entry >= info->lo && info->entry < info->hi);
}

static void test_dynamic(void **state)
{
	struct file f = load("/bin/ls");
	struct elf_info info;
	(void)state;

	accept(&f, &info, "/bin/ls");
	assert_non_null(info.interp);
	assert_string_equal(info.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_true(info.pie);
	free(f.data);
}

/* The symbol at the entry point is _start: elf_symbol reads the symbol table. */
static void expect_start_symbol(const struct file *f, const struct elf_info *info)
{
	uint64_t offset = 1;
	const char *name = elf_symbol(f->data, f->size, info->entry, &offset);

	assert_non_null(name);
	assert_string_equal(name, "_start");
	assert_int_equal(offset, 0);
}

static void test_static(void **state)
{
	struct file f = fixture("static");
	struct elf_info info;
	(void)state;

	accept(&f, &info, "a static executable");
	assert_null(info.interp);
	assert_false(info.pie);
	assert_true(info.lo >= 0x400000);
	assert_true(info.phdr_vaddr >= info.lo && info.phdr_vaddr < info.hi);
	expect_start_symbol(&f, &info);
	free(f.data);
}

static void test_static_pie(void **state)
{
	struct file f = fixture("static-pie");
	struct elf_info info;
	(void)state;

	accept(&f, &info, "a static PIE");
	assert_null(info.interp);
	assert_true(info.pie);
	assert_int_equal(info.lo, 0);
	expect_start_symbol(&f, &info);
	free(f.data);
}

static void test_busybox(void **state)
{
	struct file f = load("/bin/busybox");
	struct elf_info info;
	(void)state;

	accept(&f, &info, "/bin/busybox (Debian's busybox-static)");
	assert_null(info.interp);
	free(f.data);
}

/* End of the last loaded segment's bytes in the file. */
static size_t segments_end(const struct file *f)
{
	struct elf_info info;
	size_t end = 0;

	accept(f, &info, "the fixture");
	for (unsigned int i = 0; i < info.phnum; i++) {
		const Elf64_Phdr *ph = &info.phdrs[i];
		if (ph->p_type == PT_LOAD && ph->p_offset + ph->p_filesz > end)
			end = ph->p_offset + ph->p_filesz;
	}
	return end;
}

static void test_truncated(void **state)
{
	struct file f = fixture("static");
	size_t end = segments_end(&f);
	char what[64];
	(void)state;

	expect_why(f.data, 0, "not an ELF", "an empty file");
	expect_why(f.data, 3, "not an ELF", "3 bytes");
	for (size_t cut = 4; cut < 64; cut++) {
		snprintf(what, sizeof(what), "the first %zu bytes", cut);
		expect_why(f.data, cut, "truncated", what);
	}
	size_t cuts[] = { 64, 65, 100, 64 + 56, 4096, end / 2, end - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		snprintf(what, sizeof(what), "the first %zu bytes", cuts[i]);
		expect_why(f.data, cuts[i], "truncated", what);
	}
	/* Past the segments only the section headers are missing: a loader needs none. */
	assert_null(inspect(f.data, end, NULL));
	free(f.data);
}

/* A minimal i386 executable header with one program header, made by hand. */
static void test_32bit(void **state)
{
	unsigned char elf32[52 + 32] = { 0x7f, 'E', 'L', 'F', 1 /* ELFCLASS32 */, 1, 1 };
	(void)state;

	elf32[16] = 2;	/* ET_EXEC */
	elf32[18] = 3;	/* EM_386 */
	elf32[20] = 1;	/* EV_CURRENT */
	elf32[28] = 52; /* e_phoff */
	elf32[40] = 52; /* e_ehsize */
	elf32[42] = 32; /* e_phentsize */
	elf32[44] = 1;	/* e_phnum */
	expect_why(elf32, sizeof(elf32), "32-bit", "an i386 executable");
}

static void with_patch(const struct file *f, size_t off, const void *bytes, size_t n,
		       const char *phrase, const char *what)
{
	char *copy = malloc(f->size);

	memcpy(copy, f->data, f->size);
	memcpy(copy + off, bytes, n);
	expect_why(copy, f->size, phrase, what);
	free(copy);
}

static void test_wrong_kinds(void **state)
{
	struct file f = fixture("static");
	static const char text[] = "#!/bin/sh\necho this is a script\n";
	uint16_t aarch64 = 183, rel = 1, core = 4;
	unsigned char big_endian = 2, bad_class = 7;
	(void)state;

	with_patch(&f, 18, &aarch64, 2, "another architecture", "an aarch64 executable");
	with_patch(&f, 16, &rel, 2, "not an executable", "a relocatable object");
	with_patch(&f, 16, &core, 2, "not an executable", "a core dump");
	with_patch(&f, 5, &big_endian, 1, "little-endian", "a big-endian ELF");
	with_patch(&f, 4, &bad_class, 1, "64-bit", "an ELF of unknown class");
	with_patch(&f, 0, "\177ELG", 4, "not an ELF", "a damaged magic number");
	expect_why(text, sizeof(text) - 1, "not an ELF", "a shell script");
	free(f.data);
}

/* A segment that wraps around or reaches past the application's half is refused. */
static void test_segment_bounds(void **state)
{
	struct file f = fixture("static");
	struct elf_info info;
	(void)state;

	accept(&f, &info, "a static executable");
	size_t ph = (size_t)((const char *)&info.phdrs[0] - f.data);
	while (((const Elf64_Phdr *)(f.data + ph))->p_type != PT_LOAD)
		ph += sizeof(Elf64_Phdr);
	uint64_t huge = 0xfffffffffffff000ull, top = 0x7ffffffff000ull;
	with_patch(&f, ph + offsetof(Elf64_Phdr, p_memsz), &huge, 8, "malformed segment",
		   "a segment whose end wraps around");
	with_patch(&f, ph + offsetof(Elf64_Phdr, p_vaddr), &top, 8, "malformed segment",
		   "a segment at the top of the application's half");
	with_patch(&f, ph + offsetof(Elf64_Phdr, p_memsz), &top, 8, "malformed segment",
		   "a segment as large as the application's half");
	/* A segment that ends exactly at the top is still the application's. */
	uint64_t size = 0x10000, start = top - size;
	char *copy = malloc(f.size);
	memcpy(copy, f.data, f.size);
	memcpy(copy + ph + offsetof(Elf64_Phdr, p_vaddr), &start, 8);
	memcpy(copy + ph + offsetof(Elf64_Phdr, p_memsz), &size, 8);
	memcpy(copy + ph + offsetof(Elf64_Phdr, p_filesz), &size, 8);
	assert_int_equal(((const Elf64_Phdr *)(copy + ph))->p_offset, 0);
	assert_null(inspect(copy, f.size, NULL));
	free(copy);
	free(f.data);
}

/* Random damage to the headers must never make the checks read out of bounds. */
static void test_random_damage(void **state)
{
	struct file f = fixture("static");
	size_t n = f.size < 8192 ? f.size : 8192;
	char *copy = malloc(n);
	(void)state;

	srand(777);
	for (int iter = 0; iter < 5000; iter++) {
		memcpy(copy, f.data, n);
		for (int k = 0; k < 1 + rand() % 6; k++)
			copy[rand() % (64 + 56 * 10)] = (char)rand();
		inspect(copy, n, NULL);
		inspect(copy, rand() % n, NULL);
	}
	free(copy);
	free(f.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dynamic),	      cmocka_unit_test(test_static),
		cmocka_unit_test(test_static_pie),    cmocka_unit_test(test_busybox),
		cmocka_unit_test(test_truncated),     cmocka_unit_test(test_32bit),
		cmocka_unit_test(test_wrong_kinds),   cmocka_unit_test(test_segment_bounds),
		cmocka_unit_test(test_random_damage),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
