/*
 * The errno of common failures, which programs test for: missing files,
 * existing names, non-empty directories, reading a directory, bad
 * descriptors, seeking a pipe, and more of the same kind.
 */
#include "common.h"
#include <sys/mman.h>

static void files(void)
{
	char buf[16];

	close(open("file", O_CREAT | O_WRONLY, 0644));
	mkdir("dir", 0755);
	close(open("dir/inside", O_CREAT | O_WRONLY, 0644));

	result("open a missing file", open("missing", O_RDONLY));
	result("open in a missing directory", open("missing/x", O_RDONLY));
	result("open below a file", open("file/x", O_RDONLY));
	result("open O_CREAT|O_EXCL of an existing file", open("file", O_CREAT | O_EXCL, 0644));
	result("open a directory for writing", open("dir", O_WRONLY));
	result("open O_DIRECTORY of a file", open("file", O_RDONLY | O_DIRECTORY));
	result("open an empty path", open("", O_RDONLY));
	result("mkdir of an existing directory", mkdir("dir", 0755));
	result("mkdir of an existing file", mkdir("file", 0755));
	result("mkdir in a missing directory", mkdir("missing/x", 0755));
	result("rmdir of a non-empty directory", rmdir("dir"));
	result("rmdir of a file", rmdir("file"));
	result("rmdir of a missing directory", rmdir("missing"));
	result("unlink of a directory", unlink("dir"));
	result("unlink of a missing file", unlink("missing"));
	result("link to a directory", link("dir", "dirlink"));
	result("link onto an existing name", link("file", "dir/inside"));
	result("symlink onto an existing name", symlink("x", "file"));
	result("readlink of a file", readlink("file", buf, sizeof(buf)));
	result("rename a directory into itself", rename("dir", "dir/sub"));
	result("rename a missing file", rename("missing", "other"));
	result("rename a file over a directory", rename("file", "dir"));
	result("rename a directory over a file", rename("dir", "file"));
	result("chdir to a file", chdir("file"));
	result("chdir to a missing directory", chdir("missing"));
	int fd = open("dir", O_RDONLY);
	result("read of a directory", read(fd, buf, sizeof(buf)));
	result("write to a directory descriptor", write(fd, "x", 1));
	close(fd);
	fd = open("file", O_RDONLY);
	result("write to a read-only descriptor", write(fd, "x", 1));
	result("ftruncate of a read-only descriptor", ftruncate(fd, 0));
	result("lseek to a negative offset", lseek(fd, -1, SEEK_SET));
	result("lseek with a bad whence", lseek(fd, 0, 42));
	close(fd);
	fd = open("file", O_WRONLY);
	result("read from a write-only descriptor", read(fd, buf, sizeof(buf)));
	close(fd);
	result("getcwd into 1 byte", getcwd(buf, 1) ? 0 : -1);
	unlink("dir/inside");
	rmdir("dir");
	unlink("file");
}

static void descriptors(void)
{
	char buf[4];
	int p[2];

	result("write to a bad descriptor", write(99, "x", 1));
	result("read from a bad descriptor", read(99, buf, 1));
	result("close of a bad descriptor", close(99));
	result("close of -1", close(-1));
	result("dup of a bad descriptor", dup(99));
	result("dup2 from a bad descriptor", dup2(99, 100));
	result("fcntl of a bad descriptor", fcntl(99, F_GETFD));
	result("openat with a bad directory descriptor", openat(99, "x", O_RDONLY));
	result("fstat of a bad descriptor", fstat(99, &(struct stat){ 0 }));
	pipe(p);
	result("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
	result("pread on a pipe", pread(p[0], buf, 1, 0));
	result("ftruncate of a pipe", ftruncate(p[1], 0));
	result("mmap of a pipe",
	       mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, p[0], 0) == MAP_FAILED ? -1 : 0);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setup();
	scratch_enter();
	files();
	descriptors();
	scratch_leave();
	return 0;
}
