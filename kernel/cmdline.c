/*
 * The kernel command line, parsed once at boot with the several-program
 * grammar (lib/commands.c): the options it starts with are the kernel's
 * ("--name" or "--name=value", as OSv takes them, --env= and --cwd= being
 * defaults for every program), then the commands. When the line names no
 * program, the image may: /.alto/cmdline holds one more line of the same
 * form, whose leading options may only be --env= and --cwd=. A command
 * `runscript FILE` stands for the commands of FILE, after $VAR expansion
 * from the environment. Errors name the column, under the line shown.
 * Hypervisors describe devices by appending words of their own (QEMU's
 * microvm and Firecracker: "virtio_mmio.device=512@0xfeb00e00:12"); those
 * are taken out of the parsed line wherever they landed, before options
 * and commands are looked at.
 */
#include <alto/args.h>
#include <alto/boot.h>
#include <alto/commands.h>
#include <alto/compiler.h>
#include <alto/console.h>
#include <alto/errno_names.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <uapi/errno.h>

#define RUNSCRIPT_DEPTH 4
/* Runscript files read for one command line: a script naming several bounds the work. */
#define RUNSCRIPT_FILES 64

static struct cmd_line kernel_line;

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

/* Move the platform's words out of c's argv; false when none is left. */
static bool take_platform_words(struct cmd *c)
{
	int kept = 0;

	for (int i = 0; i < c->argc; i++) {
		if (is_platform_word(c->argv[i]) && nplatform < MAX_PLATFORM_WORDS)
			platform_words[nplatform++] = c->argv[i];
		else
			c->argv[kept++] = c->argv[i];
	}
	c->argv[kept] = NULL;
	c->argc = kept;
	return kept > 0;
}

/* Take them out of every command, dropping a command made of them alone. */
static void take_platform_commands(struct cmd_line *l)
{
	int kept = 0;

	for (int i = 0; i < l->ncmds; i++) {
		if (take_platform_words(&l->cmds[i]))
			l->cmds[kept++] = l->cmds[i];
	}
	l->ncmds = kept;
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
	"selftest",  "verbose",	  "quiet",     "strace",	  "env",	  "cwd",
	"tty",	     "stdin-eof", "trace",     "trace-backtrace", "trace-buffer", "profile",
	"bootchart", "ip",	  "defaultgw", "nameserver",	  "root",	  "mount",
	"ramdisk",   "stderr",	  "no-tso",
};

/* "alto: WHERE: [line L, ]column N: WHAT", that line, and a caret under the column. */
static void report(const char *where, const char *text, const struct cmd_error *err)
{
	struct cmd_place at = cmd_error_place(text, err->column);

	if (at.several)
		printk("alto: %s: line %d, column %d: %s\n", where, at.line, at.column, err->what);
	else
		printk("alto: %s: column %d: %s\n", where, at.column, err->what);
	printk("  %.*s\n  %*s^\n", at.len, at.text, at.column - 1, "");
}

/*
 * Parse line into out (its arena from the heap, kept); 0 or -errno after
 * saying why. The arena starts at a few times the line and doubles up to
 * the size cmd_parse always fits in (64 times the line), which a line of
 * Linux's 2 MiB of arguments could not get in a small guest.
 */
static int parse(const char *where, const char *line, struct cmd_line *out)
{
	size_t len = strlen(line), max = 64 * len + 1024;
	struct cmd_error err;
	int r;

	for (size_t size = 4 * len + 1024;; size = MIN(2 * size, max)) {
		void *arena = kmalloc(size);
		if (!arena)
			return -ENOMEM;
		r = cmd_parse(line, arena, size, out, &err);
		if (!r)
			return 0;
		kfree(arena);
		if (r != -E2BIG || size == max)
			break;
	}
	if (r == -EINVAL)
		report(where, line, &err);
	else
		printk("alto: %s: cannot parse it (%d)\n", where, r);
	return r;
}

/* What read_file gave instead of a file's text: say why, return the error. */
static int read_failed(const char *path, const char *text)
{
	int r = (int)PTR_ERR(text);

	if (r == -E2BIG)
		printk("alto: %s is larger than the arguments and environment Linux takes\n", path);
	else
		printk("alto: cannot read %s: %s\n", path, errno_text(-r));
	return r;
}

int cmdline_init(void)
{
	if (boot_info.cmdline_too_long) {
		printk("alto: the command line is longer than %d bytes\n", BOOT_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	int r = parse("the command line", boot_info.cmdline, &kernel_line);

	if (!r)
		take_platform_commands(&kernel_line);
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
	const char *found = NULL;

	/* The last one wins, as with any repeated option. */
	for (int i = 0; i < kernel_line.nopts; i++) {
		const char *v = option_value(kernel_line.opts[i], name);
		if (v)
			found = v;
	}
	return found;
}

const char *cmdline_get_nth(const char *name, int n)
{
	for (int i = 0; i < kernel_line.nopts; i++) {
		const char *v = option_value(kernel_line.opts[i], name);
		if (v && n-- == 0)
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
	for (int i = 0; i < kernel_line.nopts; i++) {
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(known_options); k++)
			ok |= option_value(kernel_line.opts[i], known_options[k]) != NULL;
		if (!ok)
			return kernel_line.opts[i];
	}
	return NULL;
}

/* ---- the programs to run */

/* The growing list of programs, and the environment every one starts from. */
struct builder {
	struct app_commands *out;
	int cap;
	char **env; /* NAME=VALUE, a later one replacing an earlier one of the same name */
	int envc;
	const char *cwd;
	const char *(*read_file)(const char *path);
	int scripts;	 /* runscript files read so far */
	size_t expanded; /* the bytes their expansions made */
};

/* env with assignment set (replacing the same name); a new array, or NULL. */
static char **env_with(char **env, int *n, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	size_t name_len = eq ? (size_t)(eq - assignment) : strlen(assignment);
	char **e = kmalloc(((size_t)*n + 2) * sizeof(char *));

	if (!e)
		return NULL;
	int k = 0;
	for (int i = 0; i < *n; i++) {
		if (strncmp(env[i], assignment, name_len + 1))
			e[k++] = env[i];
	}
	e[k++] = (char *)assignment;
	e[k] = NULL;
	*n = k;
	return e;
}

/* Options of a line other than the kernel's: --env= and --cwd= only, into b. */
static int take_options(struct builder *b, const char *where, const struct cmd_line *l)
{
	for (int i = 0; i < l->nopts; i++) {
		const char *env = option_value(l->opts[i], "env");
		const char *cwd = option_value(l->opts[i], "cwd");
		if (!env && !cwd) {
			printk("alto: %s: only --env= and --cwd= may come before the first program\n",
			       where);
			return -EINVAL;
		}
		if (cwd) {
			b->cwd = cwd;
			continue;
		}
		char **e = env_with(b->env, &b->envc, env);
		if (!e)
			return -ENOMEM;
		b->env = e;
	}
	return 0;
}

static int add(struct builder *b, const struct cmd *c)
{
	struct app_commands *o = b->out;

	if (o->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		struct app_command *cmds = kmalloc((size_t)b->cap * sizeof(*cmds));
		if (!cmds)
			return -ENOMEM;
		memcpy(cmds, o->cmds, (size_t)o->n * sizeof(*cmds));
		kfree(o->cmds);
		o->cmds = cmds;
	}
	struct app_command *a = &o->cmds[o->n];
	*a = (struct app_command){ .argc = c->argc,
				   .argv = c->argv,
				   .envc = b->envc,
				   .envp = b->env,
				   .cwd = c->cwd ? c->cwd : b->cwd,
				   .flags = c->flags };
	for (int i = 0; i < c->envc; i++) {
		a->envp = env_with(a->envp, &a->envc, c->env[i]);
		if (!a->envp)
			return -ENOMEM;
	}
	o->n++;
	return 0;
}

static const char *env_lookup(const char *name, size_t len, void *ctx)
{
	struct builder *b = ctx;

	for (int i = 0; i < b->envc; i++) {
		if (!strncmp(b->env[i], name, len) && b->env[i][len] == '=')
			return b->env[i] + len + 1;
	}
	return NULL;
}

static int add_line(struct builder *b, const struct cmd_line *l, int depth);

/* runscript FILE: its text, expanded, parsed, its commands in the place of this one. */
static int runscript(struct builder *b, const struct cmd *c, int depth)
{
	const char *path = c->argv[1];
	struct cmd_error err;

	if (depth == RUNSCRIPT_DEPTH) {
		printk("alto: runscript %s: scripts nested more than %d deep\n", path,
		       RUNSCRIPT_DEPTH);
		return -ELOOP;
	}
	if (++b->scripts > RUNSCRIPT_FILES) {
		printk("alto: runscript %s: more than %d runscript files for one command line\n",
		       path, RUNSCRIPT_FILES);
		return -E2BIG;
	}
	const char *text = b->read_file(path);
	if (!text) {
		printk("alto: runscript %s: no such file in the image\n", path);
		return -ENOENT;
	}
	if (IS_ERR(text))
		return read_failed(path, text);
	long n = cmd_expand(text, env_lookup, b, NULL, 0, &err);
	/* --env=A=$A$A doubles A at each script: the expansions share one budget. */
	if (n >= 0 && (b->expanded += (size_t)n) > ARGS_MAX_QUOTED) {
		printk("alto: runscript %s: the scripts expand to more than the arguments and "
		       "environment Linux takes\n",
		       path);
		return -E2BIG;
	}
	char *expanded = n >= 0 ? kmalloc((size_t)n + 1) : NULL;
	if (n < 0) {
		char *where = kmalloc(strlen(path) + 16);
		if (where)
			snprintf(where, strlen(path) + 16, "runscript %s", path);
		report(where ? where : path, text, &err);
		kfree(where);
		return (int)n;
	}
	if (!expanded)
		return -ENOMEM;
	cmd_expand(text, env_lookup, b, expanded, (size_t)n + 1, &err);
	if (!cmdline_has("quiet"))
		printk("runscript %s: %s\n", path, expanded);
	struct cmd_line l;
	int r = parse(path, expanded, &l);
	const char *saved_cwd = b->cwd;
	if (!r)
		r = take_options(b, path, &l) ?: add_line(b, &l, depth + 1);
	b->cwd = saved_cwd;
	/* The runscript's own separator applies to its last command. */
	if (!r && b->out->n && l.ncmds)
		b->out->cmds[b->out->n - 1].flags |= c->flags;
	return r;
}

static int add_line(struct builder *b, const struct cmd_line *l, int depth)
{
	int r = 0;

	for (int i = 0; i < l->ncmds && !r; i++)
		r = cmd_is_runscript(&l->cmds[i]) ? runscript(b, &l->cmds[i], depth) :
						    add(b, &l->cmds[i]);
	return r;
}

int cmdline_app_commands(struct app_commands *out, const char *(*read_file)(const char *path))
{
	struct builder b = { .out = out, .read_file = read_file };
	struct cmd_line image = { 0 };
	int r = 0;

	*out = (struct app_commands){ 0 };
	/* The kernel's --env= and --cwd= are every program's. */
	for (int i = 0; i < kernel_line.nopts && !r; i++) {
		const char *env = option_value(kernel_line.opts[i], "env");
		const char *cwd = option_value(kernel_line.opts[i], "cwd");
		if (cwd)
			b.cwd = cwd;
		if (env && !(b.env = env_with(b.env, &b.envc, env)))
			r = -ENOMEM;
	}
	if (r)
		return r;
	if (kernel_line.ncmds)
		return add_line(&b, &kernel_line, 0);
	const char *text = read_file(IMAGE_CMDLINE_PATH);
	if (!text)
		return 0;
	if (IS_ERR(text))
		return read_failed(IMAGE_CMDLINE_PATH, text);
	r = parse(IMAGE_CMDLINE_PATH, text, &image);
	if (!r)
		r = take_options(&b, IMAGE_CMDLINE_PATH, &image);
	return r ? r : add_line(&b, &image, 0);
}
