/*
 * Disks a VM gets beyond its image: --disk FILE[:GUESTPATH[:ro]] attaches a
 * raw or qcow2 file as a virtio-blk device (vda, vdb... in the order given,
 * after a bootable disk) and, with a guest path, has the kernel mount its
 * ext2 file system there; an ext2 image booted as the root file system is
 * the first disk, mounted at /. What the program writes goes into the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alto.h"

#define EXT2_MAGIC_OFFSET 1080

bool fsimage_is_ext2(const char *path)
{
	uint8_t magic[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && pread(fd, magic, 2, EXT2_MAGIC_OFFSET) == 2 && magic[0] == 0x53 &&
		  magic[1] == 0xef;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void add_disk(struct vm_config *c, const char *path, const char *guest, bool ro)
{
	if (access(path, R_OK | (ro ? 0 : W_OK)))
		die("cannot use the disk %s: %s", path, strerror(errno));
	enum disk_format format = disk_detect(path) == DISK_QCOW2 ? DISK_QCOW2 : DISK_RAW;
	if (guest && format == DISK_RAW && !fsimage_is_ext2(path))
		die("%s holds no ext2 file system to mount at %s (make one with mke2fs, or give "
		    "no guest path to attach it as a plain disk)",
		    path, guest);
	c->disks = xrealloc(c->disks, (c->ndisks + 1) * sizeof(*c->disks));
	c->disks[c->ndisks++] = (struct vm_disk){ path, guest, format, ro };
}

void disk_option(const char *arg, struct vm_config *c)
{
	char *copy = xstrdup(arg), *guest = strchr(copy, ':'), *mode = NULL;

	if (guest) {
		*guest++ = 0;
		mode = strchr(guest, ':');
		if (mode)
			*mode++ = 0;
		if (guest[0] != '/')
			die("--disk %s: the guest path must be absolute", arg);
		if (strpbrk(guest, " \t\n'\"\\"))
			die("--disk %s: the guest path must not hold spaces or quotes", arg);
		if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
			die("--disk %s: ro or rw after the guest path", arg);
	}
	if (!*copy)
		die("--disk %s: no file", arg);
	add_disk(c, copy, guest, mode && !strcmp(mode, "ro"));
}

void disk_set_root(struct vm_config *c, const char *path)
{
	c->disks = xrealloc(c->disks, (c->ndisks + 1) * sizeof(*c->disks));
	memmove(c->disks + 1, c->disks, c->ndisks * sizeof(*c->disks));
	c->disks[0] = (struct vm_disk){ path, "/", DISK_RAW, false };
	c->ndisks++;
}

void disks_add_qemu(const struct vm_config *c, void (*add)(void *b, const char *arg), void *b)
{
	bool pci = !strncmp(c->machine, "q35", 3);

	for (int i = 0; i < c->ndisks; i++) {
		const struct vm_disk *d = &c->disks[i];
		char *drive = xasprintf("file=%s,format=%s,if=none,id=disk%d,discard=unmap%s",
					d->path, d->format == DISK_QCOW2 ? "qcow2" : "raw", i,
					d->readonly ? ",readonly=on" : "");
		char *dev = xasprintf("%s,drive=disk%d",
				      pci ? "virtio-blk-pci" : "virtio-blk-device", i);
		add(b, "-drive");
		add(b, drive);
		add(b, "-device");
		add(b, dev);
	}
}

char *disks_kernel_options(const struct vm_config *c)
{
	char *out = xstrdup("");
	/* A bootable disk (alto boot DISK) is the first virtio disk the kernel finds. */
	char letter = c->disk ? 'b' : 'a';

	for (int i = 0; i < c->ndisks; i++, letter++) {
		const struct vm_disk *d = &c->disks[i];
		char *opt = NULL;
		if (d->guest && !strcmp(d->guest, "/"))
			opt = xasprintf("--root=/dev/vd%c", letter);
		else if (d->guest)
			opt = xasprintf("--mount=/dev/vd%c:%s%s", letter, d->guest,
					d->readonly ? "::ro" : "");
		if (opt) {
			char *joined = xasprintf("%s%s%s", out, *out ? " " : "", opt);
			free(out);
			free(opt);
			out = joined;
		}
	}
	return out;
}
