#!/usr/bin/python3
"""Kernel instructions and translated blocks from the first instruction to
the static hello's first write, counted by QEMU.

Under TCG a boot costs the instructions it executes and, as much, the
blocks it translates for the first time (code run once is translated
once). This boots the static hello of bench/run.py's boot rows under
`-d in_asm,exec,nochain` limited to the kernel's addresses and counts, up
to the first block of sys_write: the kernel instructions executed, the
distinct blocks translated (and the instructions in them), and both by
function, most first, so that each init step's share can be read.

usage: bench/boot_insns.py [--kernel ELF] [--top K] [--image IMG]
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import insns  # noqa: E402  bench/insns.py: the log's formats
import run as bench  # noqa: E402  bench/run.py: the QEMU command Alto uses


def count(argv, log_path, stop="sys_write"):
    """(instructions, {symbol: instructions}, {pc: block size}, {pc: symbol},
    [(instructions, new blocks, {symbol: instructions}, {symbol: new blocks})]
    per boot step) from the first kernel block to
    the first block of stop. A step ends where bootchart_step is entered."""
    os.mkfifo(log_path)
    proc = subprocess.Popen(argv + ["-d", "in_asm,exec,nochain", "-dfilter",
                                    insns.KERNEL_RANGE, "-D", log_path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    size, names, per_sym = {}, {}, collections.Counter()
    total, block, first, prev = 0, None, None, ""
    steps, step = [], [0, 0, collections.Counter(), collections.Counter()]
    with open(log_path, errors="replace") as log:
        for line in log:
            if line.startswith("Trace "):
                m = insns.TRACE.match(line)
                if not m:
                    continue
                pc, sym = int(m.group(1), 16), m.group(2).strip()
                if sym.startswith(stop):
                    break
                if sym == "bootchart_step" and prev != sym:
                    steps.append(tuple(step))
                    step = [0, 0, collections.Counter(), collections.Counter()]
                prev = sym
                step[1] += pc not in names
                step[3][sym] += pc not in names
                step[0] += size.get(pc, 0)
                step[2][sym] += size.get(pc, 0)
                names[pc] = sym
                total += size.get(pc, 0)
                per_sym[sym] += size.get(pc, 0)
                continue
            if line.startswith("IN:"):
                block, first = 0, None
                continue
            m = insns.INSN.match(line)
            if m and block is not None:
                if first is None:
                    first = int(m.group(1), 16)
                block += 1
                size[first] = block
            elif not line.strip():
                block = None
        for _ in log:  # drain so that QEMU never blocks on the fifo
            pass
    proc.wait()
    return total, per_sym, size, names, steps + [tuple(step)]


def step_names(argv):
    """The bootchart's step names, in order, from a boot with --bootchart."""
    i = argv.index("-append") + 1
    argv = argv[:i] + [argv[i] + " --bootchart"] + argv[i + 1:]
    out = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True).stdout
    return [line.split(None, 2)[2] for line in out.splitlines()
            if re.match(r"\s+\d+\.\d+\s+\d+\.\d+\s+\S", line)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default=os.path.join(bench.BUILD, "alto.elf"))
    ap.add_argument("--top", type=int, default=25, help="functions listed")
    ap.add_argument("--steps", default="", help="boot steps (comma-separated) to list by "
                    "function")
    ap.add_argument("--by-blocks", action="store_true", help="list a step's functions by "
                    "blocks translated rather than instructions executed")
    args = ap.parse_args()
    args.steps = args.steps.split(",")
    vm = bench.Machine(argparse.Namespace(memory="256M", cpus=1, machine="microvm"))
    with tempfile.TemporaryDirectory() as tmp:
        argv = vm.alto_qemu(os.path.join(tmp, "img"), [bench.HELLO])
        argv = bench.with_kernel(argv, args.kernel, argv[argv.index("-initrd"):])
        labels = step_names(argv)
        total, per_sym, size, names, steps = count(argv, os.path.join(tmp, "log"))
    blocks = collections.Counter()
    binsns = collections.Counter()
    for pc, sym in names.items():
        blocks[sym] += 1
        binsns[sym] += size.get(pc, 0)
    print(f"{args.kernel}: {total:,} kernel instructions to the hello's first write; "
          f"{len(names):,} distinct blocks ({sum(binsns.values()):,} instructions) translated")
    if per_sym.get("run_once"):
        # kernel/late.c's timer fires 3 s after the program's start; the
        # exec log slows the guest so much that it may come first.
        print("  note: the late work ran before the first write (its 3 s timer, under -d "
              "logging): not a figure to compare")
    print("  by boot step: instructions executed, new blocks translated (bootchart's names):")
    for i, (n, new, syms, news) in enumerate(steps):
        label = labels[i] if i < len(labels) else "to the first write"
        print(f"    {n:9,} {new:6,}  {label}")
        if args.steps and label.split("(")[0] in args.steps:
            for sym, _ in (news if args.by_blocks else syms).most_common(args.top):
                print(f"        {syms[sym]:9,} {news[sym]:6,}  {sym}")
    print("  instructions executed, by function:")
    for sym, n in per_sym.most_common(args.top):
        print(f"    {n:9,}  {sym}")
    print("  blocks translated (their instructions), by function:")
    for sym, n in blocks.most_common(args.top):
        print(f"    {n:6,} ({binsns[sym]:6,})  {sym}")


if __name__ == "__main__":
    main()
