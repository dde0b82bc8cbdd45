/*
 * Bootable disks (alto build --bootable): a GPT disk that boots with no
 * -kernel on BIOS and on UEFI firmware, made on the host with Debian's
 * tools and never by booting anything. sfdisk lays out a 1 MiB BIOS boot
 * partition (GRUB's core image on BIOS) and an EFI system partition;
 * mkfs.fat and mtools fill the ESP with GRUB for UEFI (EFI/BOOT/BOOTX64.EFI),
 * both kernel files, the image as the initrd and grub.cfg. GRUB's boot
 * sector goes into the protective MBR and its core image into the BIOS boot
 * partition, each patched with where the next stage lies, as grub-bios-setup
 * would do on a device. qcow2 is the raw disk through qemu-img convert.
 *
 * On BIOS, GRUB boots the bzImage with its linux command (the kernel's
 * Linux 32-bit entry); on UEFI it boots alto.elf through multiboot2, which
 * hands over the ACPI RSDP that a Linux-protocol kernel would have to find
 * through the EFI system table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "alto.h"

#define SECTOR	       512
#define MIB	       (1024 * 1024)
#define BIOS_BOOT_LBA  2048 /* 1 MiB: GRUB's core image */
#define BIOS_BOOT_SIZE MIB
#define ESP_LBA	       (BIOS_BOOT_LBA + BIOS_BOOT_SIZE / SECTOR)
#define GRUB_PC_DIR    "/usr/lib/grub/i386-pc"
#define GRUB_EFI_DIR   "/usr/lib/grub/x86_64-efi"

/* Offsets that GRUB's boot sector and the first sector of its core image keep. */
#define BOOT_KERNEL_SECTOR 0x5c	 /* boot.img: LBA of the core image, 8 bytes */
#define BOOT_DRIVE_CHECK   0x66	 /* boot.img: a jump that only floppies need */
#define BOOT_CODE_SIZE	   440	 /* boot.img bytes before the disk signature */
#define CORE_BLOCKLIST	   0x1f4 /* diskboot.img: where the rest of the core starts */

/* GRUB modules: the partition table and file system, and the commands grub.cfg uses. */
#define GRUB_MODULES "part_gpt", "fat", "normal", "configfile", "test", "search", "search_fs_file"

/*
 * Run a host tool (from the Debian package named) with its standard input
 * from a file (NULL: none) and wait for it; a failure ends alto, naming it.
 */
static void run_tool(const char *package, const char *input, const char *const argv[])
{
	pid_t pid = fork();
	int ws;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open(input ? input : "/dev/null", O_RDONLY);
		int out = open("/dev/null", O_WRONLY);
		if (in < 0 || out < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (waitpid(pid, &ws, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
		die("%s is missing: install Debian's %s", argv[0], package);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws))
		die("%s failed making the disk", argv[0]);
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		die("cannot write %s: %s", path, strerror(errno));
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "r");
	struct stat st;

	if (!f || fstat(fileno(f), &st))
		die("cannot read %s: %s", path, strerror(errno));
	char *data = xmalloc((size_t)st.st_size);
	if (fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die("cannot read %s", path);
	fclose(f);
	*size = (size_t)st.st_size;
	return data;
}

static void pwrite_all(int fd, const void *data, size_t size, off_t off, const char *what)
{
	if (pwrite(fd, data, size, off) != (ssize_t)size)
		die("cannot write %s: %s", what, strerror(errno));
}

static off_t file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		die("cannot read %s: %s", path, strerror(errno));
	return st.st_size;
}

/*
 * grub.cfg and the configuration built into GRUB's images: the embedded
 * one finds the ESP by a file unique to this disk (other disks may hold
 * Alto too), the other boots at once, by the firmware's way.
 */
static void write_grub_configs(const char *dir, const char *id, const char *cmdline)
{
	char *early = xasprintf("search --no-floppy --file --set=root /boot/%s\n"
				"set prefix=($root)/boot/grub\n"
				"configfile ($root)/boot/grub/grub.cfg\n",
				id);
	char *cfg = xasprintf("# Made by alto build --bootable.\n"
			      "set timeout=0\n"
			      "if [ \"$grub_platform\" = \"efi\" ]; then\n"
			      "\tmultiboot2 /boot/alto.elf %s\n"
			      "\tmodule2 /boot/initrd.img\n"
			      "else\n"
			      "\tlinux /boot/alto.bzimage %s\n"
			      "\tinitrd /boot/initrd.img\n"
			      "fi\n"
			      "boot\n",
			      cmdline, cmdline);
	char *p = xasprintf("%s/early.cfg", dir);

	write_file(p, early, strlen(early));
	free(p);
	p = xasprintf("%s/grub.cfg", dir);
	write_file(p, cfg, strlen(cfg));
	free(p);
	free(early);
	free(cfg);
}

static void make_grub_images(const char *dir)
{
	char *early = xasprintf("%s/early.cfg", dir);
	char *efi = xasprintf("%s/BOOTX64.EFI", dir);
	char *core = xasprintf("%s/core.img", dir);

	run_tool("grub-efi-amd64-bin", NULL,
		 (const char *const[]){ "grub-mkimage", "-O", "x86_64-efi", "-d", GRUB_EFI_DIR,
					"-o", efi, "-p", "/boot/grub", "-c", early, GRUB_MODULES,
					"multiboot2", NULL });
	run_tool("grub-pc-bin", NULL,
		 (const char *const[]){ "grub-mkimage", "-O", "i386-pc", "-d", GRUB_PC_DIR, "-o",
					core, "-p", "/boot/grub", "-c", early, GRUB_MODULES,
					"biosdisk", "linux", NULL });
	free(early);
	free(efi);
	free(core);
}

static void make_sized_file(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || ftruncate(fd, size) || close(fd))
		die("cannot make %s: %s", path, strerror(errno));
}

static void mcopy(const char *esp, const char *from, const char *to)
{
	run_tool("mtools", NULL, (const char *const[]){ "mcopy", "-i", esp, from, to, NULL });
}

/* The ESP as a file of its own: a FAT file system holding everything GRUB reads. */
static off_t make_esp(const char *dir, const struct disk_config *d, const char *id)
{
	char *esp = xasprintf("%s/esp.img", dir);
	char *efi = xasprintf("%s/BOOTX64.EFI", dir), *cfg = xasprintf("%s/grub.cfg", dir);
	char *marker = xasprintf("%s/%s", dir, id), *marker_to = xasprintf("::/boot/%s", id);
	off_t need = file_size(d->kernel) + file_size(d->bzimage) + file_size(d->initrd) +
		     file_size(efi) + MIB;
	off_t size = (need + need / 8 + MIB - 1) / MIB * MIB;

	if (size < 8 * MIB)
		size = 8 * MIB;
	make_sized_file(esp, size);
	make_sized_file(marker, 0);
	run_tool("dosfstools", NULL, (const char *const[]){ "mkfs.fat", "-n", "ALTO", esp, NULL });
	run_tool("mtools", NULL,
		 (const char *const[]){ "mmd", "-i", esp, "::/EFI", "::/EFI/BOOT", "::/boot",
					"::/boot/grub", NULL });
	mcopy(esp, efi, "::/EFI/BOOT/BOOTX64.EFI");
	mcopy(esp, cfg, "::/boot/grub/grub.cfg");
	mcopy(esp, d->kernel, "::/boot/alto.elf");
	mcopy(esp, d->bzimage, "::/boot/alto.bzimage");
	mcopy(esp, d->initrd, "::/boot/initrd.img");
	mcopy(esp, marker, marker_to);
	free(esp);
	free(efi);
	free(cfg);
	free(marker);
	free(marker_to);
	return size;
}

/* The partition table: a protective MBR and GPT, made by sfdisk from a script. */
static void partition(const char *dir, const char *raw, off_t esp_size)
{
	char *script = xasprintf(
		"label: gpt\n"
		"start=%d, size=%d, type=21686148-6449-6E6F-744E-656564454649, name=\"BIOS boot\"\n"
		"start=%d, size=%lld, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI system\"\n",
		BIOS_BOOT_LBA, BIOS_BOOT_SIZE / SECTOR, ESP_LBA, (long long)(esp_size / SECTOR));
	char *path = xasprintf("%s/partitions.sfdisk", dir);

	write_file(path, script, strlen(script));
	run_tool("fdisk", path, (const char *const[]){ "sfdisk", "-q", raw, NULL });
	free(script);
	free(path);
}

/* GRUB for BIOS: its boot sector in the MBR's code area, its core in the BIOS boot partition. */
static void install_bios_grub(int fd, const char *dir)
{
	size_t boot_size, core_size;
	uint8_t *boot = read_file(GRUB_PC_DIR "/boot.img", &boot_size);
	char *core_path = xasprintf("%s/core.img", dir);
	uint8_t *core = read_file(core_path, &core_size);
	uint64_t core_lba = BIOS_BOOT_LBA, rest_lba = BIOS_BOOT_LBA + 1;

	if (boot_size != SECTOR || core_size < SECTOR || core_size > BIOS_BOOT_SIZE)
		die("unexpected GRUB images (boot.img %zu bytes, core.img %zu bytes)", boot_size,
		    core_size);
	memcpy(boot + BOOT_KERNEL_SECTOR, &core_lba, sizeof(core_lba));
	boot[BOOT_DRIVE_CHECK] = boot[BOOT_DRIVE_CHECK + 1] = 0x90; /* nop nop */
	memcpy(core + CORE_BLOCKLIST, &rest_lba, sizeof(rest_lba));
	pwrite_all(fd, boot, BOOT_CODE_SIZE, 0, "the boot sector");
	pwrite_all(fd, core, core_size, (off_t)BIOS_BOOT_LBA * SECTOR, "GRUB's core image");
	free(boot);
	free(core);
	free(core_path);
}

static void copy_into(int fd, const char *path, off_t at)
{
	size_t size;
	void *data = read_file(path, &size);

	pwrite_all(fd, data, size, at, path);
	free(data);
}

void disk_build(const struct disk_config *d, const char *dir)
{
	char id[32];
	char *raw = d->qcow2 ? xasprintf("%s/disk.raw", dir) : xstrdup(d->output);
	uint32_t r = (uint32_t)getpid() ^ (uint32_t)(now_ms() * 1000);
	int urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (urandom >= 0) {
		if (read(urandom, &r, sizeof(r)) != sizeof(r))
			r ^= (uint32_t)getppid();
		close(urandom);
	}
	snprintf(id, sizeof(id), "alto-%08x.id", r);
	write_grub_configs(dir, id, d->cmdline);
	make_grub_images(dir);
	off_t esp_size = make_esp(dir, d, id);
	off_t total = (off_t)ESP_LBA * SECTOR + esp_size + MIB; /* the backup GPT */

	int fd = open(raw, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, total))
		die("cannot write %s: %s", raw, strerror(errno));
	partition(dir, raw, esp_size);
	install_bios_grub(fd, dir);
	char *esp = xasprintf("%s/esp.img", dir);
	copy_into(fd, esp, (off_t)ESP_LBA * SECTOR);
	free(esp);
	if (close(fd))
		die("cannot write %s: %s", raw, strerror(errno));
	if (d->qcow2)
		run_tool("qemu-utils", NULL,
			 (const char *const[]){ "qemu-img", "convert", "-f", "raw", "-O", "qcow2",
						raw, d->output, NULL });
	free(raw);
}

enum disk_format disk_detect(const char *path)
{
	uint8_t head[2 * SECTOR];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, head, sizeof(head));

	if (fd >= 0)
		close(fd);
	if (n >= 4 && !memcmp(head, "QFI\xfb", 4))
		return DISK_QCOW2;
	if (n == sizeof(head) && head[510] == 0x55 && head[511] == 0xaa)
		return DISK_RAW;
	return DISK_NONE;
}
