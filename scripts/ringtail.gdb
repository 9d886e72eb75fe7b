# gdb helpers for Ringtail: `make gdb` loads this file.
#   rt-dmesg [N]   last N bytes (default 4000) of the kernel log (klog)
#   rt-cpu         this CPU's struct cpu (through the GS base)
#   rt-mem         free and total physical frames
#   rt-bt          backtrace following frame pointers from $rbp
#   rt-threads     every thread: id, name, state, CPU, and where it sleeps
#   rt-rings       every perf and BPF ring buffer: owner, size, mode, positions
#                  (head/data_head/data_tail; consumer/producer/pending), lost
#                  or dropped records, the writers' nest level; numbered
#   rt-ring N [COUNT]  the newest COUNT (10) records of ring N, oldest first:
#                  perf records by type, samples by their event's sample_type,
#                  BPF records by header (BUSY/DISCARD bits, pg_off) and bytes
# rt-rings and rt-ring live in scripts/gdb_rings.py (decoding in
# scripts/ring_decode.py), found beside the kernel's sources through its
# debug info, else in ./scripts. README.md "Debugging with gdb" walks
# through them.
set architecture i386:x86-64
set disassembly-flavor intel
set print pretty on
set pagination off

python
import gdb

class RtDmesg(gdb.Command):
    """Print the tail of the kernel log ring (klog_buf / klog_pos)."""
    def __init__(self):
        super().__init__("rt-dmesg", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        want = int(arg) if arg.strip() else 4000
        size = int(gdb.parse_and_eval("sizeof(klog_buf)"))
        pos = int(gdb.parse_and_eval("klog_pos"))
        start = max(0, pos - min(want, size))
        base = int(gdb.parse_and_eval("(unsigned long)&klog_buf"))
        inf = gdb.selected_inferior()
        out = bytearray()
        # The ring may wrap: read it in (at most) two pieces.
        p = start
        while p < pos:
            off = p % size
            n = min(pos - p, size - off)
            out += bytes(inf.read_memory(base + off, n))
            p += n
        gdb.write(out.decode("utf-8", "replace"))

class RtCpu(gdb.Command):
    """Print the running CPU's struct cpu (GS base points at it)."""
    def __init__(self):
        super().__init__("rt-cpu", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        gs = int(gdb.parse_and_eval("$gs_base"))
        if gs < 0xffff800000000000:
            gs = int(gdb.parse_and_eval("(unsigned long)cpu_table[0]"))
        gdb.execute("print *(struct cpu *)%#x" % gs)

class RtMem(gdb.Command):
    """Free and total physical frames (4 KiB)."""
    def __init__(self):
        super().__init__("rt-mem", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        free = int(gdb.parse_and_eval("free_frames"))
        total = int(gdb.parse_and_eval("total_frames"))
        gdb.write("frames: %d free of %d (%d MiB free)\n" % (free, total, free * 4096 >> 20))

class RtBt(gdb.Command):
    """Walk the frame-pointer chain from $rbp (works without debug info)."""
    def __init__(self):
        super().__init__("rt-bt", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        pc = int(gdb.parse_and_eval("$pc"))
        fp = int(gdb.parse_and_eval("$rbp"))
        inf = gdb.selected_inferior()
        for i in range(32):
            gdb.write("#%-2d %#018x %s\n" % (i, pc, gdb.execute(
                "info symbol %#x" % pc, to_string=True).strip()))
            if fp == 0 or fp & 7:
                break
            try:
                mem = bytes(inf.read_memory(fp, 16))
            except gdb.MemoryError:
                break
            nfp = int.from_bytes(mem[:8], "little")
            pc = int.from_bytes(mem[8:], "little")
            if nfp <= fp:
                break
            fp = nfp

class RtThreads(gdb.Command):
    """Every thread (all_threads): state, CPU, and a backtrace of the ones
    not running, from the registers switch_stacks saved at thread->ksp."""
    def __init__(self):
        super().__init__("rt-threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        inf = gdb.selected_inferior()
        head = gdb.parse_and_eval("&all_threads")
        off = int(gdb.parse_and_eval("(unsigned long)&((struct thread *)0)->all_node"))
        node = head["next"]
        states = {0: "RUNNING", 1: "BLOCKED", 2: "DEAD"}
        for _ in range(4096):
            if int(node) == int(head):
                break
            t = gdb.parse_and_eval("(struct thread *)%d" % (int(node) - off))
            pid = int(t["proc"]["pid"]) if int(t["proc"]) else 0
            gdb.write("tid %d pid %d %s: %s on_rq %d on_cpu %d cpu %d\n" % (
                int(t["tid"]), pid, t["comm"].string(), states.get(int(t["state"]), "?"),
                int(t["on_rq"]), int(t["on_cpu"]), int(t["cpu"])))
            if not int(t["on_cpu"]):
                ksp = int(t["ksp"])
                try:
                    mem = bytes(inf.read_memory(ksp + 40, 16))
                    fp = int.from_bytes(mem[:8], "little")
                    pc = int.from_bytes(mem[8:], "little")
                    for i in range(16):
                        sym = gdb.execute("info symbol %#x" % pc, to_string=True).strip()
                        gdb.write("    %#018x %s\n" % (pc, sym))
                        if fp == 0 or fp & 7:
                            break
                        mem = bytes(inf.read_memory(fp, 16))
                        nfp = int.from_bytes(mem[:8], "little")
                        pc = int.from_bytes(mem[8:], "little")
                        if nfp <= fp or pc < 0xffff800000000000:
                            break
                        fp = nfp
                except gdb.MemoryError:
                    gdb.write("    (stack unreadable)\n")
            node = node["next"]

def rt_rings_module():
    """scripts/gdb_rings.py, imported on first use (the kernel's symbols
    are loaded by then, and they say where its source tree is)."""
    import os
    import sys
    dirs = []
    sym = gdb.lookup_global_symbol("kmain")
    if sym is not None and sym.symtab is not None:
        src = sym.symtab.fullname()                 # <tree>/kernel/main.c
        dirs.append(os.path.join(os.path.dirname(os.path.dirname(src)), "scripts"))
    dirs.append(os.path.join(os.getcwd(), "scripts"))
    for d in dirs:
        if os.path.isfile(os.path.join(d, "gdb_rings.py")):
            if d not in sys.path:
                sys.path.insert(0, d)
            import gdb_rings
            return gdb_rings
    raise gdb.GdbError("gdb_rings.py not found in %s" % " or ".join(dirs))

class RtRings(gdb.Command):
    """Every perf and BPF ring buffer, numbered for rt-ring (scripts/gdb_rings.py)."""
    def __init__(self):
        super().__init__("rt-rings", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        rt_rings_module().rings(arg)

class RtRing(gdb.Command):
    """rt-ring N [COUNT]: the newest COUNT (default 10) records of ring N."""
    def __init__(self):
        super().__init__("rt-ring", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        rt_rings_module().ring(arg)

RtDmesg(); RtCpu(); RtMem(); RtBt(); RtThreads(); RtRings(); RtRing()
end

echo Ringtail gdb helpers: rt-dmesg, rt-cpu, rt-mem, rt-bt, rt-threads, rt-rings, rt-ring. Try: hbreak kmain, continue, bt\n
