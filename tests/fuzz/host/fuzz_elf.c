/*
 * libFuzzer target: the ELF checks the kernel's loader makes before mapping
 * a program (lib/elf.c, compiled here as it is in the kernel and the tool):
 * elf_inspect on the whole input, elf_inspect_head on its first 64 KiB as
 * sys/exec.c reads them, and elf_symbol, which fault reports use. Whatever
 * the bytes, no read may leave the buffer (ASan), nothing may overflow
 * (UBSan), and an accepted file's facts must hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <alto/elf.h>

#define HEAD_SIZE (64 * 1024)

static void check_accepted(const struct elf_info *info, const uint8_t *data, size_t size)
{
	if (info->lo > info->hi || !info->hi || !info->phnum)
		abort();
	if (info->interp) {
		const char *p = info->interp;
		if (p < (const char *)data || p >= (const char *)data + size ||
		    !memchr(p, 0, (const char *)data + size - p))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	struct elf_info info;
	const char *why;
	uint64_t off;

	memcpy(copy, data, size);
	if (!elf_inspect(copy, size, &info, &why))
		check_accepted(&info, copy, size);
	size_t head = size < HEAD_SIZE ? size : HEAD_SIZE;
	if (!elf_inspect_head(copy, head, size + (size & 0xff), &info, &why))
		check_accepted(&info, copy, head);
	elf_symbol(copy, size, 0x401000, &off);
	if (size >= 32) {
		uint64_t entry;
		memcpy(&entry, copy + 24, sizeof(entry)); /* e_entry: where _start is */
		elf_symbol(copy, size, entry, &off);
	}
	free(copy);
	return 0;
}
