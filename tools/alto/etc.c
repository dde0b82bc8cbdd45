/*
 * The /etc files a C library reads, made for an image that lacks them:
 * glibc looks up users, groups and hosts through nsswitch.conf, passwd,
 * group and hosts (getpwuid(0), getaddrinfo("localhost")), and resolvers
 * read resolv.conf. Users and groups are the host's (a program dropping
 * privileges to www-data finds it by name, as on the host; the files hold
 * no passwords), with root's home at /, where the application starts; a
 * host without them gets root and nobody. A file the user put into the
 * image (by --add) is left as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alto.h"

struct etc_file {
	const char *path;
	const char *text;
};

static const struct etc_file etc_files[] = {
	{ "/etc/passwd", "root:x:0:0:root:/:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
	{ "/etc/group", "root:x:0:\nnogroup:x:65534:\n" },
	{ "/etc/hosts", "127.0.0.1\tlocalhost\n"
			"127.0.1.1\talto\n"
			"::1\tlocalhost ip6-localhost ip6-loopback\n" },
	{ "/etc/hostname", "alto\n" },
	{ "/etc/nsswitch.conf", "passwd: files\n"
				"group: files\n"
				"shadow: files\n"
				"hosts: files dns\n"
				"networks: files\n"
				"protocols: files\n"
				"services: files\n" },
	/* QEMU's user-mode network answers DNS at this address. */
	{ "/etc/resolv.conf", "nameserver 10.0.2.3\n" },
};

/* Append line to the buffer, root's home (the sixth field) replaced by / in passwd. */
static void add_line(char **buf, size_t *len, const char *line, bool passwd)
{
	char copy[4096];
	const char *src = line;

	if (passwd && !strncmp(line, "root:", 5)) {
		const char *f = line;
		for (int i = 0; i < 5 && f; i++)
			f = strchr(f, ':') ? strchr(f, ':') + 1 : NULL;
		const char *after = f ? strchr(f, ':') : NULL;
		if (after && snprintf(copy, sizeof(copy), "%.*s/%s", (int)(f - line), line, after) <
				     (int)sizeof(copy))
			src = copy;
	}
	size_t n = strlen(src);
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, src, n + 1);
	*len += n;
}

/* The host's file at path, adjusted, or NULL when the host has none. */
static char *host_entries(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char line[4096], *buf = NULL;

	*len = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		add_line(&buf, len, line, !strcmp(path, "/etc/passwd"));
	fclose(f);
	return buf;
}

void image_add_etc(struct image *img)
{
	for (size_t i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++) {
		const struct etc_file *e = &etc_files[i];
		if (image_has(img, e->path))
			continue;
		size_t len = 0;
		char *host = NULL;
		if (!strcmp(e->path, "/etc/passwd") || !strcmp(e->path, "/etc/group"))
			host = host_entries(e->path, &len);
		if (host && len)
			image_add_data(img, e->path, host, len, 0644);
		else
			image_add_data(img, e->path, e->text, strlen(e->text), 0644);
		free(host);
	}
}
