/*
 * The command-line grammar of include/alto/commands.h, in two passes over
 * the line: a tokenizer that yields words (unquoted into the arena) and
 * separators, each with its column, and a builder that groups them into
 * commands and checks the rules (no empty command, nothing dangling after
 * a final `;`, options only where they belong). Everything lives in the
 * caller's arena, so the kernel and the host tool use it alike.
 */
#include <stdint.h>
#include <alto/commands.h>
#include <alto/string.h>
#include <uapi/errno.h>

enum token {
	TOK_END,
	TOK_WORD,
	TOK_SEMI,   /* ; */
	TOK_AMP,    /* & */
	TOK_BANG,   /* ! */
	TOK_AMPBANG /* &! */
};

/* A bump allocator over the caller's arena. */
struct arena {
	char *p, *end;
};

static void *take(struct arena *a, size_t n, size_t align)
{
	uintptr_t at = ((uintptr_t)a->p + align - 1) & ~(uintptr_t)(align - 1);

	if (at + n > (uintptr_t)a->end || at + n < at)
		return NULL;
	a->p = (char *)(at + n);
	return (void *)at;
}

struct lexer {
	const char *line, *s;
	struct arena *arena;
	char *word; /* the last word, unquoted, in the arena */
	int column; /* of the last token */
	struct cmd_error *err;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool special(char c)
{
	return c == ';' || c == '&' || c == '!';
}

static int fail(struct cmd_error *err, int column, const char *what)
{
	err->column = column;
	err->what = what;
	return -EINVAL;
}

static int column_of(const struct lexer *l, const char *p)
{
	return (int)(p - l->line) + 1;
}

/* One word from l->s, unquoted into the arena: TOK_WORD, or a negative error. */
static int lex_word(struct lexer *l)
{
	const char *s = l->s;
	char *out = take(l->arena, 0, 1), *d = out;
	char quote = 0;
	const char *quote_at = NULL;

	for (; *s && (quote || (!blank(*s) && !special(*s))); s++) {
		if ((char *)d + 2 > l->arena->end)
			return -E2BIG;
		if (quote == '\'') {
			if (*s == '\'')
				quote = 0;
			else
				*d++ = *s;
		} else if (*s == '\\' && (!quote || s[1] == '"' || s[1] == '\\')) {
			if (!s[1])
				return fail(l->err, column_of(l, s), "a backslash ends the line");
			if (s[1] == '\n') /* a continued line */
				s++;
			else
				*d++ = *++s;
		} else if (*s == '"' || (*s == '\'' && !quote)) {
			quote = quote ? 0 : *s;
			quote_at = s;
		} else {
			*d++ = *s;
		}
	}
	if (quote)
		return fail(l->err, column_of(l, quote_at), "a quote is not closed");
	*d++ = 0;
	l->arena->p = d;
	l->word = out;
	l->s = s;
	return TOK_WORD;
}

static int lex(struct lexer *l)
{
	while (blank(*l->s))
		l->s++;
	l->column = column_of(l, l->s);
	switch (*l->s) {
	case 0:
		return TOK_END;
	case ';':
		l->s++;
		return TOK_SEMI;
	case '!':
		l->s++;
		return TOK_BANG;
	case '&':
		l->s++;
		if (*l->s == '!') {
			l->s++;
			return TOK_AMPBANG;
		}
		return TOK_AMP;
	default:
		return lex_word(l);
	}
}

/* Words of one command as they come, before they are sorted into options and argv. */
struct pending {
	char **words;
	int n, cap;
};

static int push(struct arena *a, struct pending *p, char *word)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 16;
		char **w = take(a, (size_t)cap * sizeof(char *), sizeof(char *));
		if (!w)
			return -E2BIG;
		for (int i = 0; i < p->n; i++)
			w[i] = p->words[i];
		p->words = w;
		p->cap = cap;
	}
	p->words[p->n++] = word;
	return 0;
}

/* A NULL-terminated copy of n words in the arena. */
static char **list(struct arena *a, char **words, int n)
{
	char **l = take(a, ((size_t)n + 1) * sizeof(char *), sizeof(char *));

	if (l) {
		for (int i = 0; i < n; i++)
			l[i] = words[i];
		l[n] = NULL;
	}
	return l;
}

static bool is_option(const char *w)
{
	return w[0] == '-' && w[1] == '-' && w[2];
}

/*
 * Sort a command's words: leading options (the line's for the first
 * command, else --env=/--cwd= only), then the program and its arguments.
 * columns[i] is where word i started.
 */
static int build(struct arena *a, struct pending *p, const int *columns, bool first, struct cmd *c,
		 struct cmd_line *out, struct cmd_error *err)
{
	int i = 0, nenv = 0;
	char **env = take(a, ((size_t)p->n + 1) * sizeof(char *), sizeof(char *));

	if (!env)
		return -E2BIG;
	for (; i < p->n && is_option(p->words[i]); i++) {
		const char *w = p->words[i];
		if (first)
			continue;
		if (!strncmp(w, "--env=", 6)) {
			const char *eq = strchr(w + 6, '=');
			if (!eq || eq == w + 6)
				return fail(err, columns[i], "--env= needs NAME=VALUE");
			env[nenv++] = (char *)w + 6;
		} else if (!strncmp(w, "--cwd=", 6)) {
			if (!w[6])
				return fail(err, columns[i], "--cwd= needs a directory");
			c->cwd = w + 6;
		} else {
			return fail(err, columns[i],
				    "only --env= and --cwd= may start a command after the first");
		}
	}
	if (first) {
		out->opts = list(a, p->words, i);
		out->nopts = i;
		if (!out->opts)
			return -E2BIG;
	}
	env[nenv] = NULL;
	c->env = env;
	c->envc = nenv;
	c->argv = list(a, p->words + i, p->n - i);
	c->argc = p->n - i;
	if (!c->argv)
		return -E2BIG;
	return 0;
}

static const char *empty_before(int tok)
{
	return tok == TOK_SEMI ? "no command before ';'" :
	       tok == TOK_AMP  ? "no command before '&'" :
	       tok == TOK_BANG ? "no command before '!'" :
				 "no command before '&!'";
}

int cmd_parse(const char *line, void *arena_mem, size_t size, struct cmd_line *out,
	      struct cmd_error *err)
{
	struct arena a = { arena_mem, (char *)arena_mem + size };
	struct lexer l = { .line = line, .s = line, .arena = &a, .err = err };
	struct pending p = { 0 };
	int *columns = NULL, ncols = 0, max_cmds = 0, tok, r;
	int last_sep = 0, last_sep_column = 0;

	*out = (struct cmd_line){ 0 };
	*err = (struct cmd_error){ 0 };
	for (const char *s = line; *s; s++)
		max_cmds += special(*s);
	out->cmds = take(&a, ((size_t)max_cmds + 1) * sizeof(struct cmd), sizeof(void *));
	columns = take(&a, (strlen(line) / 2 + 2) * sizeof(int), sizeof(int));
	if (!out->cmds || !columns)
		return -E2BIG;
	do {
		tok = lex(&l);
		if (tok < 0)
			return tok;
		if (tok == TOK_WORD) {
			columns[ncols++] = l.column;
			if ((r = push(&a, &p, l.word)))
				return r;
			continue;
		}
		bool first = out->ncmds == 0;
		if (tok == TOK_END && !p.n) {
			/* Nothing after the last separator: only '&', '!' and '&!' may end a line.
			 */
			if (last_sep == TOK_SEMI)
				return fail(err, last_sep_column, "nothing follows the final ';'");
			if (first)
				out->opts = list(&a, p.words, 0);
			break;
		}
		struct cmd *c = &out->cmds[out->ncmds];
		*c = (struct cmd){ 0 };
		if (!p.n)
			return fail(err, l.column, empty_before(tok));
		if ((r = build(&a, &p, columns, first, c, out, err)))
			return r;
		if (!c->argc && first && tok == TOK_END)
			break; /* options alone: a line with no command */
		if (!c->argc)
			return fail(err, columns[p.n - 1],
				    first ? "options but no program" :
					    "no program after the options");
		c->column = columns[p.n - c->argc];
		c->flags = tok == TOK_AMP     ? CMD_BACKGROUND :
			   tok == TOK_BANG    ? CMD_ENDS_VM :
			   tok == TOK_AMPBANG ? CMD_BACKGROUND | CMD_ENDS_VM :
						0;
		out->ncmds++;
		p.n = 0;
		ncols = 0;
		last_sep = tok;
		last_sep_column = l.column;
	} while (tok != TOK_END);
	return out->opts ? 0 : -E2BIG;
}

struct cmd_place cmd_error_place(const char *text, int column)
{
	struct cmd_place p = { .line = 1, .column = column, .text = text };

	for (const char *s = text; *s && s < text + column - 1; s++) {
		if (*s == '\n') {
			p.line++;
			p.column = column - (int)(s + 1 - text);
			p.text = s + 1;
		}
	}
	const char *nl = strchr(p.text, '\n');
	p.len = nl ? (int)(nl - p.text) : (int)strlen(p.text);
	p.several = strchr(text, '\n') && strchr(text, '\n')[1];
	return p;
}

bool cmd_is_runscript(const struct cmd *c)
{
	return c->argc == 2 && !strcmp(c->argv[0], "runscript");
}

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Append n bytes of s to out (at most size bytes kept), counting them all. */
static void emit(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, (*len)++) {
		if (*len + 1 < size)
			out[*len] = s[i];
	}
}

long cmd_expand(const char *text, const char *(*lookup)(const char *name, size_t len, void *ctx),
		void *ctx, char *out, size_t size, struct cmd_error *err)
{
	size_t len = 0;
	char quote = 0;

	*err = (struct cmd_error){ 0 };
	for (const char *s = text; *s;) {
		/* '...' is kept as it is, as the parser will take it. */
		if (quote == '\'' || (!quote && *s == '\'')) {
			quote = *s == '\'' ? (quote ? 0 : '\'') : quote;
			emit(out, size, &len, s++, 1);
			continue;
		}
		if (*s == '"')
			quote = quote ? 0 : '"';
		if (s[0] == '\\' && s[1] == '$') {
			emit(out, size, &len, "$", 1);
			s += 2;
			continue;
		}
		if (s[0] == '\\' && s[1]) {
			emit(out, size, &len, s, 2);
			s += 2;
			continue;
		}
		bool braced = s[0] == '$' && s[1] == '{';
		if (s[0] != '$' || !(braced || name_start(s[1]))) {
			emit(out, size, &len, s++, 1);
			continue;
		}
		const char *name = s + (braced ? 2 : 1), *end = name;
		while (name_char(*end))
			end++;
		if (braced && (*end != '}' || end == name)) {
			err->column = (int)(s - text) + 1;
			err->what = *end == '}' ? "${} names no variable" : "${ is not closed by }";
			return -EINVAL;
		}
		const char *value = lookup(name, (size_t)(end - name), ctx);
		if (value)
			emit(out, size, &len, value, strlen(value));
		s = end + (braced ? 1 : 0);
	}
	if (size)
		out[len < size ? len : size - 1] = 0;
	return (long)len;
}
