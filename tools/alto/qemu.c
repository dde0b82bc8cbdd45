/*
 * Booting under QEMU: the command line for the chosen machine, the choice of
 * accelerator (KVM only where the CPU really virtualizes), and the wait for
 * the VM with a time limit. The guest's exit status comes back through an
 * isa-debugcon port (see include/alto/power.h); every other way QEMU ends
 * (missing, refusing its options, killed, a guest that never reported, a
 * panic) gets its own exit status and one line (exit_status_help). Console
 * output goes straight to our stdout, or, when alto run keeps the streams
 * apart, the serial console (the kernel's lines) to our stderr and the
 * program's stdout and stderr through virtio-serial ports to ours
 * (add_streams).
 * SIGTERM, SIGINT and SIGHUP become a stop request to the guest (a byte on
 * a second UART), then a stop of the VM after the grace period; QEMU dies
 * with the tool, and its files are open temporary files nothing leaves
 * behind.
 */
#define _GNU_SOURCE /* pipe2, vasprintf */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <alto/power.h>
#include <alto/trace.h>
#include "alto.h"

#define MAX_ARGS 256

const char exit_status_help[] =
	"exit status:\n"
	"  N         the program's own status, 0 to 255 (alto boot: the guest's)\n"
	"  128+N     the program was killed by signal N; 137 also when the VM had to\n"
	"            be stopped after SIGTERM, SIGINT or SIGHUP to alto\n"
	"  2         bad usage, or a program or image Alto cannot run\n"
	"  122       the image does not fit in guest memory (found before QEMU starts;\n"
	"            the line says how big -m must be)\n"
	"  123       QEMU was killed from outside before the guest reported a status\n"
	"  124       --timeout ran out: the VM was stopped\n"
	"  125       QEMU refused its options or failed (its own message comes first)\n"
	"  126       the guest kernel panicked (its report is on the console)\n"
	"  127       QEMU cannot be run (not installed, or ALTO_QEMU names nothing)\n"
	"Each of 122 to 127 comes with one line on stderr starting 'alto: ', which\n"
	"tells it from a program that exits with the same number.\n";

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

/*
 * The descriptors QEMU inherits: the status file, the stop-request pipe's
 * reading end, and with split streams our stdout (QEMU's own stdout is then
 * our stderr).
 */
struct vm_fds {
	int status, stop_in, stop_out, out;
};

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

/*
 * The program's stdout and stderr: ports 1 and 2 of a virtio-serial device
 * (drivers/virtio/console.c), on files QEMU opens again by /dev/fd/N in
 * append mode. virtserialport, not virtconsole: QEMU drops what a console
 * port's backend does not take at once (a full pipe), a serial port waits.
 */
static void add_streams(struct argv_builder *b, const struct vm_config *c, const struct vm_fds *fds)
{
	bool pci = !strncmp(c->machine, "q35", 3);

	add(b, "-chardev");
	addf(b, "file,id=altoout,path=/dev/fd/%d,append=on", fds->out);
	add(b, "-device");
	addf(b, "%s,id=altostreams,max_ports=3",
	     pci ? "virtio-serial-pci" : "virtio-serial-device");
	add(b, "-device");
	add(b, "virtserialport,bus=altostreams.0,nr=1,chardev=altoout");
	if (c->merged_streams)
		return; /* the kernel's --stderr=stdout: port 1 carries both, in order */
	add(b, "-chardev");
	add(b, "file,id=altoerr,path=/dev/fd/2,append=on");
	add(b, "-device");
	add(b, "virtserialport,bus=altostreams.0,nr=2,chardev=altoerr");
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
		       const struct vm_fds *fds)
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
	if (c->name) {
		add(b, "-name");
		addf(b, "%s,process=%s", c->name, c->name);
	}
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
	addf(b, "file,id=altostatus,path=/dev/fd/%d", fds->status);
	add(b, "-device");
	addf(b, "isa-debugcon,iobase=%#x,chardev=altostatus", POWER_STATUS_PORT);
	add_observe(b, c);
	add_devices(b, c);
	if (c->split_streams)
		add_streams(b, c, fds);
	/*
	 * The stop request's UART. QEMU opens /dev/fd/N read-write, so what the
	 * guest writes there comes back as input: Alto never writes to it, but
	 * UEFI firmware makes every serial port a console, reads its own screen
	 * back as keys and ends in its setup menu. With UEFI there is no stop
	 * request: a signal stops the VM after --stop-timeout.
	 */
	if (!c->uefi_code) {
		add(b, "-chardev");
		addf(b, "pipe,id=altostop,path=/dev/fd/%d", fds->stop_in);
		add(b, "-device");
		addf(b, "isa-serial,chardev=altostop,iobase=%#x,irq=3", POWER_STOP_PORT);
	}
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

/* What the guest said on the status port: its exit status (-1: none), a panic. */
struct guest_report {
	int status;
	bool panicked;
};

/* Read the status port's file; with verbose, also say which power-off method ended the VM. */
static struct guest_report read_status(int fd, bool verbose)
{
	FILE *f = fdopen(dup(fd), "r");
	char line[256], method[64] = "isa-debug-exit";
	struct guest_report r = { .status = -1 };
	size_t taglen = strlen(POWER_STATUS_TAG), mlen = strlen(POWER_METHOD_TAG);

	if (!f)
		return r;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, POWER_STATUS_TAG, taglen))
			r.status = atoi(line + taglen);
		else if (!strncmp(line, POWER_METHOD_TAG, mlen))
			sscanf(line + mlen, "%63s", method);
		else if (!strncmp(line, POWER_PANIC_TAG, strlen(POWER_PANIC_TAG)))
			r.panicked = true;
	}
	fclose(f);
	if (verbose && r.status >= 0)
		warnx_("guest exit status %d, powered off by %s", r.status, method);
	return r;
}

/*
 * QEMU loads the initrd whole into RAM below 4 GiB, under its top less the
 * room of the ACPI tables on q35, and refuses one that does not fit there
 * ("initrd is too large"): with QEMU 7.2, found by bisection, microvm takes
 * an image of up to the memory's size less 2 bytes, q35 less 160 KiB and
 * 2 bytes. The RAM below 4 GiB is all of it up to 3 GiB on microvm; on q35
 * up to 2.75 GiB, and 2 GiB from there on. Refused here, before QEMU, with
 * the memory that holds the image and leaves room for the kernel and the
 * program (the kernel borrows the files' data in place).
 */
#define INITRD_Q35_ACPI 0x28000ull
#define ROOM_FOR_ALTO	(32ull << 20)

static bool initrd_fits(const struct vm_config *c)
{
	bool q35 = !strncmp(c->machine, "q35", 3);
	unsigned long long acpi = q35 ? INITRD_Q35_ACPI : 0, memory = c->memory >> 20 << 20;
	unsigned long long low =
		q35 ? (memory >= 0xb0000000ull ? 0x80000000ull : 0xb0000000ull) : 0xc0000000ull;
	struct stat st;

	if (!c->initrd || c->disk || stat(c->initrd, &st))
		return true;
	unsigned long long size = st.st_size, below_4g = memory < low ? memory : low;
	if (size + acpi + 2 <= below_4g)
		return true;
	unsigned long long need = (size + acpi + 2 + ROOM_FOR_ALTO + (1 << 20) - 1) >> 20;
	if (size + acpi + 2 > (q35 ? 0x80000000ull : low))
		warnx_("the image is %llu MiB (%llu bytes): more than QEMU loads below 4 GiB on %s; "
		       "put the files on a disk (--root ext2)",
		       size >> 20, size, q35 ? "q35" : "microvm");
	else
		warnx_("the image is %llu MiB (%llu bytes): it does not fit in -m %lluM of guest "
		       "memory; give -m %lluM or more (the image, and 32M for Alto and the program)",
		       size >> 20, size, memory >> 20, need);
	return false;
}

/* SIGUSR1: a trace dump now, through the console's escaped input. */
static void request_trace(void)
{
	if (!console_request_trace())
		warnx_("SIGUSR1: no trace dump: nothing is traced, or the console is a terminal "
		       "(where Ctrl-A b asks for one)");
}

/*
 * The tool's status once QEMU has ended by itself: the guest's when it
 * reported one (the kernel always does before it powers off), else why not.
 */
static int exit_status(int ws, int status_fd, bool verbose)
{
	struct guest_report r = read_status(status_fd, verbose);

	if (r.panicked) {
		warnx_("the kernel panicked (its report is above): exit status %d",
		       ALTO_EXIT_PANIC);
		return ALTO_EXIT_PANIC;
	}
	if (r.status >= 0)
		return r.status;
	if (WIFSIGNALED(ws)) {
		warnx_("QEMU was killed by SIG%s before the guest reported a status",
		       sigabbrev_np(WTERMSIG(ws)) ? sigabbrev_np(WTERMSIG(ws)) : "?");
		return ALTO_EXIT_KILLED;
	}
	if (WEXITSTATUS(ws))
		warnx_("QEMU failed (exit status %d) before the guest reported a status",
		       WEXITSTATUS(ws));
	else
		warnx_("the VM ended without a status from the guest (a reset, or QEMU's quit)");
	return ALTO_EXIT_VMM;
}

/*
 * Start QEMU. It dies with the tool (PR_SET_PDEATHSIG), and unless it reads
 * a terminal it has a process group of its own, so that a terminal's Ctrl-C
 * reaches the tool alone, which asks the guest to stop. With stdin_escape
 * its stdin is a pipe that console_forward_start() feeds. Returns -1 with
 * errno when QEMU cannot be run: the child says why through a pipe that
 * closes at its exec.
 */
static pid_t start_qemu(const struct vm_config *c, char **args, const sigset_t *old_mask, int log)
{
	int input[2] = { -1, -1 }, failed[2], err = 0;
	pid_t parent = getpid();

	if ((c->stdin_escape && pipe2(input, O_CLOEXEC)) || pipe2(failed, O_CLOEXEC))
		die("cannot make a pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (c->stdin_escape)
			setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, old_mask, NULL);
		if (c->stdin_escape && dup2(input[0], STDIN_FILENO) < 0)
			_exit(127);
		/* The serial console: the kernel's lines, to --log FILE or our stderr. */
		if (c->split_streams && dup2(log >= 0 ? log : STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(args[0], args);
		err = errno;
		if (write(failed[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(failed[1]);
	ssize_t n = read(failed[0], &err, sizeof(err));
	close(failed[0]);
	if (n == sizeof(err)) {
		waitpid(pid, NULL, 0);
		errno = err;
		return -1;
	}
	if (c->stdin_escape) {
		close(input[0]);
		console_forward_start(input[1], c->trace_file != NULL);
	}
	return pid;
}

/* What ends the wait for the VM besides QEMU's own end. */
struct vm_wait {
	pid_t pid;
	const struct vm_config *c;
	int stop_fd;	   /* the stop request goes here */
	double timeout_at; /* --timeout, in now_ms() time; 0: none */
	double stop_at;	   /* the grace period's end once a stop was asked; 0: none */
	int stop_signal;   /* the signal that asked it */
};

static double first_deadline(const struct vm_wait *w)
{
	if (w->timeout_at && w->stop_at)
		return w->timeout_at < w->stop_at ? w->timeout_at : w->stop_at;
	return w->timeout_at ? w->timeout_at : w->stop_at;
}

/* A signal for the tool: ask the guest to stop, or at a second one stop the VM at once. */
static bool stop_asked(struct vm_wait *w, int sig)
{
	if (w->stop_at) {
		warnx_("%s again: stopping the VM now", strsignal(sig));
		return true;
	}
	static const char request = POWER_STOP_REQUEST;
	if (write(w->stop_fd, &request, 1) != 1)
		return true; /* QEMU is gone or going: its end is near */
	w->stop_signal = sig;
	w->stop_at = now_ms() + w->c->stop_timeout * 1e3;
	if (w->c->verbose)
		warnx_("%s: the program gets SIGTERM; the VM stops in %g s if it has not ended",
		       strsignal(sig), w->c->stop_timeout);
	return false;
}

/*
 * Wait for QEMU, with SIGCHLD, SIGTERM, SIGINT, SIGHUP and SIGUSR1 (a trace
 * dump: request_trace) blocked and taken
 * here one at a time. Returns QEMU's wait status, or -1 when it had to be
 * stopped (why is then said, and *status set).
 */
static int wait_vm(struct vm_wait *w, int *status)
{
	sigset_t set;
	int ws;

	sigemptyset(&set);
	for (int i = 0; i < 4; i++)
		sigaddset(&set, (int[]){ SIGCHLD, SIGTERM, SIGINT, SIGHUP }[i]);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		pid_t r = waitpid(w->pid, &ws, WNOHANG);
		if (r == w->pid)
			return ws;
		if (r < 0 && errno != EINTR)
			die("waitpid: %s", strerror(errno));
		double deadline = first_deadline(w), left = deadline - now_ms();
		if (deadline && left <= 0)
			break;
		long ms = (long)left;
		struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
		int sig = sigtimedwait(&set, NULL, deadline ? &ts : NULL);
		if (sig == SIGUSR1) {
			request_trace();
			continue;
		}
		if (sig > 0 && sig != SIGCHLD && stop_asked(w, sig)) {
			*status = 128 + SIGKILL;
			goto stop;
		}
	}
	if (w->timeout_at && now_ms() >= w->timeout_at) {
		warnx_("the VM did not finish within %g s; stopped it", w->c->timeout);
		*status = ALTO_EXIT_TIMEOUT;
	} else {
		warnx_("the program did not end within %g s of SIGTERM (after %s); stopped the VM",
		       w->c->stop_timeout, strsignal(w->stop_signal));
		*status = 128 + SIGKILL;
	}
stop:
	kill(w->pid, SIGKILL);
	waitpid(w->pid, &ws, 0);
	return -1;
}

/*
 * Split streams: our stdout kept for QEMU past the dup2 that makes its
 * stdout our stderr. QEMU opens both again in append mode; where they are
 * regular files ours are put in append mode too, else writes at their
 * shared offset (the serial console's, the shell's after us) would land on
 * what QEMU appended.
 */
static void append_if_file(int fd)
{
	struct stat st;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_APPEND);
}

static int streams_prepare(void)
{
	int out = dup(STDOUT_FILENO);

	if (out < 0)
		die("dup: %s", strerror(errno));
	append_if_file(STDOUT_FILENO);
	append_if_file(STDERR_FILENO);
	return out;
}

/* --log FILE, made empty (created) before QEMU starts: -1 without --log. */
static int open_log(const struct vm_config *c)
{
	if (!c->log || c->dry_run)
		return -1;
	int fd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die("--log %s: %s", c->log, strerror(errno));
	return fd;
}

int vm_boot(const struct vm_config *c)
{
	const char *accel = strcmp(c->accel, "auto") ? c->accel : vm_pick_accel();
	struct argv_builder b = { .n = 0 };
	struct vm_fds fds = { .status = temp_file("status"), .out = -1 };
	int stop[2];

	if (pipe(stop))
		die("cannot make a pipe: %s", strerror(errno));
	fds.stop_in = stop[0];
	fds.stop_out = stop[1];
	fcntl(fds.stop_out, F_SETFD, FD_CLOEXEC);
	if (!initrd_fits(c))
		return ALTO_EXIT_TOO_BIG;
	if (c->split_streams)
		fds.out = streams_prepare();
	int log = open_log(c);
	build_args(&b, c, accel, &fds);
	if (c->verbose || c->dry_run)
		print_command(&b);
	if (c->dry_run)
		return 0;

	sigset_t block, old;
	sigemptyset(&block);
	for (int i = 0; i < 4; i++)
		sigaddset(&block, (int[]){ SIGCHLD, SIGTERM, SIGINT, SIGHUP }[i]);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGPIPE, SIG_IGN); /* a stop request to a QEMU that is gone: EPIPE */

	double start = now_ms();
	volumes_start(c);
	struct vm_wait w = { .pid = start_qemu(c, b.args, &old, log),
			     .c = c,
			     .stop_fd = fds.stop_out };
	close(fds.stop_in);
	if (log >= 0)
		close(log);
	if (w.pid > 0 && c->split_streams && !c->uefi_code)
		console_watch_readers(fds.stop_out);
	if (w.pid < 0) {
		warnx_("cannot run QEMU (%s): %s; install qemu-system-x86, or set ALTO_QEMU",
		       b.args[0], strerror(errno));
		return ALTO_EXIT_NO_QEMU;
	}
	if (c->timeout)
		w.timeout_at = start + c->timeout * 1e3;
	int status = 0, ws = wait_vm(&w, &status);
	if (ws == -1)
		return status;
	if (c->verbose)
		warnx_("QEMU ran for %.0f ms", now_ms() - start);
	return exit_status(ws, fds.status, c->verbose);
}
