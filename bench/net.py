"""The network figures of `make bench` (bench/run.py --only net).

Both guests get the same NIC (the virtio-net device of `alto run`'s QEMU
command) and the same host side, and the same client on the host measures
them: redis-benchmark GET and SET, wrk on a 1 KiB file from nginx, a TCP
stream from the guest to a host sink (bench/netperf.c), and 1-byte TCP and
UDP round trips. Each figure is taken twice: through a tap device, and
through QEMU's user networking (`-p`), which is the usual way and, under
TCG, may be the bottleneck for both. Every QEMU and every client runs in a
network namespace made here, holding only lo and the tap: no packet can
leave the machine, not even from slirp, whose UDP forward needs restrict=off
(docs/network.md). redis and nginx are not taken through user networking
(BURSTS says why, in the table). They need root (the namespace and tap).

The Linux guest's initramfs holds busybox (static), the virtio modules of
Debian's cloud kernel (virtio, virtio_ring, virtio_mmio or virtio_pci,
failover, net_failover, virtio_net: it has them as modules), the server
and the libraries it links, the host's /etc/passwd and group (as Alto's
image has them: nginx looks up its user), and /netinit.sh, which loads the
modules, sets the address the kernel command line gives Alto (--ip) and
starts the server. Alto gets the same files in its image (--files image).
"""

import os
import re
import shlex
import shutil
import statistics
import subprocess
import time

NET = ["redis", "nginx", "stream", "tcp-rr", "udp-rr"]
NS = "alto-bench"
NS_EXEC = ["ip", "netns", "exec", NS]
HOST_IP, GUEST_IP = "192.168.77.1", "192.168.77.2"
USER_GUEST_IP, USER_GW = "10.0.2.15", "10.0.2.2"
BUSYBOX = "/bin/busybox"
# The rows not taken through QEMU's user networking, and why (what the
# table says in their place).
BURSTS = {f: "not run: slirp accepts a forwarded port with a listen backlog of 1, so "
          f"{c}'s burst of 50 new connections stalls on SYN retries of 1-7 s in QEMU, "
          "whichever guest (docs/network.md); see the tap row"
          for f, c in (("redis", "redis-benchmark"), ("nginx", "wrk"))}
# A short run of the client before the measured one (redis and nginx serve
# many connections; netperf's guest ends serve one).
WARMUP = {
    "redis": lambda h, p: ["redis-benchmark", "-h", h, "-p", p, "-t", "get,set", "-n", "2000",
                           "-c", "50", "-q"],
    "nginx": lambda h, p: ["wrk", "-t2", "-c50", "-d2s", f"http://{h}:{p}/1k.html"],
}
PORTS = {"redis": 6379, "nginx": 8080, "stream": 5001, "tcp-rr": 5002, "udp-rr": 5003}

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
error_log stderr;
pid /tmp/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path /tmp;
    proxy_temp_path /tmp;
    fastcgi_temp_path /tmp;
    uwsgi_temp_path /tmp;
    scgi_temp_path /tmp;
    types { text/html html; }
    server { listen 8080 backlog=4096; root /bench/www; }
}
"""

NETINIT = """# The Linux guest's network set-up (bench/net.py): modules, address, server.
for m in {modules}; do /bin/busybox insmod /modules/$m.ko || exit 1; done
/bin/busybox ip link set lo up
/bin/busybox ip addr add {addr} dev eth0
/bin/busybox ip link set eth0 up
{route}
exec {command}
"""


def sh(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


class Net:
    """What the network figures need from run.py, and the namespace."""

    def __init__(self, ctx):
        self.ctx = ctx  # run.py's module: paths, Machine, helpers
        self.out = os.path.join(ctx.OUT, "net")
        os.makedirs(self.out, exist_ok=True)

    # -- the host side -----------------------------------------------------

    def tap_up(self):
        self.tap_down()
        for argv in (["ip", "netns", "add", NS],
                     ["ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"],
                     ["ip", "netns", "exec", NS, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap"],
                     ["ip", "netns", "exec", NS, "ip", "addr", "add", HOST_IP + "/24", "dev", "tap0"],
                     ["ip", "netns", "exec", NS, "ip", "link", "set", "tap0", "up"]):
            subprocess.run(argv, check=True)

    def tap_down(self):
        sh(["ip", "netns", "del", NS])

    # -- the guests --------------------------------------------------------

    def linux_modules(self):
        """The virtio modules of the Linux guest's kernel, in load order."""
        root = os.path.join(self.ctx.LINUX_DIR, "root", "lib", "modules")
        release = os.listdir(root)[0]
        base = os.path.join(root, release, "kernel")
        transport = "virtio_pci" if "q35" in self.vm.machine else "virtio_mmio"
        names = ["drivers/virtio/virtio_ring", "drivers/virtio/virtio"]
        if transport == "virtio_pci":
            names += ["drivers/virtio/virtio_pci_legacy_dev", "drivers/virtio/virtio_pci_modern_dev"]
        names += ["drivers/virtio/" + transport, "net/core/failover", "drivers/net/net_failover",
                  "drivers/net/virtio_net"]
        return {os.path.basename(n): os.path.join(base, n + ".ko") for n in names}

    def program_files(self, program):
        """A dynamically linked program and the libraries it loads, by guest path."""
        files = {program: os.path.realpath(program)}
        for line in sh(["ldd", program]).stdout.splitlines():
            m = re.search(r"(/\S+) \(0x", line)
            if m:
                files[m.group(1)] = os.path.realpath(m.group(1))
        return files

    def server(self, figure):
        """The server's argv (host paths, the same in both guests) and the
        other files it needs, by guest path."""
        netperf = os.path.join(self.ctx.OUT, "netperf")
        port = str(PORTS[figure])
        if figure == "redis":
            return ["/usr/bin/redis-server", "--port", port, "--save", "", "--appendonly", "no",
                    "--protected-mode", "no"], {}
        if figure == "nginx":
            conf = os.path.join(self.out, "nginx.conf")
            with open(conf, "w") as f:
                f.write(NGINX_CONF)
            page = os.path.join(self.out, "1k.html")
            with open(page, "w") as f:
                f.write("x" * 1023 + "\n")
            return ["/usr/sbin/nginx", "-c", "/bench/nginx.conf"], \
                {"/bench/nginx.conf": conf, "/bench/www/1k.html": page}
        size = str((128 if self.quick else 1024) << 20)
        mode = {"stream": ["source", port, size], "tcp-rr": ["tcp-echo", port],
                "udp-rr": ["udp-echo", port]}[figure]
        return [netperf] + mode, {}

    def commands(self, figure, link):
        """QEMU's command for each guest serving figure over link ("tap" or "user")."""
        argv, extra = self.server(figure)
        port = PORTS[figure]
        if link == "tap":
            net = ["--net", "tap:tap0"]
            ip, gw = GUEST_IP, ""
        else:
            net = ["--net", "user",
                   "-p", f"{self.user_port(figure)}:{port}" + ("/udp" if figure == "udp-rr" else "")]
            ip, gw = USER_GUEST_IP, USER_GW
        adds = []
        for guest, host in extra.items():
            adds += ["--add", f"{host}:{guest}"]
        image = os.path.join(self.out, f"alto-{figure}.img")
        # The program's files in the image, as the Linux guest's initramfs
        # holds them (by default a dynamic program with no --add reads the
        # host's /usr through virtio-fs, whose virtiofsd a dry run does not
        # start).
        alto = self.vm.alto_qemu(image, net + ["--files", "image"] + adds
                                 + ["--", f"--ip=eth0,{ip},255.255.255.0"]
                                 + ([f"--defaultgw={gw}"] if gw else []) + argv)
        files = dict(extra)
        files.update(self.program_files(argv[0]))
        files["/bin/busybox"] = BUSYBOX
        # The users and groups Alto's image gets from the host (tools/alto/etc.c):
        # nginx looks up its user (nobody) even as root.
        files.update(self.etc_files())
        modules = self.linux_modules()
        for name, path in modules.items():
            files[f"/modules/{name}.ko"] = path
        script = os.path.join(self.out, f"netinit-{figure}-{link}.sh")
        with open(script, "w") as f:
            f.write(NETINIT.format(modules=" ".join(modules), addr=f"{ip}/24",
                                   route=f"/bin/busybox ip route add default via {gw}" if gw else "",
                                   command=" ".join(shlex.quote(a) for a in argv)))
        files["/netinit.sh"] = script
        files["/tmp/.keep"] = script  # /tmp for nginx's temporary files
        initrd = self.ctx.linux_initramfs(os.path.join(self.out, f"linux-{figure}-{link}.cpio"),
                                          files)
        linux = self.vm.linux_qemu(alto, initrd, ["/bin/busybox", "sh", "/netinit.sh"])
        # Both links in the namespace: a tap there and slirp's sockets (its
        # 127.0.0.1 forwards; a UDP forward lifts restrict=on) reach nothing
        # but the namespace's own lo and tap0.
        return NS_EXEC + alto, NS_EXEC + linux

    def etc_files(self):
        """/etc/passwd, group and nsswitch.conf for the Linux guest, by guest path."""
        files = {}
        for name in ("passwd", "group"):
            if os.path.exists("/etc/" + name):
                files["/etc/" + name] = "/etc/" + name
        conf = os.path.join(self.out, "nsswitch.conf")
        with open(conf, "w") as f:
            f.write("passwd: files\ngroup: files\nhosts: files\n")
        files["/etc/nsswitch.conf"] = conf
        return files

    def user_port(self, figure):
        return 19300 + PORTS[figure] % 100

    # -- the clients -------------------------------------------------------

    def client(self, figure, link):
        """The host's client: argv, and how to read its figure(s) from its output."""
        host = GUEST_IP if link == "tap" else "127.0.0.1"
        port = str(PORTS[figure] if link == "tap" else self.user_port(figure))
        prefix = NS_EXEC
        netperf = os.path.join(self.ctx.OUT, "netperf")
        n = 2000 if self.quick else 10000
        if figure == "redis":
            reqs = "20000" if self.quick else "50000"
            argv = ["redis-benchmark", "-h", host, "-p", port, "-t", "get,set", "-n", reqs,
                    "-c", "50", "-q"]
            pat = {"SET": r"SET: ([0-9.]+) requests per second", "GET": r"GET: ([0-9.]+) requests"}
        elif figure == "nginx":
            argv = ["wrk", "-t2", "-c50", "-d5s" if self.quick else "-d10s",
                    f"http://{host}:{port}/1k.html"]
            pat = {"": r"Requests/sec:\s+([0-9.]+)"}
        elif figure == "stream":
            argv = [netperf, "drain", host, port]
            pat = {"": r"MB/s ([0-9.]+)"}
        else:
            argv = [netperf, figure, host, port, str(n)]
            pat = {"": r"us ([0-9.]+)"}
        return prefix + argv, pat

    def wait_ready(self, figure, link):
        """Until the guest's server answers a connection (its own clients retry too)."""
        if figure in ("stream", "tcp-rr", "udp-rr"):
            return True  # netperf's clients retry while the guest boots
        host = GUEST_IP if link == "tap" else "127.0.0.1"
        port = str(PORTS[figure] if link == "tap" else self.user_port(figure))
        prefix = NS_EXEC
        probe = (["redis-cli", "-h", host, "-p", port, "PING"] if figure == "redis" else
                 ["curl", "-sf", "-o", "/dev/null", f"http://{host}:{port}/1k.html"])
        end = time.monotonic() + 120
        while time.monotonic() < end:
            if sh(prefix + probe).returncode == 0:
                return True
            time.sleep(0.3)
        return False

    def measure(self, figure, link, qemu):
        """Boot the server, run the client once: {key: value} or None."""
        vm = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        try:
            if not self.wait_ready(figure, link):
                vm.kill()
                out = vm.communicate()[0]
                self.ctx.log(f"bench: {figure} over {link}: the server never answered; the "
                             f"guest's last lines:\n" + "\n".join(out.splitlines()[-8:]))
                return None
            argv, pat = self.client(figure, link)
            if figure in WARMUP:
                # Both guests translate their paths under TCG on first use:
                # a short run first, so the figure is the steady state.
                sh(NS_EXEC + WARMUP[figure](GUEST_IP if link == "tap" else "127.0.0.1",
                                            str(PORTS[figure] if link == "tap"
                                                else self.user_port(figure))), timeout=120)
            try:
                p = sh(argv, timeout=300)
            except subprocess.TimeoutExpired:
                self.ctx.log(f"bench: {figure} over {link}: the client did not finish in 300 s")
                return None
            got = {}
            for key, rx in pat.items():
                m = re.search(rx, p.stdout.replace("\r", "\n"))
                if m:
                    got[key] = float(m.group(1))
            if len(got) != len(pat):
                self.ctx.log(f"bench: {figure} over {link}: no figure in the client's output:\n"
                             + (p.stdout + p.stderr)[-800:])
                return None
            return got
        finally:
            vm.terminate()
            try:
                out, _ = vm.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                vm.kill()
                out, _ = vm.communicate()
            # QEMU stopped by SIGTERM exits with 1; Alto's and Linux's own ends say 0.
            if vm.returncode not in (0, 1, -15, 143, None) and "exit status 0" not in out:
                self.ctx.log(f"bench: the {figure} guest ended with {vm.returncode}: {out[-400:]}")

    def run(self, args, vm, res):
        self.vm, self.quick = vm, args.quick
        rounds = 1 if args.quick else 3
        rows = [("redis", "SET", "redis-benchmark SET, -c 50 (requests/s)", "{:.0f}"),
                ("redis", "GET", "redis-benchmark GET, -c 50 (requests/s)", "{:.0f}"),
                ("nginx", "", "wrk on a 1 KiB file from nginx, -t2 -c50 (requests/s)", "{:.0f}"),
                ("stream", "", "TCP stream, guest to host (MB/s)", "{:.1f}"),
                ("tcp-rr", "", "TCP round trip, 1 byte (us, the client's median)", "{:.1f}"),
                ("udp-rr", "", "UDP round trip, 1 byte (us, the client's median)", "{:.1f}")]
        wanted = [f for f in NET if not args.net or f in args.net.split(",")]
        if os.geteuid():
            for _, _, title, _ in rows:
                res.add(title, "not run: needs root (a network namespace and a tap)",
                        "not run", None, "net", ratio=False)
            return
        self.tap_up()
        try:
            for link in ("tap", "user"):
                what = "tap in a namespace" if link == "tap" else "QEMU user networking, -p"
                for figure in wanted:
                    if link == "user" and figure in BURSTS:
                        for fig, _, title, _ in rows:
                            if fig == figure:
                                res.add(f"{title}, {what}", BURSTS[figure], "not run: the same", None,
                                        "net", ratio=False)
                        continue
                    alto, linux = self.commands(figure, link)
                    got = {"alto": [], "linux": []}
                    for r in range(rounds):
                        for kind, qemu in (("alto", alto), ("linux", linux)):
                            self.ctx.log(f"bench: {figure} over {link}, {kind}, "
                                         f"round {r + 1} of {rounds}")
                            m = self.measure(figure, link, qemu)
                            if m:
                                got[kind].append(m)
                    for fig, key, title, fmt in rows:
                        if fig != figure:
                            continue

                        def spread(kind):
                            v = [g[key] for g in got[kind]]
                            return (statistics.median(v), min(v), max(v)) if v else None
                        res.add(f"{title}, {what}, median [min-max] of {rounds}",
                                spread("alto"), spread("linux"), None, "net", fmt)
                    res.command(f"{figure} over {link}, Alto", alto)
                    res.command(f"{figure} over {link}, Linux guest", linux)
                    res.command(f"{figure} over {link}, client", self.client(figure, link)[0])
        finally:
            self.tap_down()
