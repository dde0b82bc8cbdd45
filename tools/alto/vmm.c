/*
 * alto build --vmm: what other VMMs need to boot Alto, written into a
 * directory. Firecracker gets its JSON configuration (the format its
 * --config-file takes: boot-source with kernel_image_path, initrd_path and
 * boot_args, drives, machine-config); cloud-hypervisor a shell script with
 * its command line. Both boot alto.elf through its PVH note (or, for an older
 * Firecracker, its ELF entry, the Linux 64-bit one), with the image as the
 * initramfs; neither needs anything QEMU-specific from the kernel (the
 * serial port, the MP table or ACPI, power-off by ACPI or the i8042 reset).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "alto.h"

static FILE *create(const char *dir, const char *name, int mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (!f || chmod(path, mode))
		die("cannot write %s: %s", path, strerror(errno));
	free(path);
	return f;
}

static void finish(FILE *f, const char *dir, const char *name)
{
	if (ferror(f) | fclose(f))
		die("cannot write %s/%s", dir, name);
}

static void write_firecracker(const char *dir, const char *kernel, const char *initrd,
			      const char *args, int cpus, unsigned long long memory)
{
	FILE *f = create(dir, "firecracker.json", 0644);

	fprintf(f,
		"{\n"
		"  \"boot-source\": {\n"
		"    \"kernel_image_path\": \"%s\",\n"
		"    \"initrd_path\": \"%s\",\n"
		"    \"boot_args\": \"%s\"\n"
		"  },\n"
		"  \"drives\": [],\n"
		"  \"machine-config\": {\n"
		"    \"vcpu_count\": %d,\n"
		"    \"mem_size_mib\": %llu,\n"
		"    \"smt\": false\n"
		"  }\n"
		"}\n",
		kernel, initrd, args, cpus, memory >> 20);
	finish(f, dir, "firecracker.json");
}

static void write_cloud_hypervisor(const char *dir, const char *args, int cpus,
				   unsigned long long memory)
{
	FILE *f = create(dir, "cloud-hypervisor.sh", 0755);

	fprintf(f,
		"#!/bin/sh\n"
		"# Boot the Alto image in this directory with cloud-hypervisor (made by alto build).\n"
		"dir=$(dirname \"$0\")\n"
		"exec cloud-hypervisor --kernel \"$dir/alto.elf\" --initramfs \"$dir/initrd.img\" \\\n"
		"\t--cmdline \"%s\" --cpus boot=%d --memory size=%lluM \\\n"
		"\t--serial tty --console off \"$@\"\n",
		args, cpus, memory >> 20);
	finish(f, dir, "cloud-hypervisor.sh");
}

void vmm_write_config(const char *vmm, const char *dir, const char *kernel, const char *initrd,
		      const char *args, int cpus, unsigned long long memory)
{
	if (!strcmp(vmm, "firecracker"))
		write_firecracker(dir, kernel, initrd, args, cpus, memory);
	else if (!strcmp(vmm, "cloud-hypervisor"))
		write_cloud_hypervisor(dir, args, cpus, memory);
	else
		die("unknown VMM '%s' (firecracker or cloud-hypervisor)", vmm);
}
