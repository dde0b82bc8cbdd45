/*
 * The sampling profiler's outputs, from the profile_sample events of a
 * trace (kernel/profile.c: the interrupted RIP, then return addresses,
 * kernel frames before the application's). Folded stacks: one line per
 * distinct stack, "thread;outer;...;inner count", which flamegraph.pl and
 * speedscope read. pprof: the profile.proto message (samples, locations,
 * functions, a string table) encoded by hand and gzip'd with zlib, with
 * two values per sample: the count and the CPU time it stands for.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "alto.h"
#include "trace.h"

static int sample_id(const struct trace *t)
{
	return trace_point_id(t, "profile_sample");
}

size_t profile_samples(const struct trace *t)
{
	int id = sample_id(t);
	size_t n = 0;

	for (size_t i = 0; id >= 0 && i < t->nevents; i++)
		n += t->events[i].id == id;
	return n;
}

/* Frame i of a sample, by function: frame 0 is where it was, the rest return addresses. */
static const char *frame_name(struct symbolizer *s, const struct tevent *e, uint32_t i)
{
	return symbolize_function(s, e->frames[i], i > 0);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int profile_write_folded(const struct trace *t, struct symbolizer *s, FILE *out)
{
	int id = sample_id(t);
	char **lines = xmalloc((profile_samples(t) + 1) * sizeof(*lines));
	size_t n = 0;

	if (id < 0)
		die("%s: no profile samples (run with --profile)", t->path);
	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		if (e->id != id || !e->nframes)
			continue;
		size_t cap = 64, len = 0;
		char *line = xmalloc(cap);
		len = (size_t)snprintf(line, cap, "%s", trace_thread_name(t, e->tid));
		for (uint32_t f = e->nframes; f-- > 0;) {
			const char *name = frame_name(s, e, f);
			size_t need = len + strlen(name) + 2;
			if (need > cap)
				line = xrealloc(line, cap = 2 * need);
			len += (size_t)snprintf(line + len, cap - len, ";%s", name);
		}
		lines[n++] = line;
	}
	qsort(lines, n, sizeof(*lines), by_string);
	for (size_t i = 0, run = 1; i < n; i++, run++) {
		if (i + 1 < n && !strcmp(lines[i], lines[i + 1]))
			continue;
		fprintf(out, "%s %zu\n", lines[i], run);
		run = 0;
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return 0;
}

/* A protobuf message being written. */
struct pb {
	uint8_t *p;
	size_t len, cap;
};

static void pb_byte(struct pb *b, uint8_t c)
{
	if (b->len == b->cap)
		b->p = xrealloc(b->p, b->cap = b->cap ? 2 * b->cap : 256);
	b->p[b->len++] = c;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	while (v >= 0x80) {
		pb_byte(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	pb_byte(b, (uint8_t)v);
}

/* Field `field` with a varint value (wire type 0). */
static void pb_uint(struct pb *b, unsigned int field, uint64_t v)
{
	pb_varint(b, (uint64_t)field << 3);
	pb_varint(b, v);
}

/* Field `field` with bytes (wire type 2): a string, a nested message, a packed list. */
static void pb_bytes(struct pb *b, unsigned int field, const void *data, size_t len)
{
	pb_varint(b, (uint64_t)field << 3 | 2);
	pb_varint(b, len);
	for (size_t i = 0; i < len; i++)
		pb_byte(b, ((const uint8_t *)data)[i]);
}

static void pb_message(struct pb *b, unsigned int field, struct pb *inner)
{
	pb_bytes(b, field, inner->p, inner->len);
	inner->len = 0;
}

/* The profile being built: interned strings, functions and locations. */
struct prof {
	struct pb out, tmp, tmp2;
	char **strings;
	size_t nstrings;
	char **functions; /* function id i+1 is named functions[i] */
	size_t nfunctions;
	uint64_t *locations; /* location id i+1 is the address locations[i] ... */
	uint64_t *loc_function;
	size_t nlocations;
};

static uint64_t intern(struct prof *p, const char *s)
{
	for (size_t i = 0; i < p->nstrings; i++) {
		if (!strcmp(p->strings[i], s))
			return i;
	}
	p->strings = xrealloc(p->strings, (p->nstrings + 1) * sizeof(*p->strings));
	p->strings[p->nstrings] = xstrdup(s);
	return p->nstrings++;
}

static uint64_t function_id(struct prof *p, const char *name)
{
	for (size_t i = 0; i < p->nfunctions; i++) {
		if (!strcmp(p->functions[i], name))
			return i + 1;
	}
	p->functions = xrealloc(p->functions, (p->nfunctions + 1) * sizeof(*p->functions));
	p->functions[p->nfunctions] = xstrdup(name);
	return ++p->nfunctions;
}

static uint64_t location_id(struct prof *p, uint64_t addr, const char *function)
{
	for (size_t i = 0; i < p->nlocations; i++) {
		if (p->locations[i] == addr)
			return i + 1;
	}
	p->locations = xrealloc(p->locations, (p->nlocations + 1) * sizeof(*p->locations));
	p->loc_function = xrealloc(p->loc_function, (p->nlocations + 1) * sizeof(uint64_t));
	p->locations[p->nlocations] = addr;
	p->loc_function[p->nlocations] = function_id(p, function);
	return ++p->nlocations;
}

static void value_type(struct prof *p, unsigned int field, const char *type, const char *unit)
{
	pb_uint(&p->tmp, 1, intern(p, type));
	pb_uint(&p->tmp, 2, intern(p, unit));
	pb_message(&p->out, field, &p->tmp);
}

/* One sample: its locations, innermost first, then its values (packed). */
static void add_sample(struct prof *p, struct symbolizer *s, const struct tevent *e,
		       uint64_t period)
{
	for (uint32_t f = 0; f < e->nframes; f++) {
		uint64_t addr = e->frames[f] - (f > 0); /* inside the call, not after it */
		pb_varint(&p->tmp2, location_id(p, addr, frame_name(s, e, f)));
	}
	pb_message(&p->tmp, 1, &p->tmp2);
	pb_varint(&p->tmp2, 1);
	pb_varint(&p->tmp2, period);
	pb_message(&p->tmp, 2, &p->tmp2);
	pb_message(&p->out, 2, &p->tmp);
}

static void write_tables(struct prof *p)
{
	for (size_t i = 0; i < p->nlocations; i++) {
		pb_uint(&p->tmp, 1, i + 1);
		pb_uint(&p->tmp, 3, p->locations[i]);
		pb_uint(&p->tmp2, 1, p->loc_function[i]);
		pb_message(&p->tmp, 4, &p->tmp2);
		pb_message(&p->out, 4, &p->tmp);
	}
	for (size_t i = 0; i < p->nfunctions; i++) {
		pb_uint(&p->tmp, 1, i + 1);
		pb_uint(&p->tmp, 2, intern(p, p->functions[i]));
		pb_uint(&p->tmp, 3, intern(p, p->functions[i]));
		pb_message(&p->out, 5, &p->tmp);
	}
}

static void write_gzip(const char *path, const struct pb *b)
{
	gzFile gz = gzopen(path, "wb");

	if (!gz || gzwrite(gz, b->p, (unsigned int)b->len) != (int)b->len || gzclose(gz) != Z_OK)
		die("cannot write the profile %s", path);
}

int profile_write_pprof(const struct trace *t, struct symbolizer *s, const char *path)
{
	int id = sample_id(t);
	struct prof p = { 0 };
	uint64_t period = 0;
	size_t n = 0;

	if (id < 0)
		die("%s: no profile samples (run with --profile)", t->path);
	intern(&p, ""); /* string 0 is the empty string */
	value_type(&p, 1, "samples", "count");
	value_type(&p, 1, "cpu", "nanoseconds");
	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		if (e->id != id || !e->nframes)
			continue;
		period = e->args[0];
		add_sample(&p, s, e, period);
		n++;
	}
	write_tables(&p);
	value_type(&p, 11, "cpu", "nanoseconds");
	pb_uint(&p.out, 12, period);
	for (size_t i = 0; i < p.nstrings; i++)
		pb_bytes(&p.out, 6, p.strings[i], strlen(p.strings[i]));
	write_gzip(path, &p.out);
	fprintf(stderr, "alto: %zu samples, %zu functions in %s\n", n, p.nfunctions, path);
	return 0;
}
