/*
 * libFuzzer target: the host tool's reading of a dynamic section
 * (elf_read_dynamic in tools/alto/libs.c), which it does for the program
 * and for every --add or manifest file that looks like a program or a
 * library. Offsets may wrap, headers may sit at any alignment: every string
 * it returns must lie, NUL-terminated, inside the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tools/alto/alto.h"

static void inside(const char *s, const uint8_t *data, size_t size)
{
	if (!s)
		return;
	if (s < (const char *)data || s >= (const char *)data + size ||
	    !memchr(s, 0, (const char *)data + size - s))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct dyn_info d;

	memcpy(copy, data, size);
	if (elf_read_dynamic(copy, size, &d)) {
		if (d.nneeded < 0 || d.nneeded > DYN_NEEDED_MAX)
			abort();
		for (int i = 0; i < d.nneeded; i++)
			inside(d.needed[i], copy, size);
		inside(d.runpath, copy, size);
		inside(d.rpath, copy, size);
	}
	free(copy);
	return 0;
}
