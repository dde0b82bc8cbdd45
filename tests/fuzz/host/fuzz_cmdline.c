/*
 * libFuzzer target: the kernel's command line (kernel/cmdline.c, compiled
 * here with the few kernel calls it makes done by the C library): options,
 * the programs, their words, --env= and --cwd= from the boot command line
 * (lib/commands.c's grammar), and the image's /.alto/cmdline when the boot
 * line names no program. The input is both: the boot line up to the first
 * NUL, the image's file (and any runscript file) after it. Also
 * the host tool's size parser (parse_memory), which reads the user's -m.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <alto/boot.h>
#include <alto/compiler.h>
#include "tools/alto/alto.h"

struct boot_info boot_info;
static const char *image_text;

/*
 * The kernel keeps what it splits at boot for good; here every allocation of
 * one input is freed after it (kfree does nothing), so nothing leaks.
 */
static void **held;
static size_t nheld, capheld;

static void *hold(void *p)
{
	if (nheld == capheld)
		held = realloc(held, (capheld = capheld ? 2 * capheld : 64) * sizeof(*held));
	held[nheld++] = p;
	return p;
}

void *kmalloc(size_t size)
{
	return hold(malloc(size ? size : 1));
}

void *kzalloc(size_t size)
{
	return hold(calloc(1, size ? size : 1));
}

void kfree(void *p)
{
	(void)p;
}

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static const char *read_file(const char *path)
{
	(void)path;
	return image_text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct app_commands c;
	unsigned long long mem;

	memcpy(text, data, size);
	text[size] = 0;
	parse_memory(text, &mem);
	size_t boot_len = strlen(text);
	boot_info = (struct boot_info){ 0 };
	memcpy(boot_info.cmdline, text,
	       boot_len < BOOT_CMDLINE_MAX ? boot_len : BOOT_CMDLINE_MAX - 1);
	boot_info.cmdline_too_long = boot_len >= BOOT_CMDLINE_MAX;
	image_text = boot_len < size ? text + boot_len + 1 : NULL;
	if (!cmdline_init()) {
		cmdline_get("selftest");
		cmdline_has("quiet");
		cmdline_unknown_option();
		if (!cmdline_app_commands(&c, read_file)) {
			for (int k = 0; k < c.n; k++) {
				const struct app_command *a = &c.cmds[k];
				for (int i = 0; i < a->argc; i++)
					if (!a->argv[i] || a->argv[a->argc])
						abort();
				for (int i = 0; i < a->envc; i++)
					if (!a->envp[i] || a->envp[a->envc])
						abort();
			}
		}
	}
	for (size_t i = 0; i < nheld; i++)
		free(held[i]);
	nheld = 0;
	free(text);
	return 0;
}
