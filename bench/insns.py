#!/usr/bin/python3
"""Kernel instructions per system call, counted by QEMU itself.

Under TCG a path's cost is mostly the number and kind of instructions it
executes, and a count does not move with the host's load as a timing does.
This runs the benchmark program (bench/bench.c) in Alto twice, with N and
2N calls of one benchmark, under QEMU's `-d in_asm,exec,nochain` limited to
the kernel's addresses (`-dfilter`): in_asm says how many instructions each
translated block holds, exec names every block executed, so their product
is the instructions the kernel executed, and the number of blocks is how
many times TCG left one block for the next (each branch, call and return
ends a block). The difference between the two
runs, divided by the extra calls, is the kernel's share of one call (boot
and exit cancel out); the blocks that make up that difference are listed
with their counts per call, most first.

usage: bench/insns.py [--kernel ELF] [-n N] [--top K] NAME...
  NAME: getpid, getppid, write-devnull-1B, bare-syscall (the test entry of
  build/alto-bare.elf, which --kernel must name), context-switch (per
  switch), futex-pingpong, pipe-pingpong (per round trip: two switches), ...
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  bench/run.py: the QEMU command Alto uses

KERNEL_RANGE = "0xffffffff80000000..0xffffffffffffffff"
# Calls (or rounds) each benchmark makes per unit of -n (bench.c's scaled()):
# write-devnull-1B makes n/10 calls, the ping-pongs n/100 round trips, and
# context-switch n/20 rounds of two switches (counted per switch, as run.py
# reports it).
PER_N = {"write-devnull-1B": 0.1, "futex-pingpong": 0.01, "pipe-pingpong": 0.01,
         "eventfd-pingpong": 0.01, "unix-pingpong": 0.01, "context-switch": 0.1}
TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/[0-9a-f]+\] ?(.*)")
INSN = re.compile(r"^0x([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(\S+)\s*(.*)")
# Instructions that cost far more than their count under TCG: helpers, the
# end of a translated block with a return to QEMU's main loop, a flush of
# its software TLB. Listed per call by kind.
COSTLY = (("wrmsr", r"wrmsr"), ("rdmsr", r"rdmsr"), ("popf", r"popf[wlq]?"),
          ("pushf", r"pushf[wlq]?"), ("sti", r"sti"), ("cli", r"cli"),
          ("xsave", r"f?xsave(64|opt|opt64|c|c64|s|s64)?"), ("xrstor", r"f?xrstor(64|s|s64)?"),
          ("wrfsbase", r"wr[fg]sbase"), ("mov to cr", r"mov\S* .*, %cr"),
          ("rdtsc", r"rdtscp?"), ("iret", r"iret"), ("hlt", r"hlt"), ("swapgs", r"swapgs"),
          ("port i/o", r"(in|out)[bwl]?"), ("invlpg", r"invlpg"),
          ("locked", r"lock|xchg[bwlq]?"))
COSTLY_RE = [(kind, re.compile(pattern + r"\b")) for kind, pattern in COSTLY]


def costly_kind(mnemonic, operands):
    text = f"{mnemonic} {operands}"
    for kind, pattern in COSTLY_RE:
        if pattern.match(text):
            return kind
    return None


def count(argv, log_path):
    """Executed kernel blocks: {(pc, name): instructions executed}, with the
    number of blocks executed under the key None and the costly
    instructions executed under ("costly", kind)."""
    os.mkfifo(log_path)
    proc = subprocess.Popen(argv + ["-d", "in_asm,exec,nochain", "-dfilter", KERNEL_RANGE,
                                    "-D", log_path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))
    reader.start()
    size, kinds, total = {}, {}, collections.Counter()
    block, first = None, None
    with open(log_path, errors="replace") as log:
        for line in log:
            if line.startswith("Trace "):
                m = TRACE.match(line)
                if m:
                    pc = int(m.group(1), 16)
                    total[(pc, m.group(2).strip())] += size.get(pc, 0)
                    total[None] += 1
                    for kind in kinds.get(pc, ()):
                        total[("costly", kind, m.group(2).strip())] += 1
                continue
            if line.startswith("IN:"):
                block, first = 0, None
                continue
            m = INSN.match(line)
            if m and block is not None:
                if first is None:
                    first = int(m.group(1), 16)
                    kinds[first] = []
                block += 1
                size[first] = block
                kind = costly_kind(m.group(2), m.group(3))
                if kind:
                    kinds[first].append(kind)
            elif not line.strip():
                block = None
    proc.wait()
    reader.join()
    if proc.returncode not in (0, 1) and b"alto" not in out[0]:
        sys.exit(f"insns: QEMU failed ({proc.returncode}): {out[0][-500:]!r}")
    return total


def per_call(vm, kernel, name, n=20000):
    """(instructions, blocks, {(pc, symbol): instructions}, {(kind, symbol):
    costly instructions}) per call of name."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for calls in (n, 2 * n):
            argv = vm.alto_qemu(os.path.join(tmp, "img"), [bench.BENCH, "-n", str(calls), name])
            argv = bench.with_kernel(argv, kernel, argv[argv.index("-initrd"):])
            runs.append(count(argv, os.path.join(tmp, f"{name}-{calls}.log")))
    calls = n * PER_N.get(name, 1)
    diff = {k: (runs[1][k] - runs[0].get(k, 0)) / calls for k in runs[1]}
    blocks = diff.pop(None)
    costly = {k[1:]: diff.pop(k) for k in list(diff) if k[0] == "costly"}
    return sum(diff.values()), blocks, diff, costly


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default=os.path.join(bench.BUILD, "alto.elf"))
    ap.add_argument("-n", type=int, default=20000, help="calls in the first run (default 20000)")
    ap.add_argument("--top", type=int, default=12, help="blocks listed per benchmark")
    ap.add_argument("--costly", action="store_true", help="list where the costly "
                    "instructions are, by function")
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    vm = bench.Machine(argparse.Namespace(memory="256M", cpus=1, machine="microvm"))
    for name in args.names:
        insns, blocks, diff, costly = per_call(vm, args.kernel, name, args.n)
        print(f"{name}: {insns:.1f} kernel instructions in {blocks:.1f} blocks per call "
              f"({args.kernel}, runs of {args.n} and {2 * args.n})")
        kinds = collections.Counter()
        for (kind, _), k in costly.items():
            kinds[kind] += k
        print("  costly: " + (", ".join(f"{k} {v:.1f}" for k, v in kinds.most_common()
                                        if v >= 0.05) or "none"))
        if args.costly:
            for (kind, sym), k in sorted(costly.items(), key=lambda kv: (kv[0][0], -kv[1])):
                if k >= 0.05:
                    print(f"    {kind:10} {k:5.1f}  {sym or '?'}")
        for (pc, sym), k in sorted(diff.items(), key=lambda kv: -kv[1])[:args.top]:
            if k >= 0.5:
                print(f"    {k:7.1f}  {pc:#x} {sym}")


if __name__ == "__main__":
    main()
