/*
 * The kernel command line, split once at boot into words (with the shell's
 * quoting, lib/args.c): kernel options first ("--name" or "--name=value", as
 * OSv takes them), then the application and its arguments. When the command
 * line names no application, the image may: /.alto/cmdline holds one more
 * line of the same form, whose options (--env) add to the kernel's.
 */
#include <alto/args.h>
#include <alto/boot.h>
#include <alto/compiler.h>
#include <alto/console.h>
#include <alto/errno_names.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <uapi/errno.h>

struct words {
	char *text;
	char **w;
	int n;
	int first_app; /* index of the first non-option word */
};

static struct words kernel_words;

/* Every option the kernel understands; anything else is refused at boot. */
static const char *const known_options[] = {
	"selftest", "verbose", "quiet", "strace", "env", "tty", "stdin-eof",
};

/* Split line into words: counted first, so that any number of them fits. */
static int split(const char *line, struct words *out)
{
	size_t len = strlen(line);

	out->text = kmalloc(len + 1);
	if (!out->text)
		return -ENOMEM;
	memcpy(out->text, line, len + 1);
	out->n = args_split(out->text, NULL, INT32_MAX);
	if (out->n < 0)
		return out->n;
	out->w = kmalloc(((size_t)out->n + 1) * sizeof(char *));
	if (!out->w)
		return -ENOMEM;
	memcpy(out->text, line, len + 1);
	out->n = args_split(out->text, out->w, out->n);
	if (out->n < 0)
		return out->n;
	out->first_app = 0;
	while (out->first_app < out->n && !strncmp(out->w[out->first_app], "--", 2))
		out->first_app++;
	return 0;
}

int cmdline_init(void)
{
	if (boot_info.cmdline_too_long) {
		printk("alto: the command line is longer than %d bytes\n", BOOT_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	int r = split(boot_info.cmdline, &kernel_words);

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

const char *cmdline_get(const char *name)
{
	for (int i = 0; i < kernel_words.first_app; i++) {
		const char *v = option_value(kernel_words.w[i], name);
		if (v)
			return v;
	}
	return NULL;
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

/* The slots a list of n words and its NULL has: a power of two, at least 8. */
static size_t capacity(int n)
{
	size_t cap = 8;

	while (cap < (size_t)n + 1)
		cap *= 2;
	return cap;
}

/* Add a word to the argv or envp list (NULL-terminated), which grows by doubling. */
static int append(struct app_command *c, const char *word, bool env)
{
	char ***list = env ? &c->envp : &c->argv;
	int *n = env ? &c->envc : &c->argc;

	if (!*list) {
		*list = kmalloc(capacity(0) * sizeof(char *));
		if (!*list)
			return -ENOMEM;
	} else if ((size_t)*n + 2 > capacity(*n)) {
		char **bigger = kmalloc(2 * capacity(*n) * sizeof(char *));
		if (!bigger)
			return -ENOMEM;
		memcpy(bigger, *list, ((size_t)*n + 1) * sizeof(char *));
		kfree(*list);
		*list = bigger;
	}
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
	int r = IS_ERR(text) ? (int)PTR_ERR(text) : split(text, out);
	if (r == -EINVAL)
		printk("alto: %s: unterminated quote\n", IMAGE_CMDLINE_PATH);
	else if (r == -E2BIG)
		printk("alto: %s is larger than the arguments and environment Linux takes\n",
		       IMAGE_CMDLINE_PATH);
	else if (r)
		printk("alto: cannot read %s: %s\n", IMAGE_CMDLINE_PATH, errno_text(-r));
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
