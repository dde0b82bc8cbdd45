/*
 * The kernel command line: kernel options first ("--name" or "--name=value",
 * as OSv takes them), then the application and its arguments. Options are
 * looked up in place; nothing is copied.
 */
#include <alto/boot.h>
#include <alto/string.h>

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *word_end(const char *p)
{
	while (*p && *p != ' ' && *p != '\t')
		p++;
	return p;
}

/* Walk the leading "--" words; the application starts at the first other word. */
const char *cmdline_app(void)
{
	const char *p = skip_spaces(boot_info.cmdline);

	while (p[0] == '-' && p[1] == '-')
		p = skip_spaces(word_end(p));
	return p;
}

const char *cmdline_get(const char *name)
{
	static char value[256];
	const char *p = skip_spaces(boot_info.cmdline);
	size_t n = strlen(name);

	while (p[0] == '-' && p[1] == '-') {
		const char *end = word_end(p);
		if (!strncmp(p + 2, name, n) && (p[2 + n] == '=' || p + 2 + n == end)) {
			const char *v = p + 2 + n + (p[2 + n] == '=');
			size_t len = MIN((size_t)(end - v), sizeof(value) - 1);
			memcpy(value, v, len);
			value[len] = 0;
			return value;
		}
		p = skip_spaces(end);
	}
	return NULL;
}

bool cmdline_has(const char *name)
{
	return cmdline_get(name) != NULL;
}

/* Every option the kernel understands; anything else is refused at boot. */
static const char *const known_options[] = {
	"selftest",
	"verbose",
};

const char *cmdline_unknown_option(void)
{
	static char bad[64];
	const char *p = skip_spaces(boot_info.cmdline);

	while (p[0] == '-' && p[1] == '-') {
		const char *end = word_end(p);
		const char *eq = memchr(p, '=', end - p);
		size_t len = (eq ? eq : end) - (p + 2);
		bool ok = false;
		for (size_t i = 0; i < ARRAY_SIZE(known_options); i++)
			ok |= strlen(known_options[i]) == len &&
			      !strncmp(p + 2, known_options[i], len);
		if (!ok) {
			size_t n = MIN((size_t)(end - p), sizeof(bad) - 1);
			memcpy(bad, p, n);
			bad[n] = 0;
			return bad;
		}
		p = skip_spaces(end);
	}
	return NULL;
}
