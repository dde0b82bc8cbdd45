/*
 * Reading the packed symbol table (the layout is in alto/ksyms.h): one pass
 * over the entries, adding up their distances, keeps the last entry at or
 * below the address, then its codes are expanded through the token table.
 * A lookup costs a few instructions per symbol, which only fault reports,
 * panics and backtraces pay. Freestanding: tools/mkksyms.c links it too, to
 * check every table it writes.
 */
#include <alto/ksyms.h>

static uint64_t get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

#define TOKENS_AT  12 /* after the count and the base */
#define ENTRIES_AT (TOKENS_AT + 2 * (KSYMS_TOKENS + 1))

static void expand(const uint8_t *table, const uint8_t *codes, unsigned int n, char *name)
{
	const uint8_t *bytes = table + ENTRIES_AT;
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t start = get_le(table + TOKENS_AT + 2 * codes[i], 2);
		uint64_t end = get_le(table + TOKENS_AT + 2 * (codes[i] + 1), 2);

		for (uint64_t b = start; b < end && len < KSYM_NAME_MAX - 1; b++)
			name[len++] = (char)bytes[b];
	}
	name[len] = 0;
}

const char *ksyms_find(const uint8_t *table, uint64_t addr, uint64_t *offset, char *name)
{
	uint64_t count = get_le(table, 4);
	uint64_t at = get_le(table + 4, 8);
	const uint8_t *p = table + ENTRIES_AT + get_le(table + TOKENS_AT + 2 * KSYMS_TOKENS, 2);
	const uint8_t *found = NULL;
	uint64_t found_at = 0;

	if (!count || addr < at)
		return NULL;
	for (uint64_t i = 0; i < count; i++) {
		at += get_le(p, 2);
		if (at > addr)
			break;
		found = p + 2;
		found_at = at;
		p += 3 + p[2];
	}
	if (!found || !found[0])
		return NULL;
	expand(table, found + 1, found[0], name);
	*offset = addr - found_at;
	return name;
}
