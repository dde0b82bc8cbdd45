/*
 * The /etc files a C library reads, made for an image that lacks them:
 * glibc looks up users, groups and hosts through nsswitch.conf, passwd,
 * group and hosts (getpwuid(0), getaddrinfo("localhost")), and resolvers
 * read resolv.conf. The application runs as root with home /. A file the
 * user put into the image (by --add) is left as it is.
 */
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
	/* As Debian's: a name in /etc/hosts gives all its addresses (localhost: 127.0.0.1 and ::1).
	 */
	{ "/etc/host.conf", "multi on\n" },
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

void image_add_etc(struct image *img)
{
	for (size_t i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++) {
		const struct etc_file *e = &etc_files[i];
		if (!image_has(img, e->path))
			image_add_data(img, e->path, e->text, strlen(e->text), 0644);
	}
}
