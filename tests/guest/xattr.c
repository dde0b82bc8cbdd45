/*
 * Extended attributes on the file system given as the argument: set, get
 * (with a buffer too small, and asking for the size), list, replace,
 * create-only, remove, on files and directories and through descriptors.
 * Run natively and in Alto on a host directory served through virtio-fs
 * (tests/cases/84-volumes.sh): the attributes pass through to the host.
 */
#include "common.h"
#include <sys/xattr.h>

int main(int argc, char **argv)
{
	char path[512], dir[512], buf[256];

	setup();
	if (argc != 2)
		die_setup("usage: xattr DIR");
	snprintf(path, sizeof(path), "%s/xattr-file", argv[1]);
	snprintf(dir, sizeof(dir), "%s/xattr-dir", argv[1]);
	int fd = open(path, O_CREAT | O_RDWR, 0644);
	mkdir(dir, 0755);
	result("setxattr user.colour", setxattr(path, "user.colour", "blue", 4, 0));
	result("setxattr create-only again", setxattr(path, "user.colour", "red", 3, XATTR_CREATE));
	result("setxattr replace a missing one",
	       setxattr(path, "user.none", "x", 1, XATTR_REPLACE));
	result("fsetxattr user.size", fsetxattr(fd, "user.size", "12345678", 8, 0));
	result("getxattr size only", getxattr(path, "user.colour", NULL, 0));
	long n = getxattr(path, "user.colour", buf, sizeof(buf));
	show("getxattr", buf, n);
	result("getxattr too small", getxattr(path, "user.size", buf, 2));
	result("getxattr missing", getxattr(path, "user.missing", buf, sizeof(buf)));
	n = listxattr(path, buf, sizeof(buf));
	/* The list's order is the file system's: count names and their bytes. */
	int names = 0;
	for (long i = 0; i < n; i++)
		names += buf[i] == 0;
	printf("listxattr: %ld bytes, %d names\n", n, names);
	result("setxattr replace", setxattr(path, "user.colour", "green", 5, XATTR_REPLACE));
	n = fgetxattr(fd, "user.colour", buf, sizeof(buf));
	show("fgetxattr after replace", buf, n);
	result("removexattr", removexattr(path, "user.colour"));
	result("removexattr again", removexattr(path, "user.colour"));
	result("setxattr on a directory", setxattr(dir, "user.d", "dir", 3, 0));
	n = getxattr(dir, "user.d", buf, sizeof(buf));
	show("getxattr on a directory", buf, n);
	close(fd);
	unlink(path);
	removexattr(dir, "user.d");
	rmdir(dir);
	return 0;
}
