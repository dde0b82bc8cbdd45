/*
 * mkksyms: turns `nm -n -S` output of the first kernel link into an assembly
 * file holding the .ksyms section in the packed layout of alto/ksyms.h.
 * Only the functions of the high half are kept (the 32-bit entry code at
 * 1 MiB runs before paging and is never in a backtrace). The names are
 * compressed by pair merging: starting from one token per character, the
 * pair of adjacent tokens that occurs most often becomes a new token, until
 * the 256 codes are used or no merge saves a byte. Before writing, every
 * symbol is looked up in the table with the kernel's own reader
 * (lib/ksyms.c): its first and last byte must give its name, the bytes
 * after a function that nothing follows no name; any difference fails the
 * build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <alto/ksyms.h>

#define HIGH_HALF     0xffff800000000000ull
#define MAX_TOKEN_LEN 32

struct sym {
	unsigned long long addr, size;
	char *name; /* "" for the end of a function that nothing follows at once */
	unsigned char codes[KSYMS_MAX_CODES];
	unsigned int ncodes;
};

static struct sym *syms;
static size_t nsyms, cap;
static char tokens[KSYMS_TOKENS][MAX_TOKEN_LEN + 1];
static unsigned int ntokens;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("mkksyms");
		exit(1);
	}
	return p;
}

static void add(unsigned long long addr, unsigned long long size, const char *name)
{
	if (nsyms == cap) {
		cap = cap ? cap * 2 : 1024;
		syms = xrealloc(syms, cap * sizeof(*syms));
	}
	syms[nsyms++] = (struct sym){ .addr = addr, .size = size, .name = strdup(name) };
}

static int keep(char type, const char *name, unsigned long long addr)
{
	if (type != 'T' && type != 't' && type != 'W' && type != 'w')
		return 0;
	/* Local labels the assembler leaves behind. */
	return addr >= HIGH_HALF && name[0] != '.' && strncmp(name, "__ksyms", 7) != 0;
}

/*
 * The functions in address order; of several at one address, the last one
 * nm lists (what a lookup used to find). A function with a size that the
 * next one does not follow at once gets an end marker.
 */
static void read_symbols(void)
{
	char line[1024];
	struct sym *in = NULL;
	size_t n = 0, incap = 0;

	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long addr, size = 0;
		char type, name[900];
		/* "addr size type name" or, for symbols without a size, "addr type name". */
		if (sscanf(line, "%llx %llx %c %899s", &addr, &size, &type, name) != 4) {
			size = 0;
			if (sscanf(line, "%llx %c %899s", &addr, &type, name) != 3)
				continue;
		}
		if (!keep(type, name, addr))
			continue;
		if (n && addr < in[n - 1].addr) {
			fprintf(stderr, "mkksyms: input not sorted by address at %s\n", name);
			exit(1);
		}
		if (n && addr == in[n - 1].addr) {
			free(in[n - 1].name);
			n--;
		}
		if (n == incap) {
			incap = incap ? incap * 2 : 1024;
			in = xrealloc(in, incap * sizeof(*in));
		}
		in[n++] = (struct sym){ .addr = addr, .size = size, .name = strdup(name) };
	}
	for (size_t i = 0; i < n; i++) {
		unsigned long long end = in[i].addr + in[i].size;

		add(in[i].addr, in[i].size, in[i].name);
		if (in[i].size && (i + 1 == n || in[i + 1].addr > end))
			add(end, 0, "");
		free(in[i].name);
	}
	free(in);
}

static int code_of(const char *token)
{
	for (unsigned int i = 0; i < ntokens; i++)
		if (!strcmp(tokens[i], token))
			return (int)i;
	return -1;
}

/* One token per character used, then merges of the most frequent pair. */
static void compress_names(void)
{
	static unsigned int pairs[KSYMS_TOKENS][KSYMS_TOKENS];
	static unsigned int raw[KSYMS_MAX_CODES * 4];

	for (size_t i = 0; i < nsyms; i++)
		for (const char *c = syms[i].name; *c; c++)
			if (code_of((char[]){ *c, 0 }) < 0)
				tokens[ntokens++][0] = *c;
	for (size_t i = 0; i < nsyms; i++) {
		size_t len = strlen(syms[i].name);
		if (len > KSYMS_MAX_CODES) {
			fprintf(stderr, "mkksyms: name longer than %d bytes: %s\n", KSYMS_MAX_CODES,
				syms[i].name);
			exit(1);
		}
		for (size_t j = 0; j < len; j++)
			syms[i].codes[j] = (unsigned char)code_of((char[]){ syms[i].name[j], 0 });
		syms[i].ncodes = (unsigned int)len;
	}
	while (ntokens < KSYMS_TOKENS) {
		unsigned int best = 0, a = 0, b = 0;

		memset(pairs, 0, sizeof(pairs));
		for (size_t i = 0; i < nsyms; i++)
			for (unsigned int j = 0; j + 1 < syms[i].ncodes; j++)
				pairs[syms[i].codes[j]][syms[i].codes[j + 1]]++;
		for (unsigned int x = 0; x < ntokens; x++)
			for (unsigned int y = 0; y < ntokens; y++)
				if (pairs[x][y] > best &&
				    strlen(tokens[x]) + strlen(tokens[y]) <= MAX_TOKEN_LEN)
					best = pairs[x][y], a = x, b = y;
		/* A merge saves a byte per use and costs the token's bytes and offset. */
		if (best <= strlen(tokens[a]) + strlen(tokens[b]) + 2)
			break;
		size_t la = strlen(tokens[a]), lb = strlen(tokens[b]);
		char merged[2 * MAX_TOKEN_LEN + 1];
		memcpy(merged, tokens[a], la);
		memcpy(merged + la, tokens[b], lb + 1);
		memcpy(tokens[ntokens], merged, la + lb + 1);
		for (size_t i = 0; i < nsyms; i++) {
			unsigned int n = 0;
			for (unsigned int j = 0; j < syms[i].ncodes; j++) {
				if (j + 1 < syms[i].ncodes && syms[i].codes[j] == a &&
				    syms[i].codes[j + 1] == b) {
					raw[n++] = ntokens;
					j++;
				} else {
					raw[n++] = syms[i].codes[j];
				}
			}
			for (unsigned int j = 0; j < n; j++)
				syms[i].codes[j] = (unsigned char)raw[j];
			syms[i].ncodes = n;
		}
		ntokens++;
	}
}

static uint8_t *out;
static size_t out_len, out_cap;

static void put(unsigned long long v, int bytes)
{
	if (out_len + (size_t)bytes > out_cap) {
		out_cap = out_cap ? out_cap * 2 : 65536;
		out = xrealloc(out, out_cap);
	}
	for (int i = 0; i < bytes; i++)
		out[out_len++] = (uint8_t)(v >> (8 * i));
}

static void pack(void)
{
	unsigned long long token_bytes = 0;

	put(nsyms, 4);
	put(nsyms ? syms[0].addr : 0, 8);
	for (unsigned int i = 0; i <= KSYMS_TOKENS; i++) {
		put(token_bytes, 2);
		if (i < ntokens)
			token_bytes += strlen(tokens[i]);
	}
	if (token_bytes > 0xffff) {
		fprintf(stderr, "mkksyms: tokens too long\n");
		exit(1);
	}
	for (unsigned int i = 0; i < ntokens; i++)
		for (const char *c = tokens[i]; *c; c++)
			put((unsigned char)*c, 1);
	for (size_t i = 0; i < nsyms; i++) {
		unsigned long long step = i ? syms[i].addr - syms[i - 1].addr : 0;
		if (step > KSYMS_MAX_STEP) {
			fprintf(stderr, "mkksyms: %s is more than %#x bytes after %s\n",
				syms[i].name[0] ? syms[i].name : "a function's end", KSYMS_MAX_STEP,
				syms[i - 1].name[0] ? syms[i - 1].name : "a function's end");
			exit(1);
		}
		put(step, 2);
		put(syms[i].ncodes, 1);
		for (unsigned int j = 0; j < syms[i].ncodes; j++)
			put(syms[i].codes[j], 1);
	}
}

static int check_one(unsigned long long addr, const char *want, unsigned long long want_off)
{
	char name[KSYM_NAME_MAX];
	uint64_t off = 0;
	const char *got = ksyms_find(out, addr, &off, name);

	if (!want && !got)
		return 0;
	if (want && got && !strncmp(got, want, KSYM_NAME_MAX - 1) && off == want_off)
		return 0;
	fprintf(stderr, "mkksyms: %#llx reads as %s+%#lx, not %s+%#llx\n", addr, got ? got : "-",
		(unsigned long)off, want ? want : "-", want_off);
	return 1;
}

static int check(void)
{
	int bad = nsyms && check_one(syms[0].addr - 1, NULL, 0);

	for (size_t i = 0; i < nsyms; i++) {
		if (!syms[i].name[0]) {
			bad |= check_one(syms[i].addr, NULL, 0);
			continue;
		}
		bad |= check_one(syms[i].addr, syms[i].name, 0);
		if (syms[i].size)
			bad |= check_one(syms[i].addr + syms[i].size - 1, syms[i].name,
					 syms[i].size - 1);
	}
	return bad;
}

int main(void)
{
	read_symbols();
	compress_names();
	pack();
	if (check())
		return 1;
	printf("/* Generated by mkksyms: the kernel's function symbols, %zu entries. */\n", nsyms);
	printf("\t.section .ksyms, \"a\"\n");
	for (size_t i = 0; i < out_len; i++)
		printf("%s%u%s", i % 16 ? "," : "\t.byte ", out[i], i % 16 == 15 ? "\n" : "");
	printf("\n");
	return 0;
}
