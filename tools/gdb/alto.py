# gdb helpers for Alto, loaded with `gdb -x tools/gdb/alto.py build/alto.elf`
# (the command `alto run --gdb` prints). They read the kernel's own data
# structures from a stopped VM through QEMU's gdbstub, using the kernel's
# debug information for every layout, so they follow the C structs as they
# change:
#
#   alto threads       every thread: id (as traces give it: kernel threads
#                      negative), state, CPU, name, and its kernel and
#                      application backtrace (frame pointers)
#   alto mmap [PID]    a process's address space, one area a line
#   alto heap          the page allocator and the kernel heap's size classes
#   alto trace FILE    the trace rings as a trace file for `alto trace FILE ...`
#   alto symbols [PID] add a program's symbols (at its load base for a PIE)
#
# Each vCPU is a gdb thread (QEMU numbers them from 1); a thread running on
# a CPU is read from that CPU's registers, a switched-out one from the frame
# arch_switch left on its stack. Without a PID, a command means the process
# of the thread on the selected vCPU, or else the oldest one alive. An
# application stack is read through its own address space's page tables
# (walked through the kernel's direct map), so any process's threads show
# their frames, whichever address space the vCPU has loaded.

import struct

import gdb

THREAD_STATES = {0: "running", 1: "runnable", 2: "blocked", 3: "exiting", 4: "dead"}
KERNEL_HALF = 0xFFFF800000000000
MAX_FRAMES = 32
TRACE_MAGIC = 0x3143525454544C41
TRACE_VERSION = 1
TRACE_PAD_ID = 0xFFFF
TP_F_SYSCALL, TP_F_SYSCALL_EXIT = 2, 8  # include/alto/trace.h
RECORD_HEAD = 16
PROT = (("r", 1), ("w", 2), ("x", 4))
VMA_STACK, VMA_HEAP, VMA_SHARED, VMA_SPECIAL = 0x1, 0x2, 0x4, 0x10
DIRECT_MAP_BASE = 0xFFFF800000000000  # include/alto/layout.h
PTE_P, PTE_PS, PTE_ADDR_MASK = 0x1, 0x80, 0x000FFFFFFFFFF000


def inferior():
    return gdb.selected_inferior()


def read(addr, size):
    return bytes(inferior().read_memory(addr, size))


def u64(addr):
    return struct.unpack("<Q", read(addr, 8))[0]


def static(name):
    """A global or file-static variable of the kernel."""
    sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if sym is None:
        raise gdb.GdbError(f"no symbol {name}: is the kernel ELF loaded (gdb build/alto.elf)?")
    return sym.value()


def offset_of(type_name, field):
    for f in gdb.lookup_type(type_name).fields():
        if f.name == field:
            return f.bitpos // 8
    raise gdb.GdbError(f"{type_name} has no field {field}")


def list_entries(head, type_name, field):
    """The objects of an intrusive struct list (include/alto/list.h)."""
    ptr_type = gdb.lookup_type(type_name).pointer()
    off = offset_of(type_name, field)
    head_addr = int(head.address)
    node = int(head["next"])
    seen = 0
    while node != head_addr and seen < 1000000:
        yield gdb.Value(node - off).cast(ptr_type).dereference()
        node = u64(node)  # next is the first field
        seen += 1


def symbol(addr):
    out = gdb.execute(f"info symbol {addr:#x}", to_string=True).strip()
    if out.startswith("No symbol"):
        return "?"
    name = out.split(" in section")[0]
    return name.replace(" + ", "+")


def areas(mm):
    """The areas (struct vma) of an address space, in address order (mm/area_tree.c's AVL tree)."""
    node_type = gdb.lookup_type("struct area_node").pointer()
    vma_type = gdb.lookup_type("struct vma").pointer()
    off = offset_of("struct vma", "node")
    stack, node = [], int(mm["areas"]["root"])
    while stack or node:
        while node:
            stack.append(node)
            node = int(gdb.Value(node).cast(node_type)["child"][0])
        node = stack.pop()
        yield gdb.Value(node - off).cast(vma_type).dereference()
        node = int(gdb.Value(node).cast(node_type)["child"][1])


def app_code(mm):
    """The executable areas of address space mm, as (start, end) pairs."""
    return [(int(v["node"]["start"]), int(v["node"]["end"])) for v in areas(mm)
            if int(v["prot"]) & 4]


def user_reader(mm):
    """A u64 reader of address space mm, walking its page tables (mm/paging.c) in the direct map."""
    root = int(mm["root"])

    def read64(va):
        table = root
        for shift in (39, 30, 21, 12):
            entry = u64(table + ((va >> shift) & 511) * 8)
            if not entry & PTE_P:
                raise gdb.MemoryError(f"{va:#x} is not mapped")
            if shift == 12 or (shift < 39 and entry & PTE_PS):
                base = entry & PTE_ADDR_MASK & ~((1 << shift) - 1)
                return u64(DIRECT_MAP_BASE + base + (va & ((1 << shift) - 1)))
            table = DIRECT_MAP_BASE + (entry & PTE_ADDR_MASK)

    return read64


def processes():
    return list_entries(static("proc_all"), "struct process", "all_link")


def process_arg(arg):
    """The process a command names (a PID), else the selected vCPU's, else the oldest alive."""
    arg = arg.strip()
    alive = [p for p in processes() if int(p["mm"])]
    if arg:
        for p in alive:
            if int(p["pid"]) == int(arg, 0):
                return p
        raise gdb.GdbError(f"no process {arg} with an address space")
    cpu = gdb.selected_thread().num - 1 if gdb.selected_thread() else 0
    if 0 <= cpu < int(static("cpu_count")):
        current = static("cpus")[cpu]["current"]
        if int(current) and int(current["proc"]) and int(current["proc"]["mm"]):
            return current["proc"].dereference()
    if not alive:
        raise gdb.GdbError("no application process yet")
    return alive[0]


def frames_from(rip, rbp, lo, hi, code=None, limit=MAX_FRAMES, read64=u64):
    """
    rip, then return addresses through frame pointers while rbp stays in
    [lo, hi) (and, given code areas, while they return into one: code without
    frame pointers leaves anything in rbp).
    """
    out = [rip]
    while len(out) < limit and lo <= rbp < hi and rbp % 8 == 0:
        try:
            nxt, ret = read64(rbp), read64(rbp + 8)
        except gdb.MemoryError:
            break
        if not ret or (code is not None and not any(s <= ret < e for s, e in code)):
            break
        out.append(ret)
        if nxt <= rbp:
            break
        rbp = nxt
    return out


def cpu_of_thread(t):
    """The CPU t runs on now, or None."""
    cpus = static("cpus")
    for i in range(int(static("cpu_count"))):
        if int(cpus[i]["current"]) == int(t.address):
            return i
    return None


def vcpu_registers(cpu):
    """rip, rsp, rbp of a vCPU (gdb thread cpu+1)."""
    current = gdb.selected_thread()
    for th in inferior().threads():
        if th.num == cpu + 1:
            th.switch()
            regs = [int(gdb.parse_and_eval(f"(unsigned long)${r}")) for r in ("rip", "rsp", "rbp")]
            current.switch()
            return regs
    raise gdb.GdbError(f"no gdb thread for CPU {cpu}")


def kernel_stack(t):
    lo = int(t["stack"])
    return lo, lo + int(t["stack_size"])


def thread_stacks(t):
    """(kernel frames, application frames) of thread t."""
    lo, hi = kernel_stack(t)
    cpu = cpu_of_thread(t)
    mm = t["mm"] if int(t["mm"]) else None

    def app_frames(rip, rbp):
        if mm is None:
            return [rip]
        return frames_from(rip, rbp, 0, KERNEL_HALF, app_code(mm), read64=user_reader(mm))

    if cpu is not None:
        rip, rsp, rbp = vcpu_registers(cpu)
        if rip < KERNEL_HALF:  # in the application right now
            return [], app_frames(rip, rbp)
        kernel = frames_from(rip, rbp, lo, hi)
    else:
        saved = int(t["saved_rsp"])  # arch_switch: r15 r14 r13 r12 rbx rbp, then ret
        kernel = frames_from(u64(saved + 48), u64(saved + 40), lo, hi)
    app = []
    if int(t["proc"]):
        frame_type = gdb.lookup_type("struct trap_frame")
        f = gdb.Value(hi - frame_type.sizeof).cast(frame_type.pointer()).dereference()
        if int(f["from_app"]):
            app = app_frames(int(f["rip"]), int(f["rbp"]))
    return kernel, app


def trace_id(t):
    return int(t["tid"]) if int(t["proc"]) else -int(t["tid"])


def all_threads():
    return list_entries(static("all_threads"), "struct thread", "all_link")


class Alto(gdb.Command):
    """Alto's helpers: alto threads, alto mmap, alto heap, alto trace FILE, alto symbols."""

    def __init__(self):
        super().__init__("alto", gdb.COMMAND_USER, prefix=True)


class Threads(gdb.Command):
    """Every thread: id, state, CPU, name, kernel and application backtraces."""

    def __init__(self):
        super().__init__("alto threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        for t in all_threads():
            state = THREAD_STATES.get(int(t["state"]), str(int(t["state"])))
            pid = int(t["proc"]["pid"]) if int(t["proc"]) else 0
            name = t["name"].string()
            where = cpu_of_thread(t)
            cpu = f"cpu {where}" if where is not None else f"last cpu {int(t['cpu'])}"
            print(f"{trace_id(t):6d} {state:9s} {cpu:11s} {name}" + (f" (pid {pid})" if pid else ""))
            kernel, app = thread_stacks(t)
            for i, pc in enumerate(kernel):
                print(f"         k#{i:<2d} {pc:#018x} {symbol(pc - (i > 0))}")
            for i, pc in enumerate(app):
                print(f"         a#{i:<2d} {pc:#018x} {symbol(pc - (i > 0))}")


def ramfs_path(file):
    """The path of a file of the root ramfs, from its parent directory's entries."""
    node_type = gdb.lookup_type("struct ramfs_node").pointer()
    dirent_type = "struct ramfs_dirent"

    def name_in(parent, child):
        entries = parent.cast(node_type).dereference()["dir"]["entries"]
        for e in list_entries(entries, dirent_type, "link"):
            if int(e["node"]) == int(child):
                return read(int(e["name"].address), int(e["len"])).decode(errors="replace")
        return None

    parent, vnode = file["parent"], file["vnode"]
    if not int(parent):
        return None
    parts = [name_in(parent, vnode)]
    while parts[-1] is not None:
        up = parent.cast(node_type).dereference()["dir"]["parent"]
        if not int(up):
            return "/" + "/".join(reversed(parts))
        parts.append(name_in(up, parent))
        parent = up
    return None


class Mmap(gdb.Command):
    """alto mmap [PID]: a process's areas: start, end, protection, offset, what is mapped."""

    def __init__(self):
        super().__init__("alto mmap", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        proc = process_arg(arg)
        print(f"process {int(proc['pid'])} ({proc['comm'].string()})")
        for v in areas(proc["mm"]):
            prot, flags = int(v["prot"]), int(v["flags"])
            perms = "".join(c if prot & bit else "-" for c, bit in PROT)
            perms += "s" if flags & VMA_SHARED else "p"
            what = ""
            if int(v["file"]):
                try:
                    what = ramfs_path(v["file"].dereference()) or "file"
                except gdb.error:
                    what = "file"
            elif flags & VMA_STACK:
                what = "[stack]"
            elif flags & VMA_HEAP:
                what = "[heap]"
            elif flags & VMA_SPECIAL:
                what = "[vdso]"
            print(f"{int(v['node']['start']):#018x} {int(v['node']['end']):#018x} [{perms}] "
                  f"{int(v['offset']):#010x} {what}")


class Heap(gdb.Command):
    """The page allocator's pages and the kernel heap's size classes."""

    def __init__(self):
        super().__init__("alto heap", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        buddy = static("buddy")
        free, total = int(buddy["free_pages"]), int(buddy["total_pages"])
        print(f"pages: {free} of {total} free ({free * 4096 >> 20} of {total * 4096 >> 20} MiB)")
        heap = static("heap")
        print(f"heap: {int(heap['bytes_in_use'])} bytes in use, {int(heap['pages_in_use'])} pages held")
        sizes = static("class_size")
        print(f"{'class':>5} {'size':>6} {'partial slabs':>14} {'objects in use':>15} {'free':>6}")
        for i in range(int(sizes.type.sizeof // sizes[0].type.sizeof)):
            slabs = in_use = free_objs = 0
            for s in list_entries(heap["partial"][i], "struct slab", "link"):
                slabs += 1
                in_use += int(s["in_use"])
                obj = int(s["free"])
                while obj and free_objs < 10000000:
                    free_objs += 1
                    obj = u64(obj)
            print(f"{i:5d} {int(sizes[i]):6d} {slabs:14d} {in_use:15d} {free_objs:6d}")


def block(kind, payload):
    return struct.pack("<II", kind, len(payload)) + payload


def ring_records(ring):
    """The records of one ring, oldest first (kernel/trace_ring.c's walk)."""
    buf, size = int(ring["buf"]), int(ring["size"])
    head, tail = int(ring["head"]), int(ring["tail"])
    if not buf or head == tail:
        return b""
    data = read(buf, size)
    out, pos = [], tail
    while pos < head:
        at = pos & (size - 1)
        end = size - at
        step = end
        if end >= RECORD_HEAD:
            rid, rsize = struct.unpack_from("<HH", data, at + 8)
            if RECORD_HEAD <= rsize <= end and rsize % 8 == 0:
                step = rsize
                if rid != TRACE_PAD_ID:
                    out.append(data[at:at + rsize])
        pos += step
    return b"".join(out)


class Trace(gdb.Command):
    """alto trace FILE: write the trace rings of the stopped VM as a trace file."""

    def __init__(self):
        super().__init__("alto trace", gdb.COMMAND_USER, gdb.COMPLETE_FILENAME)

    def points(self):
        start = int(static("__tracepoints_start").address)
        end = int(static("__tracepoints_end").address)
        tp_type = gdb.lookup_type("struct tracepoint").pointer()
        out = b""
        points = [u64(addr) for addr in range(start, end, 8)]
        # The system calls' points (sys/syscall_trace.c): made when first
        # enabled, so only those with a name exist; their names are composed.
        sys_tp = static("sys_tp")
        size = int(sys_tp.type.sizeof) // int(sys_tp[0][0].type.sizeof)
        points += [int(sys_tp.address) + i * int(sys_tp[0][0].type.sizeof) for i in range(size)]
        for ptr in points:
            if not ptr:
                continue
            tp = gdb.Value(ptr).cast(tp_type).dereference()
            if not int(tp["name"]):
                continue
            flags = int(tp["flags"])
            name = tp["name"].string()
            if flags & TP_F_SYSCALL:
                name = ("sys_exit_" if flags & TP_F_SYSCALL_EXIT else "sys_enter_") + name
            out += struct.pack("<HBB", int(tp["id"]), int(tp["nargs"]), flags)
            out += name.encode() + b"\0" + tp["fmt"].string().encode() + b"\0"
        return out

    def threads(self):
        out = b""
        for t in all_threads():
            pid = int(t["proc"]["pid"]) if int(t["proc"]) else 0
            name = t["name"].string().encode()[:15]
            out += struct.pack("<ii16s", trace_id(t), pid, name)
        return out

    def boot(self):
        steps, n = static("steps"), int(static("nsteps"))
        out = b""
        for i in range(min(n, int(steps.type.range()[1]) + 1)):
            out += struct.pack("<Q", int(steps[i]["tsc"])) + steps[i]["name"].string().encode() + b"\0"
        return out

    def invoke(self, arg, from_tty):
        path = arg.strip()
        if not path:
            raise gdb.GdbError("usage: alto trace FILE")
        rings, nrings = static("rings"), int(static("nrings"))
        refined = int(static("tsc_refined_hz"))
        header = struct.pack("<QIIQQIIQ", TRACE_MAGIC, TRACE_VERSION, nrings,
                             refined or int(static("tsc_hz")), int(static("boot_tsc")), 0, 0, 0)
        out = block(1, header) + block(2, self.points()) + block(3, self.threads())
        out += block(5, self.boot())
        for cpu in range(nrings):
            records = ring_records(rings[cpu])
            out += block(4, struct.pack("<IIQ", cpu, 0, int(rings[cpu]["lost"])) + records)
        out += block(6, b"")
        with open(path, "wb") as f:
            f.write(out)
        print(f"trace of {nrings} CPU(s) written to {path}: alto trace {path} list")


class Symbols(gdb.Command):
    """alto symbols [PID]: add a program's symbols (its ELF at the path it ran from), at its base."""

    def __init__(self):
        super().__init__("alto symbols", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        proc = process_arg(arg)
        path = proc["exe_path"].string()
        base = int(proc["load_base"])
        gdb.execute(f"add-symbol-file {path} -o {base:#x}", to_string=not from_tty)
        print(f"symbols of {path} at offset {base:#x}")


Alto()
Threads()
Mmap()
Heap()
Trace()
Symbols()
