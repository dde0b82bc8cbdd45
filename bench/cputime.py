#!/usr/bin/python3
"""Host CPU time per operation of the benchmark program, Alto and the Linux guest.

On a host shared with other work, a guest's wall-clock timings move with
the load (its vCPU thread waits for a host CPU), while the CPU time the
QEMU process spends does much less. This runs bench/bench.c in each guest
twice, with N and 2N iterations (-n), takes the QEMU process's user+system
time from the kernel (wait4's rusage, all of QEMU's threads, so the host
system calls a guest's device accesses cause are counted too), and divides
the difference by the extra operations: boot and power-off cancel out. The
systems alternate, ROUNDS times; the medians are printed with the ratio.

usage: bench/cputime.py [-n N] [--rounds R] [--kernel ELF] NAME...
  NAME: context-switch (per switch), futex-pingpong, pipe-pingpong (per
  round trip), getpid, ... (bench/bench.c's names)
"""

import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  bench/run.py: the QEMU commands
from insns import PER_N  # noqa: E402  operations per unit of -n


def cpu_seconds(argv):
    """Run argv to its end; the CPU time its process used, in seconds."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"cputime: {argv[0]} failed: {out[-500:]!r}")
    return usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1000000, help="iterations of the first run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--kernel", default=os.path.join(bench.BUILD, "alto.elf"))
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    vm = bench.Machine(argparse.Namespace(memory="256M", cpus=1, machine="microvm"))
    initrd = bench.linux_initramfs(os.path.join(bench.OUT, "linux-bench.cpio"),
                                   {"/bench/bench": bench.BENCH})
    for name in args.names:
        got = {"alto": [], "linux": []}
        for r in range(args.rounds):
            for kind in got:
                secs = []
                for n in (args.n, 2 * args.n):
                    bench_args = ["-n", str(n), name]
                    argv = vm.alto_qemu(os.path.join(bench.OUT, "cputime.img"),
                                        [bench.BENCH] + bench_args)
                    if kind == "alto":
                        argv = bench.with_kernel(argv, args.kernel, argv[argv.index("-initrd"):])
                    else:
                        argv = vm.linux_qemu(argv, initrd, ["/bench/bench"] + bench_args)
                    secs.append(cpu_seconds(argv))
                ops = args.n * PER_N.get(name, 1)
                got[kind].append((secs[1] - secs[0]) * 1e9 / ops)
        alto, linux = statistics.median(got["alto"]), statistics.median(got["linux"])
        print(f"{name}: host CPU ns per operation, median of {args.rounds}: Alto {alto:.0f} "
              f"[{min(got['alto']):.0f}-{max(got['alto']):.0f}], Linux guest {linux:.0f} "
              f"[{min(got['linux']):.0f}-{max(got['linux']):.0f}], Alto/Linux {alto / linux:.2f}")


if __name__ == "__main__":
    main()
