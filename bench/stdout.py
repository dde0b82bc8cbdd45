"""The stdout figure of `make bench` (bench/run.py --only stdout).

busybox dd writes 256 MiB of /dev/zero in 1 MiB writes to the program's
stdout, which QEMU sends to its own stdout, read here through a pipe. Both
guests get the QEMU command `alto run` would use (its virtio-serial device,
port 1 on a file chardev; here QEMU's stdout): Alto writes to fd 1, which is
that port; the Linux guest loads virtio_console and writes to the port's
/dev/vportNp1 (N: the device's index). Each run is timed from the host,
start to QEMU's exit, less the same run writing nothing (the boot and the
rest).
"""

import os
import statistics
import subprocess
import time

LINUXINIT = """# The Linux guest's stdout figure (bench/stdout.py): modules, the port, dd.
for m in {modules}; do /busybox insmod /modules/$m.ko || exit 1; done
/busybox mount -t devtmpfs devtmpfs /dev
port() {{ for p in /dev/vport*p1; do [ -c "$p" ] && echo "$p"; done; }}
n=0; while [ -z "$(port)" ] && [ $n -lt 500 ]; do /busybox sleep 0.01; n=$((n+1)); done
[ -n "$(port)" ] || {{ /busybox ls /dev; exit 1; }}
/busybox dd if=/dev/zero of="$(port)" bs=1M count={count} 2>/dev/null
"""


class Stdout:
    def __init__(self, ctx):
        self.ctx = ctx  # run.py's module
        self.out = os.path.join(ctx.OUT, "stdout")
        os.makedirs(self.out, exist_ok=True)

    def modules(self):
        root = os.path.join(self.ctx.LINUX_DIR, "root", "lib", "modules")
        base = os.path.join(root, os.listdir(root)[0], "kernel")
        pci = "q35" in self.vm.machine
        paths = ["drivers/virtio/virtio_ring", "drivers/virtio/virtio"]
        if pci:
            paths += ["drivers/virtio/virtio_pci_legacy_dev", "drivers/virtio/virtio_pci_modern_dev"]
        paths += ["drivers/virtio/virtio_pci" if pci else "drivers/virtio/virtio_mmio",
                  "drivers/char/virtio_console"]
        return {os.path.basename(p): os.path.join(base, p + ".ko") for p in paths}

    def commands(self, count):
        program = [self.ctx.BUSYBOX, "dd", "if=/dev/zero", "bs=1M", f"count={count}"]
        alto = self.vm.alto_qemu(os.path.join(self.out, f"alto-{count}.img"), program)
        mods = self.modules()
        script = os.path.join(self.out, f"linuxinit-{count}.sh")
        with open(script, "w") as f:
            f.write(LINUXINIT.format(modules=" ".join(mods), count=count))
        files = {"/busybox": self.ctx.BUSYBOX, "/stdout.sh": script}
        files.update({f"/modules/{n}.ko": p for n, p in mods.items()})
        initrd = self.ctx.linux_initramfs(os.path.join(self.out, f"linux-{count}.cpio"), files)
        return alto, self.vm.linux_qemu(alto, initrd, ["/busybox", "sh", "/stdout.sh"])

    def timed(self, argv):
        """Seconds from start to exit, and the bytes QEMU wrote to its stdout."""
        start = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        n = 0
        while True:
            chunk = p.stdout.read(1 << 20)
            if not chunk:
                break
            n += len(chunk)
        p.wait()
        return time.monotonic() - start, n

    def run(self, args, vm, res):
        self.vm = vm
        mib = 32 if args.quick else 256
        empty, full = self.commands(0), self.commands(mib)
        rates = {"alto": [], "linux": []}
        for r in range(args.rounds):
            self.ctx.log(f"bench: stdout, round {r + 1} of {args.rounds}: Alto, Linux")
            for i, kind in enumerate(("alto", "linux")):
                t0, _ = self.timed(empty[i])
                t1, n = self.timed(full[i])
                if n < mib << 20:
                    self.ctx.log(f"bench: stdout: {kind} wrote {n} bytes of {mib << 20}")
                    continue
                rates[kind].append((mib << 20) / 1e6 / max(t1 - t0, 1e-3))
        res.command("stdout, Alto (QEMU directly; as `alto run` starts it)", full[0])
        res.command("stdout, Linux guest", full[1])

        def med(kind):
            return statistics.median(rates[kind]) if rates[kind] else None

        res.add(f"stdout: {mib} MiB through virtio-serial to a host pipe (MB/s)", med("alto"),
                med("linux"), None, "stdout", "{:.0f}")
