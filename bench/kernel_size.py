#!/usr/bin/python3
"""The kernel's bytes per subsystem, from the linker map (build/alto.map).

Every input section the link placed in the loaded image (.text, .rodata
with the registration tables and the symbol table, .data, .bss) is charged
to the folder of the object it came from: arch, kernel, mm, lib, drivers,
block, fs, sys, net (Alto's port and AF_INET), lwIP (build/lwip), the vDSO
image, and the symbol table the second link adds (ksyms). What no input
section covers (alignment between sections and pages) is the last row, so
the rows add up to the output sections' sizes. The link drops unreferenced
sections (--gc-sections) before it writes the map, and the map lists what
it dropped separately, so only kept bytes count.

usage: bench/kernel_size.py [MAP]   (prints a Markdown table)
"""

import re
import sys

# Output sections of the loaded image, and the column each one counts in.
COLUMNS = {".boot.head": "text", ".text": "text", ".rodata": "rodata", ".note": "rodata",
           ".ksyms": "rodata", ".data": "data", ".bss": "bss"}
ORDER = ["text", "rodata", "data", "bss"]
OUTPUT = re.compile(r"^(\.[\w.]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")
INPUT = re.compile(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.o)$")


def subsystem(obj):
    if "/lwip/" in obj:
        return "lwIP"
    if obj.endswith(".ksyms.o"):
        return "symbol table"
    if "/vdso/" in obj:
        return "vdso"
    path = re.sub(r"^.*?/kernel/", "", obj)
    if path.startswith("tests/kernel/"):
        return "self tests"
    return path.split("/")[0]


def per_subsystem(map_path):
    """{subsystem: {column: bytes}} and the output sections' totals."""
    rows, totals = {}, dict.fromkeys(ORDER, 0)
    pieces = []  # (address, size, subsystem, column, end of the output section)
    column, end = None, 0
    pending = None  # an input section whose name took a line of its own
    started = False
    with open(map_path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Linker script and memory map"):
                started = True
                continue
            if not started:
                continue
            m = OUTPUT.match(line)
            if m or (line and not line.startswith(" ")):
                name = m.group(1) if m else line.split()[0]
                column = COLUMNS.get(name)
                if m and column:
                    totals[column] += int(m.group(3), 16)
                    end = int(m.group(2), 16) + int(m.group(3), 16)
                pending = None
                continue
            if column is None:
                continue
            if re.match(r"^ \.\S+$", line) or re.match(r"^ \*\*\S+$", line):
                pending = line.strip()
                continue
            m = INPUT.match(line)
            if m and (m.group(1) or pending):
                size = int(m.group(3), 16)
                if size:
                    pieces.append((int(m.group(2), 16), size, subsystem(m.group(4)), column, end))
            pending = None
    # Merged sections (strings, constants) are listed with their size before
    # the merge, overlapping what follows: each piece ends where the next begins.
    pieces.sort()
    for i, (addr, size, name, column, end) in enumerate(pieces):
        limit = pieces[i + 1][0] if i + 1 < len(pieces) else end
        part = rows.setdefault(name, dict.fromkeys(ORDER, 0))
        part[column] += max(0, min(size, limit - addr, end - addr))
    counted = {c: sum(r[c] for r in rows.values()) for c in ORDER}
    rows["alignment"] = {c: totals[c] - counted[c] for c in ORDER}
    return rows, totals


def table(map_path):
    rows, totals = per_subsystem(map_path)
    kib = lambda n: f"{n / 1024:.1f}"  # noqa: E731
    out = ["| subsystem | text | rodata | data | bss | text+rodata+data |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
    order = sorted((k for k in rows if k != "alignment"),
                   key=lambda k: -sum(rows[k][c] for c in ORDER[:3]))
    for name in order + ["alignment"]:
        r = rows[name]
        out.append(f"| {name} | " + " | ".join(kib(r[c]) for c in ORDER)
                   + f" | {kib(sum(r[c] for c in ORDER[:3]))} |")
    out.append("| **total** | " + " | ".join(kib(totals[c]) for c in ORDER)
               + f" | {kib(sum(totals[c] for c in ORDER[:3]))} |")
    return out


if __name__ == "__main__":
    print("\n".join(table(sys.argv[1] if len(sys.argv) > 1 else "build/alto.map")))
