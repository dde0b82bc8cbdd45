/*
 * Booting under QEMU: the command line for the chosen machine, the choice of
 * accelerator (KVM only where the CPU really virtualizes), and the wait for
 * the VM with a time limit. The guest's exit status comes back through an
 * isa-debugcon port (see include/alto/power.h), with isa-debug-exit's
 * status*2+1 as the fallback. Console output goes straight to our stdout.
 */
#define _GNU_SOURCE /* pipe2, vasprintf */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <alto/power.h>
#include <alto/trace.h>
#include "alto.h"

#define MAX_ARGS 256

static bool cpu_has_virtualization(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		found = strstr(line, " vmx") || strstr(line, " svm");
	}
	fclose(f);
	return found;
}

const char *vm_pick_accel(void)
{
	if (!cpu_has_virtualization())
		return "tcg";
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "tcg";
	close(fd);
	return "kvm";
}

struct argv_builder {
	char *args[MAX_ARGS];
	int n;
};

static void add(struct argv_builder *b, const char *arg)
{
	if (b->n + 1 >= MAX_ARGS)
		die("internal error: too many QEMU arguments");
	b->args[b->n++] = strdup(arg);
}

static void addf(struct argv_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void addf(struct argv_builder *b, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add(b, buf);
}

static void add_kernel(struct argv_builder *b, const struct vm_config *c)
{
	add(b, "-kernel");
	add(b, c->kernel);
	if (c->initrd) {
		add(b, "-initrd");
		add(b, c->initrd);
	}
	/* The disks' options are the kernel's: they come before a program named there. */
	char *disks = disks_kernel_options(c), *volumes = volumes_kernel_options(c);
	char *line = xasprintf("%s%s%s%s%s", disks, *disks ? " " : "", volumes, *volumes ? " " : "",
			       c->cmdline ? c->cmdline : "");
	free(volumes);
	add(b, "-append");
	add(b, line);
	free(line);
	free(disks);
}

/* A bootable disk, left unchanged (snapshot); with UEFI, OVMF in the two flash devices. */
static void add_disk(struct argv_builder *b, const struct vm_config *c)
{
	if (c->uefi_code) {
		add(b, "-drive");
		addf(b, "if=pflash,format=raw,unit=0,readonly=on,file=%s", c->uefi_code);
		add(b, "-drive");
		addf(b, "if=pflash,format=raw,unit=1,file=%s", c->uefi_vars);
	}
	add(b, "-drive");
	addf(b, "file=%s,format=%s,if=virtio,snapshot=on", c->disk,
	     c->disk_format == DISK_QCOW2 ? "qcow2" : "raw");
}

static void add_arg(void *b, const char *arg)
{
	add(b, arg);
}

/* virtio devices: MMIO ones in their modern form, host entropy, the NICs, the user's, disks. */
static void add_devices(struct argv_builder *b, const struct vm_config *c)
{
	bool pci = !strncmp(c->machine, "q35", 3);

	if (!pci) {
		add(b, "-global");
		add(b, "virtio-mmio.force-legacy=false");
	}
	if (!c->no_rng) {
		add(b, "-device");
		add(b, pci ? "virtio-rng-pci" : "virtio-rng-device");
	}
	for (int i = 0; i < c->nnets; i++) {
		add(b, "-netdev");
		add(b, net_netdev_arg(c, i));
		add(b, "-device");
		add(b, net_device_arg(c, i));
	}
	if (c->pcap) {
		add(b, "-object");
		addf(b, "filter-dump,id=dump0,netdev=net0,file=%s", c->pcap);
	}
	for (int i = 0; i < c->ndevices; i++) {
		add(b, "-device");
		add(b, c->devices[i]);
	}
	disks_add_qemu(c, add_arg, b);
	volumes_add_qemu(c, add_arg, b);
}

/* The trace port's file (include/alto/trace.h) and the gdbstub, stopped at the start. */
static void add_observe(struct argv_builder *b, const struct vm_config *c)
{
	if (c->trace_file) {
		add(b, "-chardev");
		addf(b, "file,id=altotrace,path=%s", c->trace_file);
		add(b, "-device");
		addf(b, "isa-debugcon,iobase=%#x,chardev=altotrace", TRACE_PORT);
	}
	if (c->gdb_port) {
		add(b, "-gdb");
		addf(b, "tcp:127.0.0.1:%d", c->gdb_port);
		add(b, "-S");
	}
}

static void build_args(struct argv_builder *b, const struct vm_config *c, const char *accel,
		       const char *status_path)
{
	const char *qemu = getenv("ALTO_QEMU");

	add(b, qemu ? qemu : "qemu-system-x86_64");
	add(b, "-M");
	if (c->nvolumes)
		addf(b, "%s,memory-backend=altomem", c->machine);
	else
		add(b, c->machine);
	add(b, "-accel");
	add(b, accel);
	add(b, "-cpu");
	if (c->cpu_features)
		addf(b, "%s,%s", strcmp(accel, "kvm") ? "max" : "host", c->cpu_features);
	else
		add(b, strcmp(accel, "kvm") ? "max" : "host");
	addf(b, "-m");
	addf(b, "%lluM", c->memory >> 20);
	add(b, "-smp");
	addf(b, "%d", c->cpus);
	add(b, "-nodefaults");
	add(b, "-no-user-config");
	add(b, "-display");
	add(b, "none");
	if (isatty(STDIN_FILENO)) {
		/* Ctrl-C goes to the guest (as SIGINT); Ctrl-A x still stops the VM. */
		add(b, "-chardev");
		add(b, "stdio,id=console,mux=on,signal=off");
		add(b, "-serial");
		add(b, "chardev:console");
	} else {
		add(b, "-serial");
		add(b, "stdio");
	}
	add(b, "-no-reboot");
	if (!c->no_debug_exit) {
		add(b, "-device");
		add(b, "isa-debug-exit,iobase=0xf4,iosize=4");
	}
	add(b, "-chardev");
	addf(b, "file,id=altostatus,path=%s", status_path);
	add(b, "-device");
	addf(b, "isa-debugcon,iobase=%#x,chardev=altostatus", POWER_STATUS_PORT);
	add_observe(b, c);
	add_devices(b, c);
	if (c->disk)
		add_disk(b, c);
	else
		add_kernel(b, c);
	b->args[b->n] = NULL;
}

/* One argument as a shell reads it back: plain when safe, else in '...' with ' as '\''. */
static void print_quoted(const char *arg)
{
	if (*arg && strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				"_./:=,+-@%") == strlen(arg)) {
		fputs(arg, stderr);
		return;
	}
	fputc('\'', stderr);
	for (const char *p = arg; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", stderr);
		else
			fputc(*p, stderr);
	}
	fputc('\'', stderr);
}

static void print_command(const struct argv_builder *b)
{
	for (int i = 0; i < b->n; i++) {
		if (i)
			fputc(' ', stderr);
		print_quoted(b->args[i]);
	}
	fputc('\n', stderr);
}

/*
 * The status the guest reported on the status port, or -1; with verbose,
 * also say which power-off method ended the VM (the last one noted).
 */
static int read_status(const char *path, bool verbose)
{
	FILE *f = fopen(path, "r");
	char line[256], method[64] = "isa-debug-exit";
	int status = -1;
	size_t taglen = strlen(POWER_STATUS_TAG), mlen = strlen(POWER_METHOD_TAG);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, POWER_STATUS_TAG, taglen))
			status = atoi(line + taglen);
		else if (!strncmp(line, POWER_METHOD_TAG, mlen))
			sscanf(line + mlen, "%63s", method);
	}
	fclose(f);
	if (verbose && status >= 0)
		warnx_("guest exit status %d, powered off by %s", status, method);
	return status;
}

static volatile sig_atomic_t host_signal;

/* SIGUSR1: a trace dump now, through the console's escaped input. */
static void request_trace(void)
{
	if (!console_request_trace())
		warnx_("SIGUSR1: no trace dump: nothing is traced, or the console is a terminal "
		       "(where Ctrl-A b asks for one)");
}

static void note_signal(int sig)
{
	host_signal = sig;
}

/* Wait for pid; returns its wait status, or -1 when the timeout passed first. */
static int wait_with_timeout(pid_t pid, double timeout)
{
	sigset_t chld;
	int ws;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaddset(&chld, SIGUSR1);
	for (bool forwarded = false;;) {
		/* A SIGINT or SIGTERM for us ends the VM too (QEMU exits on them). */
		if (host_signal && !forwarded) {
			kill(pid, host_signal);
			forwarded = true;
		}
		pid_t r = waitpid(pid, &ws, WNOHANG);
		if (r == pid)
			return ws;
		if (r < 0 && errno != EINTR)
			die("waitpid: %s", strerror(errno));
		struct timespec before, after,
			ts = { (time_t)timeout, (long)((timeout - (time_t)timeout) * 1e9) };
		clock_gettime(CLOCK_MONOTONIC, &before);
		int sig = sigtimedwait(&chld, NULL, timeout > 0 ? &ts : NULL);
		if (sig < 0 && errno == EAGAIN)
			return -1;
		if (sig == SIGUSR1)
			request_trace();
		if (timeout <= 0)
			continue; /* no time limit */
		clock_gettime(CLOCK_MONOTONIC, &after);
		timeout -= (after.tv_sec - before.tv_sec) + (after.tv_nsec - before.tv_nsec) / 1e9;
		if (timeout <= 0 && waitpid(pid, &ws, WNOHANG) != pid)
			return -1;
	}
}

static int exit_status(int ws, const char *status_path, bool verbose)
{
	int reported = read_status(status_path, verbose);

	if (reported >= 0)
		return reported;
	if (host_signal)
		return 128 + host_signal;
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	int rc = WEXITSTATUS(ws);
	if (rc & 1)
		return rc >> 1; /* isa-debug-exit without a status report */
	if (rc == 0)
		return 0; /* powered off through ACPI */
	warnx_("QEMU failed (exit status %d)", rc);
	return ALTO_EXIT_VMM;
}

/* Start QEMU; with stdin_escape its stdin is a pipe that console_forward_start() feeds. */
static pid_t start_qemu(const struct vm_config *c, char **args, const sigset_t *old_mask)
{
	int input[2] = { -1, -1 };

	if (c->stdin_escape && pipe2(input, O_CLOEXEC))
		die("cannot make a pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, old_mask, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (c->stdin_escape && dup2(input[0], STDIN_FILENO) < 0)
			_exit(127 << 1);
		execvp(args[0], args);
		fprintf(stderr, "alto: cannot run %s: %s\n", args[0], strerror(errno));
		_exit(127 << 1); /* even: not a guest status */
	}
	if (c->stdin_escape) {
		close(input[0]);
		console_forward_start(input[1], c->trace_file != NULL);
	}
	return pid;
}

int vm_boot(const struct vm_config *c)
{
	const char *accel = strcmp(c->accel, "auto") ? c->accel : vm_pick_accel();
	char status_path[] = "/tmp/alto-status-XXXXXX";
	struct argv_builder b = { .n = 0 };
	int fd = mkstemp(status_path);

	if (fd < 0)
		die("cannot create a temporary file: %s", strerror(errno));
	close(fd);
	build_args(&b, c, accel, status_path);
	if (c->verbose || c->dry_run)
		print_command(&b);
	if (c->dry_run) {
		unlink(status_path);
		return 0;
	}

	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaddset(&chld, SIGUSR1);
	sigprocmask(SIG_BLOCK, &chld, &old);
	struct sigaction sa = { .sa_handler = note_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	double start = now_ms();
	volumes_start(c);
	pid_t pid = start_qemu(c, b.args, &old);
	int ws = wait_with_timeout(pid, c->timeout);
	if (ws == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
		warnx_("the VM did not finish within %g s; stopped it", c->timeout);
		unlink(status_path);
		return ALTO_EXIT_TIMEOUT;
	}
	if (c->verbose)
		warnx_("QEMU ran for %.0f ms", now_ms() - start);
	int status = exit_status(ws, status_path, c->verbose);
	unlink(status_path);
	return status;
}
