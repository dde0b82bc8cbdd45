/*
 * libFuzzer target: the host tool's manifest lines (manifest_parse_line in
 * tools/alto/manifest.c). Each line of the input is parsed as it would be
 * read: an entry must have an absolute guest path and a host path, both
 * inside the line, with the tree marks gone; an error must say something.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tools/alto/alto.h"

static void one(char *line, size_t len)
{
	struct manifest_entry e;
	char why[256] = "";
	char *end = line + len;
	int r = manifest_parse_line(line, &e, why, sizeof(why));

	if (r < 0 && !why[0])
		abort();
	if (r)
		return;
	if (e.guest < line || e.guest >= end || e.host < line || e.host >= end)
		abort();
	if (e.guest[0] != '/' || !e.host[0] || strstr(e.guest, "**") || strstr(e.host, "**"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = 0;
	for (char *p = text, *nl; p < text + size; p = nl + 1) {
		nl = memchr(p, '\n', text + size - p);
		if (!nl)
			nl = text + size;
		*nl = 0;
		size_t len = strlen(p); /* up to a NUL in the line, as the reader refuses those */
		if (len <= MANIFEST_LINE_MAX)
			one(p, len);
	}
	free(text);
	return 0;
}
