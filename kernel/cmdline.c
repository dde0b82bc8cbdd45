/*
 * The kernel command line, split once at boot into words (with the shell's
 * quoting, lib/args.c): kernel options first ("--name" or "--name=value", as
 * OSv takes them), then the application and its arguments. When the command
 * line names no application, the image may: /.alto/cmdline holds one more
 * line of the same form, whose options (--env) add to the kernel's.
 * Hypervisors describe devices by appending words of their own
 * (QEMU's microvm and Firecracker: "virtio_mmio.device=512@0xfeb00e00:12");
 * those are taken out wherever they are, before options are looked for.
 */
#include <alto/args.h>
#include <alto/boot.h>
#include <alto/console.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <uapi/errno.h>

#define MAX_WORDS 4096

struct words {
	char *text;
	char **w;
	int n;
	int first_app; /* index of the first non-option word */
};

static struct words kernel_words;

/* Words the platform appends, each "KEY=VALUE" with one of these keys. */
static const char *const platform_keys[] = { "virtio_mmio.device" };
#define MAX_PLATFORM_WORDS 32
static const char *platform_words[MAX_PLATFORM_WORDS];
static int nplatform;

static bool is_platform_word(const char *w)
{
	for (size_t k = 0; k < ARRAY_SIZE(platform_keys); k++) {
		size_t n = strlen(platform_keys[k]);
		if (!strncmp(w, platform_keys[k], n) && w[n] == '=')
			return true;
	}
	return false;
}

/* Move the platform's words out of ws. */
static void take_platform_words(struct words *ws)
{
	int kept = 0;

	for (int i = 0; i < ws->n; i++) {
		if (is_platform_word(ws->w[i]) && nplatform < MAX_PLATFORM_WORDS)
			platform_words[nplatform++] = ws->w[i];
		else
			ws->w[kept++] = ws->w[i];
	}
	ws->n = kept;
}

const char *cmdline_platform(const char *key, int i)
{
	size_t n = strlen(key);

	for (int k = 0; k < nplatform; k++) {
		if (strncmp(platform_words[k], key, n) || platform_words[k][n] != '=')
			continue;
		if (i-- == 0)
			return platform_words[k] + n + 1;
	}
	return NULL;
}

/* Every option the kernel understands; anything else is refused at boot. */
static const char *const known_options[] = {
	"selftest", "verbose",	 "quiet",      "strace", "env",	  "tty",     "stdin-eof",
	"ip",	    "defaultgw", "nameserver", "root",	 "mount", "ramdisk",
};

static int split(const char *line, struct words *out, bool platform)
{
	size_t len = strlen(line);

	out->text = kmalloc(len + 1);
	out->w = kmalloc(MAX_WORDS * sizeof(char *));
	if (!out->text || !out->w)
		return -ENOMEM;
	memcpy(out->text, line, len + 1);
	out->n = args_split(out->text, out->w, MAX_WORDS);
	if (out->n < 0)
		return out->n;
	if (platform)
		take_platform_words(out);
	out->first_app = 0;
	while (out->first_app < out->n && !strncmp(out->w[out->first_app], "--", 2))
		out->first_app++;
	return 0;
}

int cmdline_init(void)
{
	int r = split(boot_info.cmdline, &kernel_words, true);

	if (r == -EINVAL)
		printk("alto: the command line has an unterminated quote\n");
	else if (r)
		printk("alto: cannot split the command line (%d)\n", r);
	return r;
}

/* The value of option `name` in the word, or NULL when the word is another option. */
static const char *option_value(const char *word, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(word + 2, name, n))
		return NULL;
	if (word[2 + n] == '=')
		return word + 3 + n;
	return word[2 + n] ? NULL : "";
}

const char *cmdline_get_nth(const char *name, int n)
{
	for (int i = 0; i < kernel_words.first_app; i++) {
		const char *v = option_value(kernel_words.w[i], name);
		if (v && n-- == 0)
			return v;
	}
	return NULL;
}

const char *cmdline_get(const char *name)
{
	return cmdline_get_nth(name, 0);
}

bool cmdline_has(const char *name)
{
	return cmdline_get(name) != NULL;
}

const char *cmdline_unknown_option(void)
{
	for (int i = 0; i < kernel_words.first_app; i++) {
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(known_options); k++)
			ok |= option_value(kernel_words.w[i], known_options[k]) != NULL;
		if (!ok)
			return kernel_words.w[i];
	}
	return NULL;
}

static int append(struct app_command *c, const char *word, bool env)
{
	char ***list = env ? &c->envp : &c->argv;
	int *n = env ? &c->envc : &c->argc;

	if (*n + 2 > MAX_WORDS)
		return -E2BIG;
	if (!*list && !(*list = kzalloc(MAX_WORDS * sizeof(char *))))
		return -ENOMEM;
	(*list)[(*n)++] = (char *)word;
	(*list)[*n] = NULL;
	return 0;
}

/* Add the --env values and the application words of ws to c. */
static int collect(const struct words *ws, struct app_command *c)
{
	int r = 0;

	for (int i = 0; i < ws->first_app && !r; i++) {
		const char *v = option_value(ws->w[i], "env");
		if (v)
			r = append(c, v, true);
	}
	for (int i = ws->first_app; i < ws->n && !r; i++)
		r = append(c, ws->w[i], false);
	return r;
}

/* Read the image's command line file; 0 when absent. */
static int image_words(struct words *out, const char *(*read_file)(const char *path))
{
	const char *text = read_file(IMAGE_CMDLINE_PATH);

	if (!text)
		return 0;
	int r = split(text, out, false);
	if (r)
		printk("alto: %s: %s\n", IMAGE_CMDLINE_PATH,
		       r == -EINVAL ? "unterminated quote" : "cannot split it");
	return r;
}

int cmdline_app_command(struct app_command *c, const char *(*read_file)(const char *path))
{
	struct words image = { 0 };

	*c = (struct app_command){ 0 };
	int r = collect(&kernel_words, c);
	if (!r && !c->argc) {
		/* Options in the image file come after the kernel's, and may not set kernel
		 * options. */
		r = image_words(&image, read_file);
		for (int i = 0; !r && i < image.first_app; i++) {
			if (!option_value(image.w[i], "env")) {
				printk("alto: %s: only --env may come before the program\n",
				       IMAGE_CMDLINE_PATH);
				r = -EINVAL;
			}
		}
		if (!r && image.n)
			r = collect(&image, c);
	}
	return r;
}
