#!/usr/bin/env python3
"""The host side of the system-call fuzzer (tests/fuzz/sysfuzz.c): runs it
in Alto for each seed and CPU count, judges each run (a kernel fault or
panic, a hang, a failed check such as kernel memory written for the
program, the fuzzer itself killed), and minimises what it finds to the few
calls that still show it, replayed from (seed, index).

  fuzz.py run [--seeds N] [--first S] [--calls M] [--cpus "1 2"] [--no-minimise]
  fuzz.py replay [--cpus C] SEED LIST     (LIST: 0-99,120,...; each call printed)
  fuzz.py minimise [--cpus C] SEED CALLS

Exit status 0 when every run was clean. The calls made are added to
build/fuzz/calls.log (seed, CPUs, calls, verdict), for the record.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
ALTO = os.path.join(BUILD, "bin", "alto")
KERNEL = os.path.join(BUILD, "alto.elf")
FUZZER = os.path.join(BUILD, "fuzz", "sysfuzz")
LOG = os.path.join(BUILD, "fuzz", "calls.log")


def kernel_facts():
    """The calls the kernel implements and its text+rodata range, from its symbols."""
    names, syms = [], {}
    out = subprocess.run(["nm", KERNEL], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        addr, kind, name = parts
        if kind in "Tt" and name.startswith("sys_"):
            names.append(name[4:])
        syms[name] = int(addr, 16)
    text = "%x-%x" % (syms["_text_start"], syms["_rodata_end"])
    return ",".join(sorted(set(names))), text


CALLS, KTEXT = None, None


def boot(cpus, fuzz_args, timeout):
    """Run the fuzzer in Alto; returns (status, console text)."""
    cmd = [ALTO, "run", "--timeout", str(timeout), "-c", str(cpus), "-m", "512M",
           "-e", "SYSFUZZ_CALLS=" + CALLS, FUZZER, "-k", KTEXT] + fuzz_args
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    text = p.stdout.replace(b"\0", b"").decode("utf-8", "replace")
    return p.returncode, text


def verdict(status, text):
    """What a run shows: 'clean', 'oom' (the calls used all memory and the
    kernel killed the fuzzer, saying so: the right answer, not a finding),
    or the kind of finding."""
    if re.search(r"^(Fatal kernel|Kernel panic)", text, re.M):
        return "kernel-crash"
    oom = r"^alto: .*\(out of memory: no page for 0x[0-9a-f]+\) terminated by SIGKILL$"
    if status == 137 and re.search(oom, text, re.M):
        return "oom"
    if status == 124:
        return "hang"
    if "sysfuzz: FAIL" in text:
        m = re.search(r"sysfuzz: FAIL (.*)", text)
        return "check: " + (m.group(1)[:60] if m else "?")
    if "Fatal application fault" in text or status >= 128:
        m = re.search(r"Fatal application fault: (SIG[A-Z]+)", text)
        return "fuzzer-killed: " + (m.group(1) if m else str(status))
    if status == 0 and "done:" in text or (status == 0 and "replayed" in text):
        return "clean"
    return "status %d" % status


def same_kind(a, b):
    return a.split(":")[0] == b.split(":")[0]


REPLAY_TIMEOUT = None  # --timeout: a replay that takes longer is a hang


def timeout_for(calls):
    return REPLAY_TIMEOUT or 120 + calls // 200


def run_list(cpus, seed, indices):
    """Replay the given calls; returns the verdict."""
    spec = compress(indices)
    status, text = boot(cpus, ["replay", str(seed), spec], timeout_for(len(indices)))
    return verdict(status, text), text


def compress(indices):
    out, i = [], 0
    while i < len(indices):
        j = i
        while j + 1 < len(indices) and indices[j + 1] == indices[j] + 1:
            j += 1
        out.append(str(indices[i]) if i == j else "%d-%d" % (indices[i], indices[j]))
        i = j + 1
    return ",".join(out)


def expand(spec):
    """'0-99,120' into [0, ..., 99, 120]."""
    out = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def minimise(cpus, seed, calls, kind, budget=150, start=None):
    """The shortest prefix that shows the finding (or the list given), then ddmin over it."""
    boots = 0
    if start is None:
        full = list(range(calls))
        v, _ = run_list(cpus, seed, full)
        boots += 1
        if not same_kind(v, kind):
            print("  (not reproduced by replaying on one thread: %s)" % v)
            return None
        lo, hi = 1, calls
        while lo < hi and boots < budget:
            mid = (lo + hi) // 2
            v, _ = run_list(cpus, seed, list(range(mid)))
            boots += 1
            if same_kind(v, kind):
                hi = mid
            else:
                lo = mid + 1
        cur = list(range(hi))
        print("  the first %d calls show it (call %d is the last)" % (hi, hi - 1))
    else:
        cur = start
    n = 2
    while len(cur) > 1 and boots < budget:
        chunk = max(1, len(cur) // n)
        removed = False
        for start in range(0, len(cur) - 1, chunk):
            trial = cur[:start] + cur[start + chunk:]
            if cur[-1] not in trial:
                trial.append(cur[-1])
            v, _ = run_list(cpus, seed, trial)
            boots += 1
            if same_kind(v, kind):
                cur, n, removed = trial, max(n - 1, 2), True
                break
            if boots >= budget:
                break
        if not removed:
            if chunk == 1:
                break
            n = min(len(cur), n * 2)
    v, text = run_list(cpus, seed, cur)
    print("  minimal: %d call(s) after %d boots: %s" % (len(cur), boots, compress(cur)))
    return cur


def record(seed, cpus, calls, v):
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    with open(LOG, "a") as f:
        f.write("%s seed %d cpus %d calls %d %s\n" % (time.strftime("%F %T"), seed, cpus,
                                                       calls, v))


def cmd_run(a):
    total, findings, oom = 0, [], 0
    for cpus in [int(c) for c in a.cpus.split()]:
        for seed in range(a.first, a.first + a.seeds):
            start = time.time()
            status, text = boot(cpus, ["-t", str(cpus), str(seed), str(a.calls)],
                                timeout_for(a.calls * cpus))
            v = verdict(status, text)
            made = a.calls * cpus if v == "clean" else 0
            m = re.findall(r"seed %d: (\d+) calls" % seed, text)
            if v != "clean" and m:
                made = int(m[-1])
            if v == "oom":
                oom += 1
            total += made
            record(seed, cpus, made, v)
            print("seed %d on %d CPU(s): %s (%d calls, %.0f s)" % (seed, cpus, v, made,
                                                                  time.time() - start))
            sys.stdout.flush()
            if v not in ("clean", "oom"):
                tail = [l for l in text.splitlines() if not l.startswith("alto: system call")]
                print("\n".join("  | " + l[:160] for l in tail[-25:]))
                findings.append((seed, cpus, v))
                if a.minimise:
                    minimise(cpus, seed, a.calls, v)
    print("%d calls made; %d finding(s); %d run(s) ended by the kernel's out-of-memory kill"
          % (total, len(findings), oom))
    for seed, cpus, v in findings:
        print("  seed %d on %d CPU(s): %s" % (seed, cpus, v))
    return 1 if findings else 0


def cmd_replay(a):
    status, text = boot(a.cpus, ["-v", "replay", str(a.seed), a.list], 3600)
    print(text)
    print("verdict:", verdict(status, text))
    return 0


def cmd_minimise(a):
    global REPLAY_TIMEOUT
    REPLAY_TIMEOUT = a.timeout
    start = expand(a.list) if a.list else None
    todo = start or list(range(a.calls))
    v, _ = run_list(a.cpus, a.seed, todo)
    print("replaying %d calls: %s" % (len(todo), v))
    if v != "clean":
        cur = minimise(a.cpus, a.seed, a.calls, v, a.budget, start)
        if cur:
            cmd_replay(argparse.Namespace(cpus=a.cpus, seed=a.seed, list=compress(cur)))
    return 0


def main():
    global CALLS, KTEXT
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seeds", type=int, default=20)
    r.add_argument("--first", type=int, default=1)
    r.add_argument("--calls", type=int, default=100000)
    r.add_argument("--cpus", default="1 2")
    r.add_argument("--no-minimise", dest="minimise", action="store_false")
    rp = sub.add_parser("replay")
    rp.add_argument("--cpus", type=int, default=1)
    rp.add_argument("seed", type=int)
    rp.add_argument("list")
    mn = sub.add_parser("minimise")
    mn.add_argument("--cpus", type=int, default=1)
    mn.add_argument("--timeout", type=int, help="seconds a replay may take (a hang: less)")
    mn.add_argument("--list", help="start from these calls (a-b,c,...) instead of a prefix")
    mn.add_argument("--budget", type=int, default=150, help="boots at most")
    mn.add_argument("seed", type=int)
    mn.add_argument("calls", type=int)
    a = p.parse_args()
    CALLS, KTEXT = kernel_facts()
    return {"run": cmd_run, "replay": cmd_replay, "minimise": cmd_minimise}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
