"""The storage figures of `make bench` (bench/run.py --only disk,virtiofs).

disk: both guests get the same virtio-blk device (the -drive and -device of
`alto run --disk`'s QEMU command) on an ext2 image made here with 4 KiB
blocks, and run bench/diskbench.c: a 256 MiB file written and fsync'ed,
read back after a fresh boot (a cold cache), and 4 KiB reads at random
places, each timed inside the guest; and sqlite3 inserting rows one
statement (one transaction, so one fsync) at a time, timed by its own
`.timer`. The Linux guest's initramfs holds busybox, the virtio modules of
Debian's cloud kernel (virtio_blk is one; ext4, which mounts ext2, is built
in) and the programs; /diskinit.sh mounts /dev/vda on /mnt and runs them.

virtiofs: `python3 -c pass` with its library read from the host through
virtio-fs, as `alto run /usr/bin/python3` runs it with no --add: the host's
/usr, /etc and /opt as three virtio-fs volumes, each served by its own
virtiofsd (started here before each boot, as alto run does). The Linux
guest gets the same devices and mounts them at the same places (fuse and
virtiofs modules). Start to exit, and the smallest -m for each.
"""

import os
import re
import shlex
import statistics
import subprocess

BUSYBOX = "/bin/busybox"
VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
SQLITE = "/usr/bin/sqlite3"
INSERTS = 300

DISKINIT = """# The Linux guest's disk set-up (bench/disk.py): modules, mount, program.
for m in {modules}; do /busybox insmod /modules/$m.ko || exit 1; done
/busybox mount -t devtmpfs devtmpfs /dev
/busybox mkdir -p /mnt /tmp
/busybox mount -t ext2 /dev/vda /mnt || exit 1
{command}
status=$?
/busybox umount /mnt
exit $status
"""

VFSINIT = """# The Linux guest's virtio-fs set-up (bench/disk.py): the host's /usr, /etc, /opt.
for m in {modules}; do /busybox insmod /modules/$m.ko || exit 1; done
/busybox mount -t devtmpfs devtmpfs /dev
/busybox mkdir -p /tmp /proc
/busybox mount -t proc proc /proc
i=0
for d in {dirs}; do /busybox mkdir -p $d; /busybox mount -t virtiofs -o ro vol$i $d || exit 1; i=$((i+1)); done
exec {command}
"""

# Start a virtiofsd per volume (socket source pairs), wait for the sockets, run QEMU.
WRAP = """#!/bin/sh
while [ "$1" != "--" ]; do
    mkdir -p "$(dirname "$1")"; rm -f "$1"
    {virtiofsd} --socket-path="$1" -o source="$2" -o cache=auto -o log_level=err 2>/dev/null &
    n=0; while [ ! -S "$1" ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done
    shift 2
done
shift
"$@"
status=$?
wait
exit $status
"""


class Disk:
    def __init__(self, ctx):
        self.ctx = ctx  # run.py's module
        self.out = os.path.join(ctx.OUT, "disk")
        os.makedirs(self.out, exist_ok=True)

    def modules(self, names):
        root = os.path.join(self.ctx.LINUX_DIR, "root", "lib", "modules")
        base = os.path.join(root, os.listdir(root)[0], "kernel")
        transport = "virtio_pci" if "q35" in self.vm.machine else "virtio_mmio"
        # virtio_ring first: virtio itself uses its virtio_break_device.
        paths = ["drivers/virtio/virtio_ring", "drivers/virtio/virtio"]
        if transport == "virtio_pci":
            paths += ["drivers/virtio/virtio_pci_legacy_dev", "drivers/virtio/virtio_pci_modern_dev"]
        paths += ["drivers/virtio/" + transport] + names
        return {os.path.basename(p): os.path.join(base, p + ".ko") for p in paths}

    def program_files(self, program):
        files = {program: os.path.realpath(program)}
        for line in subprocess.run(["ldd", program], capture_output=True, text=True).stdout.splitlines():
            m = re.search(r"(/\S+) \(0x", line)
            if m:
                files[m.group(1)] = os.path.realpath(m.group(1))
        return files

    def image(self, name):
        path = os.path.join(self.out, name)
        if os.path.exists(path):
            os.unlink(path)
        subprocess.run(["truncate", "-s", "600M", path], check=True)
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", path], check=True)
        return path

    # -- the two guests on one disk ------------------------------------------

    def commands(self, disk, program, name, extra=None):
        """QEMU's commands for both guests running program on disk (mounted at /mnt)."""
        alto = self.vm.alto_qemu(os.path.join(self.out, f"alto-{name}.img"),
                                 ["--files", "image", "--disk", f"{disk}:/mnt"] +
                                 [a for f in (extra or {}).items() for a in ("--add", f"{f[1]}:{f[0]}")]
                                 + program)
        files = {"/busybox": BUSYBOX, **(extra or {})}
        if program[0] != SQLITE:
            files[program[0]] = program[0]
        else:
            files.update(self.program_files(SQLITE))
        mods = self.modules(["drivers/block/virtio_blk"])
        files.update({f"/modules/{n}.ko": p for n, p in mods.items()})
        script = os.path.join(self.out, f"diskinit-{name}.sh")
        with open(script, "w") as f:
            f.write(DISKINIT.format(modules=" ".join(mods),
                                    command=" ".join(shlex.quote(a) for a in program)))
        files["/diskinit.sh"] = script
        initrd = self.ctx.linux_initramfs(os.path.join(self.out, f"linux-{name}.cpio"), files)
        linux = self.vm.linux_qemu(alto, initrd, ["/busybox", "sh", "/diskinit.sh"])
        return alto, linux

    def run_one(self, kind, argv, pattern):
        if kind == "alto" and os.path.exists(self.vm.status):
            os.unlink(self.vm.status)
        lines, _, _, code = self.ctx.run_timed(argv, None, 900)
        text = "\n".join(lines)
        values = [float(v) for v in re.findall(pattern, text)]
        if not values:
            self.ctx.log(f"bench: disk figure failed in {kind}: " + " | ".join(lines[-6:]))
        return values

    def disk_figures(self, args, res):
        mib = 64 if args.quick else 256
        reads = 500 if args.quick else 2000
        got = {k: {"write": [], "read": [], "rand": [], "sqlite": []} for k in ("alto", "linux")}
        prog = os.path.join(self.ctx.OUT, "diskbench")
        sql = os.path.join(self.out, "inserts.sql")
        with open(sql, "w") as f:
            f.write("create table t(i integer primary key, s text);\n.timer on\n")
            for i in range(INSERTS):
                f.write(f"insert into t(s) values('row {i}');\n")
        for r in range(args.rounds):
            self.ctx.log(f"bench: disk, round {r + 1} of {args.rounds}: Alto, Linux")
            for kind in ("alto", "linux"):
                disk = self.image(f"{kind}.ext2")
                steps = [("write", [prog, "write", "/mnt/f", str(mib)], r"write-MBps ([0-9.]+)"),
                         ("read", [prog, "read", "/mnt/f"], r"read-MBps ([0-9.]+)"),
                         ("rand", [prog, "rand", "/mnt/f", str(reads)], r"rand-reads-per-s ([0-9.]+)")]
                for name, program, pattern in steps:
                    alto, linux = self.commands(disk, program, name)
                    v = self.run_one(kind, alto if kind == "alto" else linux, pattern)
                    got[kind][name] += v
                    if r == 0 and kind == "alto":
                        res.command(f"disk {name}, Alto", alto)
                        res.command(f"disk {name}, Linux guest", linux)
                disk = self.image(f"{kind}-sqlite.ext2")
                program = [SQLITE, "/mnt/app.db", ".read /bench/inserts.sql"]
                alto, linux = self.commands(disk, program, "sqlite", {"/bench/inserts.sql": sql})
                times = self.run_one(kind, alto if kind == "alto" else linux,
                                     r"Run Time: real ([0-9.]+)")
                if len(times) > INSERTS // 2:
                    got[kind]["sqlite"].append(len(times) / sum(times))
                if r == 0 and kind == "alto":
                    res.command("sqlite3 inserts, Alto", alto)
                    res.command("sqlite3 inserts, Linux guest", linux)

        def med(kind, name):
            v = got[kind][name]
            return (statistics.median(v), min(v), max(v)) if v else None

        rows = [("write", f"disk: write {mib} MiB and fsync, ext2 on virtio-blk (MB/s)"),
                ("read", f"disk: read {mib} MiB after a fresh boot (MB/s)"),
                ("rand", "disk: random 4 KiB reads, cold (reads/s)"),
                ("sqlite", "sqlite3: inserts/s, one transaction each, disk database")]
        for name, figure in rows:
            res.add(f"{figure}, median [min-max] of {args.rounds}", med("alto", name),
                    med("linux", name), None, "disk", "{:.0f}")

    # -- python3 from the host through virtio-fs ------------------------------

    def vfs_commands(self):
        alto_argv = self.vm.alto_qemu(os.path.join(self.out, "alto-python.img"),
                                      ["--files", "host", self.ctx.PYTHON, "-c", "pass"])
        sockets = [a.split("path=", 1)[1] for a in alto_argv if a.startswith("socket,id=vfs")]
        dirs = [d for d in ("/usr", "/etc", "/opt") if os.path.isdir(d) and not os.path.islink(d)]
        wrap = os.path.join(self.out, "vfs-wrap.sh")
        with open(wrap, "w") as f:
            f.write(WRAP.format(virtiofsd=VIRTIOFSD))
        os.chmod(wrap, 0o755)
        prefix = [wrap]
        for sock, d in zip(sockets, dirs):
            prefix += [sock, d]
        prefix.append("--")
        mods = self.modules(["fs/fuse/fuse", "fs/fuse/virtiofs"])
        files = {"/busybox": BUSYBOX, **{f"/modules/{n}.ko": p for n, p in mods.items()}}
        script = os.path.join(self.out, "vfsinit.sh")
        with open(script, "w") as f:
            f.write(VFSINIT.format(modules=" ".join(mods), dirs=" ".join(dirs),
                                   command=f"{self.ctx.PYTHON} -c pass"))
        files["/vfsinit.sh"] = script
        # The root's symlinks into /usr, as the host has them (and Alto's image).
        entries = []
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = "/" + name
            if os.path.islink(p):
                entries.append((name, os.readlink(p)))
        initrd = self.ctx.linux_initramfs(os.path.join(self.out, "linux-python.cpio"), files)
        self.add_links(initrd, entries)
        linux = self.vm.linux_qemu(alto_argv, initrd, ["/busybox", "sh", "/vfsinit.sh"])
        return prefix + alto_argv, prefix + linux

    def add_links(self, initrd, links):
        """Append symlinks to an initramfs (a second cpio archive after the first)."""
        entries = [(name, 0o120777, target.encode(), (0, 0)) for name, target in links]
        extra = initrd + ".links"
        self.ctx.cpio_newc(extra, entries)
        with open(initrd, "ab") as f, open(extra, "rb") as g:
            f.write(g.read())

    @staticmethod
    def set_memory(argv, memory):
        """-m and the shared memory backend's size together."""
        out = list(argv)
        out[out.index("-m") + 1] = memory
        return [re.sub(r"size=\d+M", f"size={memory}", a) if a.startswith("memory-backend") else a
                for a in out]

    def vfs_figures(self, args, res):
        alto, linux = self.vfs_commands()
        times = {"alto": [], "linux": []}
        for i in range(args.runs):
            for kind, argv in (("alto", alto), ("linux", linux)):
                if kind == "alto" and os.path.exists(self.vm.status):
                    os.unlink(self.vm.status)
                lines, _, t_exit, code = self.ctx.run_timed(argv, None, 120)
                ok = self.ctx.alto_status(code, self.vm.status) == 0 if kind == "alto" \
                    else self.ctx.linux_status(lines) == 0
                if ok:
                    times[kind].append(t_exit * 1000)
                else:
                    self.ctx.log(f"bench: python3 over virtio-fs failed in {kind}: "
                                 + " | ".join(lines[-5:]))
        med = {k: (statistics.median(v), min(v), max(v)) if v else None for k, v in times.items()}
        res.add(f"python3 -c pass, library through virtio-fs: start to exit "
                f"(ms, median [min-max] of {args.runs})", med["alto"], med["linux"], None,
                "virtiofs")
        step = 4 if args.quick else 1
        saved = self.ctx.set_memory
        self.ctx.set_memory = self.set_memory  # min_memory resizes the shared backend too
        try:
            mins = [self.ctx.min_memory(self.vm, k, a, step) for k, a in (("alto", alto),
                                                                         ("linux", linux))]
        finally:
            self.ctx.set_memory = saved
        res.add("smallest -m for python3 -c pass through virtio-fs (MiB)", *mins, None,
                "virtiofs", "{}")
        res.command("python3 through virtio-fs, Alto (virtiofsd started by the wrapper)", alto)
        res.command("python3 through virtio-fs, Linux guest", linux)

    def run(self, args, vm, res, only):
        self.vm = vm
        if "disk" in only:
            self.disk_figures(args, res)
        if "virtiofs" in only and os.geteuid():
            res.add("python3 -c pass, library through virtio-fs", "not run: needs root "
                    "(virtiofsd, as alto run --files host)", "not run", None, "virtiofs",
                    ratio=False)
        elif "virtiofs" in only:
            self.vfs_figures(args, res)
