/*
 * What a VM gets beyond its image. Disks: --disk FILE[:GUESTPATH[:ro]]
 * attaches a raw or qcow2 file as a virtio-blk device (vda, vdb... in the
 * order given, after a bootable disk) and, with a guest path, has the
 * kernel mount its ext2 file system there; an ext2 image booted as the root
 * file system is the first disk, mounted at /. Volumes: -v HOSTDIR:GUESTDIR
 * [:ro] serves a host directory through virtio-fs: one virtiofsd (Debian's,
 * from qemu-system-common) per volume on a socket of its own, QEMU's memory
 * shared with it (a memfd backend), and the kernel mounting the device's
 * tag. The daemons are started just before QEMU and end with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"

void volume_option(const char *arg, struct vm_config *c)
{
	char *copy = xstrdup(arg), *guest = strchr(copy, ':'), *mode = NULL;
	struct stat st;

	if (!guest || guest == copy)
		die("-v %s: the form is HOSTDIR:GUESTDIR[:ro]", arg);
	*guest++ = 0;
	mode = strchr(guest, ':');
	if (mode)
		*mode++ = 0;
	if (guest[0] != '/' || strpbrk(guest, " \t\n'\"\\:"))
		die("-v %s: the guest directory must be an absolute path without spaces or quotes",
		    arg);
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		die("-v %s: ro or rw after the guest directory", arg);
	if (stat(copy, &st) || !S_ISDIR(st.st_mode))
		die("-v %s: %s is not a directory", arg, copy);
	c->volumes = xrealloc(c->volumes, (c->nvolumes + 1) * sizeof(*c->volumes));
	c->volumes[c->nvolumes] = (struct vm_volume){
		.host = path_absolute(copy),
		.guest = guest,
		.readonly = mode && !strcmp(mode, "ro"),
	};
	c->nvolumes++;
}

/* The host's root, read-only, as the guest's root (alto run's host mode). */
void volume_set_root(struct vm_config *c)
{
	c->volumes = xrealloc(c->volumes, (c->nvolumes + 1) * sizeof(*c->volumes));
	memmove(c->volumes + 1, c->volumes, c->nvolumes * sizeof(*c->volumes));
	c->volumes[0] = (struct vm_volume){ .host = "/", .guest = "/", .readonly = true };
	c->nvolumes++;
}

void volumes_check(struct vm_config *c)
{
	if (!c->nvolumes)
		return;
	if (access(VIRTIOFSD, X_OK))
		die("-v needs %s: install Debian's qemu-system-common", VIRTIOFSD);
	if (geteuid())
		die("-v needs root: virtiofsd sandboxes itself in namespaces of its own");
	if (c->disk)
		die("a bootable disk carries its own command line: it takes no -v");
	char *dir = temp_dir();
	for (int i = 0; i < c->nvolumes; i++)
		c->volumes[i].socket = xasprintf("%s/vfs%d.sock", dir, i);
}

void volumes_add_qemu(const struct vm_config *c, void (*add)(void *b, const char *arg), void *b)
{
	bool pci = !strncmp(c->machine, "q35", 3);

	if (!c->nvolumes)
		return;
	/* virtiofsd reads and writes the guest's memory: it must be shared with it. */
	char *mem =
		xasprintf("memory-backend-memfd,id=altomem,size=%lluM,share=on", c->memory >> 20);
	add(b, "-object");
	add(b, mem);
	free(mem);
	for (int i = 0; i < c->nvolumes; i++) {
		char *chr = xasprintf("socket,id=vfs%d,path=%s", i, c->volumes[i].socket);
		char *dev = xasprintf("%s,chardev=vfs%d,tag=vol%d,queue-size=1024",
				      pci ? "vhost-user-fs-pci" : "vhost-user-fs-device", i, i);
		add(b, "-chardev");
		add(b, chr);
		add(b, "-device");
		add(b, dev);
		free(chr);
		free(dev);
	}
}

char *volumes_kernel_options(const struct vm_config *c)
{
	char *out = xstrdup("");

	for (int i = 0; i < c->nvolumes; i++) {
		const struct vm_volume *v = &c->volumes[i];
		char *opt = !strcmp(v->guest, "/") ? xasprintf("--root=vol%d:virtiofs%s", i,
							       v->readonly ? ":ro" : "") :
						     xasprintf("--mount=vol%d:%s:virtiofs%s", i,
							       v->guest, v->readonly ? ":ro" : "");
		char *joined = xasprintf("%s%s%s", out, *out ? " " : "", opt);
		free(out);
		free(opt);
		out = joined;
	}
	return out;
}

static pid_t daemons[64];
static int ndaemons;

/*
 * SIGTERM, and SIGKILL a second later: a virtiofsd that QEMU never connected
 * to (QEMU refused its options, or is missing) ignores SIGTERM.
 */
static void stop_daemons(void)
{
	for (int i = 0; i < ndaemons; i++)
		kill(daemons[i], SIGTERM);
	for (int i = 0; i < ndaemons; i++) {
		for (int tries = 0; waitpid(daemons[i], NULL, WNOHANG) == 0; tries++) {
			if (tries == 100)
				kill(daemons[i], SIGKILL);
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		}
	}
	ndaemons = 0;
}

/* Start one virtiofsd for each volume and wait for its socket. */
void volumes_start(const struct vm_config *c)
{
	for (int i = 0; i < c->nvolumes && ndaemons < 64; i++) {
		const struct vm_volume *v = &c->volumes[i];
		char *source = xasprintf("source=%s", v->host);
		char *sock = xasprintf("--socket-path=%s", v->socket);
		char *log = xasprintf("%s.log", v->socket);
		pid_t pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);
			int err = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(err < 0 ? null : err, STDERR_FILENO);
			/* It runs until QEMU lets go of it; what it says is shown if it fails. */
			execl(VIRTIOFSD, VIRTIOFSD, sock, "-o", source, "-o", "cache=auto", "-o",
			      "xattr", "-o", "log_level=err", (char *)NULL);
			_exit(127);
		}
		if (!ndaemons)
			atexit(stop_daemons);
		daemons[ndaemons++] = pid;
		free(source);
		free(sock);
		struct stat st;
		for (int tries = 0; stat(v->socket, &st); tries++) {
			int ws;
			if (waitpid(pid, &ws, WNOHANG) == pid || tries > 500) {
				char said[512] = "";
				FILE *f = fopen(log, "r");
				size_t n = f ? fread(said, 1, sizeof(said) - 1, f) : 0;
				said[n] = 0;
				if (f)
					fclose(f);
				die("virtiofsd did not start for %s%s%s", v->host, n ? ": " : "",
				    said);
			}
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		}
	}
}
