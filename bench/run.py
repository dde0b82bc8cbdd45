#!/usr/bin/python3
"""Alto side by side with a Linux guest on the same QEMU.

Runs the benchmark program (bench/bench.c) natively, in Alto and in a Linux
guest (Debian's cloud kernel with an initramfs built here), then measures the
whole VMs from the host: time to the first line and to QEMU's exit for a
static hello, the smallest memory that runs it, kernel and image sizes.
Prints one Markdown table and writes it with a CSV into build/bench/.

Both guests boot with the same QEMU command: the one `alto run --dry-run`
prints, with the kernel, initrd and command line swapped for Linux. The
machine is shared and noisy, so Alto and Linux runs alternate and the table
gives ratios, which hold better than absolute times.

The network figures (bench/net.py: redis, nginx, a TCP stream, TCP and UDP
round trips) give both guests the same NIC and host side, through a tap
device in a network namespace and through QEMU's user networking. The
storage figures (bench/disk.py) give both the same virtio-blk disk (a 256
MiB file written, read and read at random; sqlite3 inserts) and the host's
files through virtio-fs (python3 -c pass, and its smallest -m). The stdout
figure (bench/stdout.py) streams 256 MiB out of each guest through the
virtio-serial port alto run gives the program's stdout.

usage: bench/run.py [--quick] [--only NAME,...] [-m SIZE] [-c N] [--machine M]
"""

import argparse
import csv
import datetime
import os
import re
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
ALTO = os.path.join(BUILD, "bin", "alto")
BENCH = os.path.join(OUT, "bench")
HELLO = os.path.join(OUT, "hello")
INIT = os.path.join(OUT, "init")
EMPTY = os.path.join(OUT, "empty.elf")
DATA = os.path.join(OUT, "data-1m")
# A tree of 5,066 files (tests/image/tree.py), in both guests' initrd beside the static hello.
TREE = os.path.join(OUT, "tree")
TREE_MAKER = os.path.join(ROOT, "tests", "image", "tree.py")
BUSYBOX = "/bin/busybox"
LINUX_DIR = os.path.join(OUT, "linux")
PYTHON = "/usr/bin/python3"
# Where the 1 MiB file and the static hello the process rows run sit in both guests.
GUEST_DATA = "/bench/data-1m"
GUEST_HELLO = "/bench/hello"
# Linux's command line: serial console, quiet, and a panic (out of memory in
# the bisection) reboots, which -no-reboot turns into QEMU's exit.
LINUX_APPEND = "console=ttyS0 quiet panic=-1"

# The benchmark program's figures, in its order: name, what the table says.
MICRO = [
    ("getpid", "getpid round trip (ns)"),
    ("getppid", "getppid round trip (ns)"),
    ("clock_gettime", "clock_gettime MONOTONIC (ns)"),
    ("write-devnull-1B", "write 1 B to /dev/null (ns)"),
    ("open-close", "open+close of a root fs file (ns)"),
    ("read-1MiB", "read 1 MiB from a root fs file (ns)"),
    ("mmap-touch-4KiB", "mmap+touch+munmap 4 KiB (ns)"),
    ("mmap-touch-1MiB", "mmap+touch+munmap 1 MiB (ns)"),
    ("mmap-10k-areas", "mmap+munmap 4 KiB, 10,000 areas (ns)"),
    ("thread-create-join", "pthread create+join (ns)"),
    ("futex-pingpong", "futex ping-pong round trip (ns)"),
    ("pipe-pingpong", "pipe ping-pong round trip (ns)"),
    ("context-switch", "sched_yield switch, 1 CPU (ns)"),
    ("epoll-1-of-100", "epoll_wait, 1 ready of 100 pipes (ns)"),
    ("eventfd-pingpong", "eventfd ping-pong round trip (ns)"),
    ("unix-pingpong", "AF_UNIX stream ping-pong round trip (ns)"),
    ("unix-1MiB", "AF_UNIX stream, 1 MiB to a reader (ns)"),
    ("fork-exit-wait", "fork+exit+wait (ns)"),
    ("vfork-exec-wait", "vfork+execve+wait of a static hello (ns)"),
    ("posix-spawn-wait", "posix_spawn+wait of a static hello (ns)"),
    ("pipe-pingpong-procs", "pipe ping-pong between two processes (ns)"),
]
WHOLE = ["boot", "memory", "size", "trace", "net", "disk", "virtiofs", "stdout", "insns"]
# The kernel whose entry returns at once for bench.c's bare-syscall (make
# kernel-bare): the floor of a system call's round trip, beside getpid.
BARE_KERNEL = os.path.join(BUILD, "alto-bare.elf")
# What the instruction counts (bench/insns.py) cover: benchmark, kernel.
INSNS = [("bare-syscall", BARE_KERNEL), ("getpid", None), ("write-devnull-1B", None)]
# The kernel built without tracepoints (make kernel-notrace), for "trace".
NOTRACE_KERNEL = os.path.join(BUILD, "notrace", "alto.elf")
# What the trace figure times, and the tracepoints it turns on for its last row.
TRACE_MICRO = ["getpid", "write-devnull-1B"]
TRACE_ON = "sys_enter_getpid,sys_exit_getpid,sys_enter_write,sys_exit_write"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(argv, **kw):
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kw)


def quote(argv):
    """A command as one shell line, with paths under the tree made relative."""
    return " ".join(shlex.quote(a.replace(ROOT + "/", "")) for a in argv)


def host_tsc_khz():
    """The TSC rate a TCG guest sees: the host's.

    Linux calibrates its TSC against the PIT, the HPET or the ACPI PM timer;
    microvm has only the PIT, and under TCG on a loaded host that calibration
    fails and Linux hangs for good (4 boots in 5 at a load of 5). Telling it
    the rate (tsc_early_khz=) makes every boot work; under KVM it is unused.
    With tsc=reliable, a late timer interrupt on that loaded host cannot make
    the clocksource watchdog drop the TSC for jiffies, which would falsify
    the guest's own timings.
    """
    with open("/proc/cpuinfo") as f:
        m = re.search(r"cpu MHz\s*:\s*([0-9.]+)", f.read())
    return int(float(m.group(1)) * 1000) if m else None


# ---------------------------------------------------------------------------
# The Linux guest: Debian's kernel and initramfs images made here.

def linux_kernel():
    """Download Debian's cloud kernel once and unpack it (not install it)."""
    vmlinuz = os.path.join(LINUX_DIR, "vmlinuz")
    if os.path.exists(vmlinuz):
        return vmlinuz
    os.makedirs(LINUX_DIR, exist_ok=True)
    pkg = None
    for attempt in range(2):
        deps = subprocess.run(["apt-cache", "depends", "linux-image-cloud-amd64"],
                              capture_output=True, text=True).stdout
        pkg = re.search(r"Depends: (linux-image-[0-9]\S*)", deps)
        if pkg or attempt:
            break
        log("bench: apt-get update (apt knows no linux-image-cloud-amd64 yet)")
        subprocess.run(["apt-get", "update", "-q"], capture_output=True)
    if not pkg:
        sys.exit("bench: no linux-image-cloud-amd64 in Debian's archive: cannot boot the Linux guest")
    log(f"bench: downloading {pkg.group(1)}")
    run(["apt-get", "download", pkg.group(1)], cwd=LINUX_DIR)
    deb = [f for f in os.listdir(LINUX_DIR) if f.endswith(".deb")][0]
    root = os.path.join(LINUX_DIR, "root")
    run(["dpkg-deb", "-x", os.path.join(LINUX_DIR, deb), root])
    boot = os.path.join(root, "boot")
    image = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")][0]
    with open(os.path.join(LINUX_DIR, "version"), "w") as f:
        f.write(deb.split("_")[1] + " (" + image[len("vmlinuz-"):] + ")\n")
    shutil.copy(os.path.join(boot, image), vmlinuz)
    return vmlinuz


def linux_version():
    with open(os.path.join(LINUX_DIR, "version")) as f:
        return f.read().strip()


def vmlinux_from_bzimage(vmlinuz):
    """The uncompressed kernel inside a bzImage, for its section sizes.

    The boot protocol's header gives the compressed payload's place; Debian
    compresses it with lz4 (legacy frames, then 4 bytes of size that lz4
    does not expect).
    """
    vmlinux = os.path.join(LINUX_DIR, "vmlinux")
    if os.path.exists(vmlinux):
        return vmlinux
    with open(vmlinuz, "rb") as f:
        data = f.read()
    setup_sects = data[0x1F1] or 4
    offset, length = struct.unpack_from("<II", data, 0x248)
    start = (setup_sects + 1) * 512 + offset
    payload = data[start:start + length - 4]
    if payload[:4] != b"\x02\x21\x4c\x18":
        return None
    with open(vmlinux, "wb") as f:
        subprocess.run(["lz4", "-dc"], input=payload, stdout=f, check=True)
    return vmlinux


def cpio_newc(path, entries):
    """Write a cpio newc archive: entries are (name, mode, data, rdev)."""
    def pad(n):
        return b"\0" * (-n % 4)

    with open(path, "wb") as f:
        for ino, (name, mode, data, rdev) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))], 1):
            bname = name.encode() + b"\0"
            fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(bname), 0]
            head = b"070701" + b"".join(b"%08x" % v for v in fields)
            f.write(head + bname + pad(len(head) + len(bname)) + data + pad(len(data)))


def linux_initramfs(path, files):
    """An initramfs with /init, the device nodes the programs need, and files.

    files maps a guest path to the host file to copy there.
    """
    entries = [("dev", 0o40755, b"", (0, 0)),
               ("dev/console", 0o20600, b"", (5, 1)),
               ("dev/null", 0o20666, b"", (1, 3))]
    dirs = {"dev"}
    for guest, host in sorted({"/init": INIT, **files}.items()):
        parts = guest.strip("/").split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.add(d)
                entries.append((d, 0o40755, b"", (0, 0)))
        with open(host, "rb") as f:
            entries.append(("/".join(parts), 0o100755, f.read(), (0, 0)))
    cpio_newc(path, entries)
    return path


def python_files():
    """What `python3 -c pass` loads: the interpreter, its libraries and the
    modules of its start-up (with their cached bytecode)."""
    files = {PYTHON: os.path.realpath(PYTHON)}
    for line in run(["ldd", PYTHON]).stdout.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            files[m.group(1)] = os.path.realpath(m.group(1))
    code = ("import sys, importlib.util as u\n"
            "for m in list(sys.modules.values()):\n"
            "    f = getattr(m, '__file__', None)\n"
            "    if f: print(f); print(u.cache_from_source(f))\n")
    loaded = run([PYTHON, "-c", code]).stdout.split()
    for f in loaded:
        if os.path.exists(f):
            files[f] = os.path.realpath(f)
    return files


# ---------------------------------------------------------------------------
# Running the guests.

class Machine:
    """The QEMU command both guests share, from Alto's own dry run."""

    def __init__(self, args):
        self.memory, self.cpus, self.machine = args.memory, args.cpus, args.machine
        self.status = os.path.join(OUT, "alto-status")

    def alto_run_args(self):
        # No NIC for the figures that do not use one: the Linux guest has no
        # driver for it loaded, and Alto would wait for DHCP. The network
        # figures (bench/net.py) give both guests theirs.
        return [ALTO, "run", "-m", self.memory, "-c", str(self.cpus),
                "--machine", self.machine, "--net", "none"]

    def alto_qemu(self, image, program):
        """Alto's QEMU command for `alto run PROGRAM ARGS`, its image kept in image."""
        p = run(self.alto_run_args() + ["--dry-run", "--keep-image", image] + program)
        out = p.stdout + p.stderr  # the command goes to stderr
        argv = shlex.split(out.strip().splitlines()[-1])
        for i, a in enumerate(argv):
            if a.startswith("file,id=altostatus,path="):
                old = a.split("path=", 1)[1]
                if os.path.exists(old):
                    os.unlink(old)
                argv[i] = "file,id=altostatus,path=" + self.status
            # The program's stdout and stderr ports (a dry run's /dev/fd/N
            # are the tool's): QEMU's stdout, with the console, as before.
            if a.startswith(("file,id=altoout,", "file,id=altoerr,")):
                argv[i] = re.sub(r"path=/dev/fd/\d+", "path=/dev/fd/1", a)
        # The tool's stop-request pipe is the tool's too: no stop requests here.
        return [a for i, a in enumerate(argv) if "altostop" not in a and
                not (i + 1 < len(argv) and "altostop" in argv[i + 1])]

    def linux_qemu(self, alto_argv, initrd, program_args):
        """The same command with Linux, its initramfs and init's arguments."""
        append = LINUX_APPEND
        if host_tsc_khz():
            append += f" tsc_early_khz={host_tsc_khz()} tsc=reliable"
        # Alto's exit status port goes: Linux's /init prints the status.
        return with_kernel(alto_argv, linux_kernel(), ["-initrd", initrd, "-append",
                           append + " -- " + " ".join(program_args)], drop="altostatus")

    def accel(self, argv):
        return argv[argv.index("-accel") + 1] if "-accel" in argv else "?"


def with_kernel(argv, kernel, extra, drop=None):
    """argv with another kernel and its initrd and command line (extra), and
    without the -chardev and -device options that name drop."""
    out, skip = [], False
    for i, a in enumerate(argv):
        if skip:
            skip = False
            continue
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if (drop and a in ("-chardev", "-device") and drop in nxt) or \
                a in ("-kernel", "-initrd", "-append"):
            skip = True
        else:
            out.append(a)
    return out + ["-kernel", kernel] + extra


def set_memory(argv, memory):
    argv = list(argv)
    argv[argv.index("-m") + 1] = memory
    return argv


def run_timed(argv, first, timeout):
    """Run argv, its output read line by line: (lines, seconds to the first
    line equal to first, seconds to exit, exit code)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, bufsize=0)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    lines, t_first = [], None
    for raw in proc.stdout:
        line = raw.decode(errors="replace").rstrip("\r\n")
        if t_first is None and line == first:
            t_first = time.monotonic() - start
        lines.append(line)
    code = proc.wait()
    t_exit = time.monotonic() - start
    timer.cancel()
    return lines, t_first, t_exit, code


def alto_status(code, status_file):
    """Alto's exit status: from the status port, else from isa-debug-exit."""
    try:
        with open(status_file) as f:
            m = re.search(r"ALTO-EXIT (\d+)", f.read())
            if m:
                return int(m.group(1))
    except OSError:
        pass
    # QEMU's own failure is 1, which isa-debug-exit would read as status 0.
    return code >> 1 if code & 1 and code > 1 else -1


def linux_status(lines):
    for line in lines:
        m = re.match(r"bench-init: exit status (\d+)", line)
        if m:
            return int(m.group(1))
    return -1


def add_samples(samples, output, status, who, errors):
    """Add the benchmark program's "name ns" lines to samples (name -> list)."""
    names = {name for name, _ in MICRO} | {"bare-syscall"}
    for line in output.splitlines():
        m = re.match(r"^(\S+)\s+([0-9.]+)$", line.strip())
        if m and m.group(1) in names:
            samples.setdefault(m.group(1), []).append(float(m.group(2)))
    if status != 0:
        log(f"bench: the benchmark program failed in {who} (status {status}):\n{errors[-600:]}")


# ---------------------------------------------------------------------------
# The figures. Each adds rows: figure -> {alto, linux, native, command}, and
# the exact commands to the list printed under the table.

class Results:
    def __init__(self, args):
        self.rows, self.commands = [], []
        self.tables = []  # (title, Markdown lines) printed under the main table
        # The options of this run that differ from the defaults, so that the
        # command column reruns the figure as it was measured.
        self.options = "".join([" --quick" if args.quick else "",
                                f" -m {args.memory}" if args.memory != "256M" else "",
                                f" -c {args.cpus}" if args.cpus != 1 else "",
                                f" --machine {args.machine}" if args.machine != "microvm" else ""])

    def add(self, figure, alto, linux, native, only, fmt="{:.1f}", ratio=True):
        self.rows.append(dict(figure=figure, alto=alto, linux=linux, native=native, fmt=fmt,
                              ratio=ratio, command=f"bench/run.py --only {only}{self.options}"))

    def command(self, what, argv):
        self.commands.append((what, argv if isinstance(argv, str) else quote(argv)))


def micro(args, vm, res, names):
    bench_args = (["-q"] if args.quick else []) + names
    data = ["-f", GUEST_DATA, "-x", GUEST_HELLO] + bench_args
    native = [BENCH, "-f", DATA, "-x", HELLO] + bench_args
    alto = vm.alto_run_args() + ["--timeout", "900", "--add", f"{DATA}:{GUEST_DATA}",
                                 "--add", f"{HELLO}:{GUEST_HELLO}", BENCH] + data
    initrd = linux_initramfs(os.path.join(OUT, "linux-bench.cpio"),
                             {"/bench/bench": BENCH, GUEST_DATA: DATA, GUEST_HELLO: HELLO})
    hello_argv = vm.alto_qemu(os.path.join(OUT, "hello.img"), [HELLO])
    linux = vm.linux_qemu(hello_argv, initrd, ["/bench/bench"] + data)

    got = {k: {} for k in ("alto", "linux", "native")}
    for r in range(args.rounds):
        log(f"bench: benchmark program, round {r + 1} of {args.rounds}: native, Alto, Linux")
        p = subprocess.run(native, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        add_samples(got["native"], p.stdout, p.returncode, "native", p.stderr)
        p = subprocess.run(alto, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        add_samples(got["alto"], p.stdout, p.returncode, "Alto", p.stderr)
        lines, _, _, _ = run_timed(linux, None, 900)
        add_samples(got["linux"], "\n".join(lines), linux_status(lines), "Linux guest",
                    "\n".join(lines[-10:]))

    def median(kind, name):
        samples = got[kind].get(name)
        return statistics.median(samples) if samples else None

    for name, figure in MICRO:
        if name in (names or [n for n, _ in MICRO]):
            res.add(figure, median("alto", name), median("linux", name), median("native", name),
                    name)
    if not names or "getpid" in names:
        bare_round_trip(args, vm, res, data)
    res.command("benchmark program, native", native)
    res.command("benchmark program, Alto", alto)
    res.command("benchmark program, Linux guest", linux)


def bare_round_trip(args, vm, res, data):
    """The floor: bench.c's bare-syscall on the bench kernel, with getpid in
    the same VM run, so that their ratio holds whatever the host's load."""
    bare = vm.alto_run_args() + ["--timeout", "900", "--kernel", BARE_KERNEL, BENCH] + \
        (["-q"] if args.quick else []) + ["bare-syscall", "getpid"]
    got = {}
    for r in range(args.rounds):
        log(f"bench: bare system call and getpid on {BARE_KERNEL}, round {r + 1} of {args.rounds}")
        p = subprocess.run(bare, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        add_samples(got, p.stdout, p.returncode, "Alto (bench kernel)", p.stderr)
    ratios = [g / b for g, b in zip(got.get("getpid", []), got.get("bare-syscall", []))]
    med = lambda v: statistics.median(v) if v else None  # noqa: E731
    res.add("bare syscall round trip, bench kernel (ns)", med(got.get("bare-syscall")), None,
            None, "getpid", ratio=False)
    res.add("getpid / bare syscall, same VM (x)", med(ratios), None, None, "getpid",
            fmt="{:.2f}", ratio=False)
    res.command("bare system call and getpid, Alto's bench kernel (make kernel-bare)", bare)


def insns(args, vm, res):
    """Kernel instructions per call, counted by QEMU (bench/insns.py)."""
    import insns as counter  # bench/insns.py
    for name, kernel in INSNS:
        n, blocks, _, _ = counter.per_call(vm, kernel or os.path.join(BUILD, "alto.elf"), name)
        res.add(f"kernel instructions (blocks) per {name}", f"{n:.0f} ({blocks:.0f})", None,
                None, "insns", ratio=False)
    res.command("kernel instructions", "bench/insns.py getpid write-devnull-1B; "
                "bench/insns.py --kernel build/alto-bare.elf bare-syscall")


def tree_files():
    """The 5,000-file tree, made once: {guest path: host path} of its regular files."""
    if not os.path.isdir(TREE):
        run([sys.executable, TREE_MAKER, "make", TREE])
    files = {}
    for dirpath, _, names in os.walk(TREE):
        for name in names:
            host = os.path.join(dirpath, name)
            if os.path.isfile(host) and not os.path.islink(host):
                files["/tree/" + os.path.relpath(host, TREE)] = host
    return files


def boot(args, vm, res):
    """Start to first line and to exit for a static hello, alternating; the
    same with 5,000 more files in the initrd."""
    alto = vm.alto_qemu(os.path.join(OUT, "hello.img"), [HELLO])
    initrd = linux_initramfs(os.path.join(OUT, "linux-hello.cpio"), {"/bench/hello": HELLO})
    linux = vm.linux_qemu(alto, initrd, ["/bench/hello"])
    empty = with_kernel(alto, EMPTY, [], drop="altostatus")
    tree = tree_files()
    alto_tree = vm.alto_qemu(os.path.join(OUT, "tree.img"), ["--add", f"{TREE}:/tree", HELLO])
    tree_initrd = linux_initramfs(os.path.join(OUT, "linux-tree.cpio"),
                                  {"/bench/hello": HELLO, **tree})
    linux_tree = vm.linux_qemu(alto, tree_initrd, ["/bench/hello"])
    kinds = ("alto", "linux", "native", "empty", "alto-tree", "linux-tree")
    times = {k: ([], []) for k in kinds}
    for i in range(args.runs):
        log(f"bench: boot time, run {i + 1} of {args.runs}")
        for key, argv, timeout in (("alto", alto, 60), ("linux", linux, 120),
                                   ("native", [HELLO], 10), ("empty", empty, 60),
                                   ("alto-tree", alto_tree, 60), ("linux-tree", linux_tree, 120)):
            if key.startswith("alto") and os.path.exists(vm.status):
                os.unlink(vm.status)
            lines, t_first, t_exit, code = run_timed(argv, "hello", timeout)
            status = {"alto": alto_status(code, vm.status), "linux": linux_status(lines),
                      "native": code, "empty": code - 1}[key.split("-")[0]]
            if key == "empty":
                t_first = t_exit  # prints nothing: only its exit counts
            if t_first is None or status != 0:
                log(f"bench: {key} hello failed (status {status}): " + " | ".join(lines[-5:]))
                continue
            times[key][0].append(t_first * 1000)
            times[key][1].append(t_exit * 1000)

    def spread(samples):
        if not samples:
            return None
        return (statistics.median(samples), min(samples), max(samples))

    runs = f"median [min-max] of {args.runs}"
    floor = spread(times["empty"][1])
    res.add(f"QEMU's floor, the same for both: empty PVH kernel, start to exit (ms, {runs})",
            floor, floor, None, "boot", ratio=False)
    for j, what in enumerate(("first line", "exit")):
        res.add(f"static hello: start to {what} (ms, {runs})",
                *(spread(times[k][j]) for k in ("alto", "linux", "native")), "boot")
    above = [spread(times[k][0])[0] - floor[0] if floor and times[k][0] else None
             for k in ("alto", "linux")]
    res.add("static hello: first line above the floor (ms, medians)", *above, None, "boot")
    res.add(f"static hello, initrd with 5,000 more files: start to first line (ms, {runs})",
            *(spread(times[k][0]) for k in ("alto-tree", "linux-tree")), None, "boot")
    extra = [spread(times[k + "-tree"][0])[0] - spread(times[k][0])[0]
             if times[k + "-tree"][0] and times[k][0] else None for k in ("alto", "linux")]
    res.add("initrd with 5,000 more files: first line later by (ms, medians)", *extra, None,
            "boot")
    res.command("static hello, Alto (QEMU directly; as `alto run` starts it)", alto)
    res.command("static hello, Linux guest", linux)
    res.command("static hello, native", [HELLO])
    res.command("static hello and 5,000 files (tests/image/tree.py), Alto", alto_tree)
    res.command("static hello and 5,000 files, Linux guest", linux_tree)
    res.command("empty PVH kernel (bench/empty.S; QEMU exits with 1)", empty)


def trace_overhead(args, vm, res):
    """Tracepoints compiled in and off against a kernel without them, and on,
    in one run, the three alternating (docs/tracing.md; goal: within 2%)."""
    bench = [BENCH] + (["-q"] if args.quick else []) + TRACE_MICRO
    trace_file = os.path.join(OUT, "trace-bench.bin")
    kernels = {
        "none": ["--kernel", NOTRACE_KERNEL],
        "off": [],
        "on": [f"--trace={TRACE_ON}", "--trace-file", trace_file],
    }
    got = {k: {} for k in kernels}
    # A 2% question on a noisy machine: more rounds than the other figures,
    # and the fastest run of each kernel (the least disturbed) compared too.
    rounds = 2 if args.quick else 9
    for r in range(rounds):
        log(f"bench: tracepoints, round {r + 1} of {rounds}: none, off, on")
        for kind, extra in kernels.items():
            argv = vm.alto_run_args() + extra + ["--timeout", "900"] + bench
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            add_samples(got[kind], p.stdout, p.returncode, f"Alto ({kind})", p.stderr)
    def spread(kind, name):
        s = got[kind].get(name)
        return (statistics.median(s), min(s), max(s)) if s else None

    runs = f"median [min-max] of {rounds}"
    for name, figure in MICRO:
        if name not in TRACE_MICRO:
            continue
        none, off, on = (spread(k, name) for k in ("none", "off", "on"))
        base = figure.replace(" (ns)", "")
        res.add(f"{base}: kernel without tracepoints (ns, {runs})", none, None, None, "trace",
                ratio=False)
        res.add(f"{base}: tracepoints compiled in, all off (ns, {runs})", off, None, None,
                "trace", ratio=False)
        ratios = "–" if not (off and none) else \
            f"{off[1] / none[1]:.3f} fastest, {off[0] / none[0]:.3f} medians"
        res.add(f"{base}: compiled in and off / without (goal <= 1.02)", ratios, None, None,
                "trace", ratio=False)
        res.add(f"{base}: with its own system call's tracepoints on (ns, {runs})", on, None,
                None, "trace", ratio=False)
    for kind, extra in kernels.items():
        res.command(f"benchmark program, Alto, tracepoints {kind}",
                    vm.alto_run_args() + extra + ["--timeout", "900"] + bench)


def guest_ok(vm, kind, argv, timeout):
    """Did the guest's program exit with status 0? And how long it took."""
    if kind == "alto" and os.path.exists(vm.status):
        os.unlink(vm.status)
    lines, _, t_exit, code = run_timed(argv, None, timeout)
    status = alto_status(code, vm.status) if kind == "alto" else linux_status(lines)
    return status == 0, t_exit


def min_memory(vm, kind, argv, step, top=256):
    """Bisection on QEMU's -m (MiB) down to step: the smallest that works.

    A guest short of memory may hang instead of failing (Linux does, in its
    decompressor), so each try has a time limit of 4 times a good run.
    """
    ok, t = guest_ok(vm, kind, set_memory(argv, f"{top}M"), 300)
    if not ok:
        log(f"bench: {kind} fails even with -m {top}M")
        return None
    timeout = max(10, 4 * t)
    lo, hi = 0, top  # lo fails (no memory at all), hi works
    while hi - lo > step:
        mid = (lo + hi) // 2
        ok, _ = guest_ok(vm, kind, set_memory(argv, f"{mid}M"), timeout)
        log(f"bench: {kind} -m {mid}M: {'runs' if ok else 'fails'}")
        lo, hi = (lo, mid) if ok else (mid, hi)
    return hi


def python_time(args, vm, res, alto_argv, linux_argv):
    """`python3 -c pass` from QEMU start to exit, median of the runs, both guests."""
    times = {"alto": [], "linux": []}
    for i in range(args.runs):
        for key, argv in (("alto", alto_argv), ("linux", linux_argv)):
            if not argv:
                continue
            if key == "alto" and os.path.exists(vm.status):
                os.unlink(vm.status)
            lines, _, t_exit, code = run_timed(argv, None, 120)
            ok = alto_status(code, vm.status) == 0 if key == "alto" else linux_status(lines) == 0
            if ok:
                times[key].append(t_exit * 1000)
    med = {k: (statistics.median(v), min(v), max(v)) if v else None for k, v in times.items()}
    res.add(f"python3 -c pass: start to exit (ms, median [min-max] of {args.runs})",
            med["alto"] or "not yet", med["linux"], None, "memory")
    if alto_argv:
        res.command("python3 -c pass, Alto (QEMU directly; as `alto run` starts it)", alto_argv)
    res.command("python3 -c pass, Linux guest", linux_argv)


def memory(args, vm, res):
    """The smallest memory, through QEMU directly for both guests (alto run
    itself refuses less than 16M, which would hide the kernel's real need)."""
    step = 4 if args.quick else 1
    alto = vm.alto_qemu(os.path.join(OUT, "hello.img"), [HELLO])
    initrd = linux_initramfs(os.path.join(OUT, "linux-hello.cpio"), {"/bench/hello": HELLO})
    linux = vm.linux_qemu(alto, initrd, ["/bench/hello"])
    unit = "MiB" if step == 1 else f"MiB, to {step} MiB"
    res.add(f"smallest -m for a static hello ({unit})", min_memory(vm, "alto", alto, step),
            min_memory(vm, "linux", linux, step), None, "memory", "{}")
    res.command("memory, Alto (bisection on N)", set_memory(alto, "NM"))
    res.command("memory, Linux guest (bisection on N)", set_memory(linux, "NM"))

    py = [PYTHON, "-c", "pass"]
    # Alto's image gets the whole standard library directory, as a user adds
    # it (77 MB here); Linux's initramfs only the files python3 -c pass loads.
    py_files = python_files()
    stdlib = run([PYTHON, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"]).stdout.strip()
    py_alto = ["--add", stdlib] + py
    alto_py, alto_argv = "not yet", None
    try_alto = vm.alto_run_args() + ["--timeout", "120"] + py_alto
    if subprocess.run(try_alto, stdin=subprocess.DEVNULL, capture_output=True).returncode == 0:
        alto_argv = vm.alto_qemu(os.path.join(OUT, "python.img"), py_alto)
        alto_py = min_memory(vm, "alto", alto_argv, step)
        res.command("memory, python3, Alto (bisection on N)", set_memory(alto_argv, "NM"))
    else:
        log(f"bench: `{quote(try_alto)}` fails: python3 in Alto is not there yet")
        res.command("python3 in Alto (fails: not yet)", try_alto)
    py_initrd = linux_initramfs(os.path.join(OUT, "linux-python.cpio"), py_files)
    linux_py = vm.linux_qemu(alto, py_initrd, py)
    res.add(f"smallest -m for python3 -c pass ({unit})", alto_py,
            min_memory(vm, "linux", linux_py, step), None, "memory", "{}")
    python_time(args, vm, res, alto_argv, linux_py)
    res.command("memory, python3, Linux guest (bisection on N)", set_memory(linux_py, "NM"))


def sizes(args, vm, res):
    def sections(elf):
        out = run(["size", elf]).stdout.splitlines()[1].split()
        return [int(x) for x in out[:3]]

    kernel = os.path.join(BUILD, "alto.elf")
    vmlinuz = linux_kernel()
    vmlinux = vmlinux_from_bzimage(vmlinuz)
    alto_s = sections(kernel)
    linux_s = sections(vmlinux) if vmlinux else [None] * 3
    for i, part in enumerate(("text", "data", "bss")):
        res.add(f"kernel {part} (KiB)", alto_s[i] / 1024,
                linux_s[i] / 1024 if linux_s[i] is not None else None, None, "size", "{:.0f}")
    stripped = os.path.join(OUT, "alto-stripped.elf")
    run(["strip", "-o", stripped, kernel])
    kib = lambda p: os.path.getsize(p) / 1024  # noqa: E731
    res.add("kernel file as booted (KiB)", kib(kernel), kib(vmlinuz), None, "size", "{:.0f}")
    res.add("kernel file, stripped (KiB)", kib(stripped), kib(vmlinuz), None, "size", "{:.0f}")
    img = os.path.join(OUT, "hello.img")
    vm.alto_qemu(img, [HELLO])
    initrd = linux_initramfs(os.path.join(OUT, "linux-hello.cpio"), {"/bench/hello": HELLO})
    res.add("image for a static hello (KiB)", kib(img), kib(initrd), kib(HELLO), "size", "{:.0f}")
    res.add("stripped kernel + hello image (KiB)", kib(stripped) + kib(img),
            kib(vmlinuz) + kib(initrd), None, "size", "{:.0f}")
    import kernel_size  # bench/kernel_size.py: the linker map per subsystem
    res.tables.append(("The default kernel per subsystem (KiB), from the linker map "
                       "(bench/kernel_size.py build/alto.map):",
                       kernel_size.table(os.path.join(BUILD, "alto.map"))))
    res.command("sizes", f"size build/alto.elf; strip -o build/bench/alto-stripped.elf build/alto.elf; "
                f"size {quote([vmlinux or '?'])} (lz4 payload of the bzImage); "
                "ls -l build/bench/hello.img build/bench/linux-hello.cpio build/bench/linux/vmlinuz")


# ---------------------------------------------------------------------------
# The table.

def cell(value, fmt):
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        med, lo, hi = value
        return f"{fmt.format(med)} [{fmt.format(lo)}-{fmt.format(hi)}]"
    return fmt.format(value)


def ratio(row):
    if not row["ratio"]:
        return "–"
    alto, linux = row["alto"], row["linux"]
    pick = lambda v: v[0] if isinstance(v, tuple) else v  # noqa: E731
    a, b = pick(alto), pick(linux)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return f"{a / b:.2f}"
    return "–"


def stamp(args, vm):
    qemu = run(["qemu-system-x86_64", "--version"]).stdout.splitlines()[0]
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"model name\s*:\s*(.*)", f.read())
        if m:
            cpu = m.group(1)
    argv = vm.alto_qemu(os.path.join(OUT, "hello.img"), [HELLO])
    git = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip()
    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("QEMU", qemu),
        ("accelerator", vm.accel(argv)),
        ("host CPU", f"{cpu}, {os.cpu_count()} CPUs"),
        ("guests", f"-M {vm.machine} -cpu {argv[argv.index('-cpu') + 1]} -m {vm.memory} "
                   f"-smp {vm.cpus}"),
        ("Linux guest", f"Debian linux-image-cloud-amd64 {linux_version()}, bzImage, "
                        f"initramfs (cpio newc) with bench/init.c as /init; "
                        f"append '{LINUX_APPEND} tsc_early_khz={host_tsc_khz()} tsc=reliable'"),
        ("Alto", f"commit {git}"),
        ("mode", ("quick: bench -q, one run of it per system" if args.quick else
                  f"full: the median of {args.rounds} runs of the benchmark program per system")
         + "; the systems alternate"),
    ]


def write_table(args, vm, res):
    head = stamp(args, vm)
    md = [f"- {k}: {v}" for k, v in head] + [""]
    md += ["| figure | Alto | Linux guest | native | Alto/Linux | command |",
           "| --- | ---: | ---: | ---: | ---: | --- |"]
    for r in res.rows:
        md.append(f"| {r['figure']} | {cell(r['alto'], r['fmt'])} | {cell(r['linux'], r['fmt'])} "
                  f"| {cell(r['native'], r['fmt'])} | {ratio(r)} "
                  f"| `{r['command']}` |")
    for title, lines in res.tables:
        md += ["", title, ""] + lines
    md += ["", "Commands behind the figures:", ""]
    md += [f"- {what}:\n  `{cmd}`" for what, cmd in res.commands]
    text = "\n".join(md) + "\n"

    when = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = os.path.join(OUT, f"results-{when}")
    with open(base + ".md", "w") as f:
        f.write(text)
    with open(base + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        for k, v in head:
            w.writerow(["#", k, v])
        w.writerow(["figure", "alto", "linux", "native", "alto_over_linux", "command"])
        for r in res.rows:
            w.writerow([r["figure"], cell(r["alto"], r["fmt"]), cell(r["linux"], r["fmt"]),
                        cell(r["native"], r["fmt"]), ratio(r), r["command"]])
        for what, cmd in res.commands:
            w.writerow(["#", what, cmd])
    for ext in (".md", ".csv"):
        shutil.copy(base + ext, os.path.join(OUT, "latest" + ext))
    print(text)
    log(f"bench: written to {base}.md and .csv (also build/bench/latest.*)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the iterations, 5 boots")
    ap.add_argument("--only", default="", help="comma-separated figures: benchmark names, "
                    + ", ".join(WHOLE))
    ap.add_argument("-m", "--memory", default="256M", help="guest memory (default 256M)")
    ap.add_argument("-c", "--cpus", type=int, default=1, help="guest CPUs (default 1)")
    ap.add_argument("--machine", default="microvm", help="microvm (default) or q35")
    ap.add_argument("--net", default="", help="with --only net: these of its servers only "
                    "(redis,nginx,stream,tcp-rr,udp-rr)")
    ap.add_argument("--runs", type=int, help="boots per system for the boot times (>= 5)")
    args = ap.parse_args()
    args.runs = max(5, args.runs or (5 if args.quick else 11))
    args.rounds = 1 if args.quick else 3
    only = [o for o in args.only.split(",") if o]
    known = [n for n, _ in MICRO] + WHOLE
    for o in only:
        if o not in known:
            sys.exit(f"bench: no figure '{o}'; figures: {' '.join(known)}")
    for f in (ALTO, BENCH, HELLO, INIT, EMPTY, os.path.join(OUT, "netperf"),
              os.path.join(OUT, "diskbench"), BARE_KERNEL) + (
            (NOTRACE_KERNEL,) if not only or "trace" in only else ()):
        if not os.path.exists(f):
            sys.exit(f"bench: {f} is missing: run `make bench`, which builds it")

    os.makedirs(OUT, exist_ok=True)
    with open(DATA, "wb") as f:
        f.write(bytes(range(256)) * 4096)
    vm = Machine(args)
    linux_kernel()
    res = Results(args)
    names = [o for o in only if o not in WHOLE]
    if not only or names:
        micro(args, vm, res, names)
    if not only or "boot" in only:
        boot(args, vm, res)
    if not only or "memory" in only:
        memory(args, vm, res)
    if not only or "size" in only:
        sizes(args, vm, res)
    if not only or "insns" in only:
        insns(args, vm, res)
    if not only or "trace" in only:
        trace_overhead(args, vm, res)
    if not only or "net" in only:
        import net  # bench/net.py: the network figures
        net.Net(sys.modules[__name__]).run(args, vm, res)
    if not only or "stdout" in only:
        import stdout  # bench/stdout.py: the program's stdout through virtio-serial
        stdout.Stdout(sys.modules[__name__]).run(args, vm, res)
    storage = [w for w in ("disk", "virtiofs") if not only or w in only]
    if storage:
        import disk  # bench/disk.py: virtio-blk, sqlite3 and python3 through virtio-fs
        disk.Disk(sys.modules[__name__]).run(args, vm, res, storage)
    write_table(args, vm, res)
    missing = [r["figure"] for r in res.rows
               if r["alto"] is None or (r["linux"] is None and r["ratio"])]
    if missing:
        sys.exit("bench: no figure for Alto or the Linux guest in: " + "; ".join(missing))


if __name__ == "__main__":
    main()
