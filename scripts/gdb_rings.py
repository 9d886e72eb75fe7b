"""gdb commands for Ringtail's ring buffers; scripts/ringtail.gdb loads them.

  rt-rings            every perf and BPF ring, numbered: perf rings first,
                      then BPF rings, each oldest first. Owner, size, mode,
                      positions (perf: head, data_head, data_tail; BPF:
                      consumer, producer, pending, reservation), what was
                      lost or dropped, and the perf writer nest level.
  rt-ring N [COUNT]   the newest COUNT (default 10) records of ring N,
                      oldest first: perf records by type, samples by their
                      event's sample_type; BPF records by header (BUSY and
                      DISCARD bits, pg_off) and their first bytes.

The kernel lists its rings for debuggers: perf_mmap_all (struct perf_mmap,
kernel/events/mmap.c) and bpf_ring_all (struct bpf_map, kernel/bpf/map.c).
scripts/ringtail.gdb defines the commands and calls rings() and ring().
The machine is stopped while these run, so they read without locks; a CPU
stopped inside a writer shows as a nest level above 0 (perf) or a
reservation ahead of producer_pos (BPF), and rt-ring decodes only what
was published. The decoding itself is scripts/ring_decode.py.
"""
import gdb

import ring_decode as rd

MAX_RINGS = 4096
MAX_BYTES = 64 << 20            # larger rings are not read whole
PAGE = 4096
KERNEL_BASE = 0xffff800000000000
RINGBUF, USER_RINGBUF = 27, 31
HW = ["cycles", "instructions", "cache-references", "cache-misses", "branches",
      "branch-misses", "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend",
      "ref-cycles"]
SW = ["cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations",
      "minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy",
      "bpf-output", "cgroup-switches"]


def val(expr):
    return gdb.parse_and_eval(expr)


def list_entries(head_expr, typ, member):
    """Addresses of the typ structs on a kernel list (lib/list.h)."""
    head = val("&" + head_expr)
    off = int(val("(unsigned long)&((%s *)0)->%s" % (typ, member)))
    node = head["next"]
    out = []
    while int(node) != int(head) and len(out) < MAX_RINGS:
        out.append(int(node) - off)
        node = node["next"]
    return out


def read(addr, n):
    return bytes(gdb.selected_inferior().read_memory(addr, n))


def tp_name(tid):
    """A tracepoint id's name (ringtail/tracepoints.h)."""
    if tid in (1, 2):
        return "raw_syscalls:sys_" + ("enter" if tid == 1 else "exit")
    for base, kind in ((10000, "enter"), (20000, "exit")):
        nr = tid - base
        if 0 <= nr < 1000:
            try:
                p = val("syscall_names[%d]" % nr)
                name = p.string() if int(p) else "nr%d" % nr
            except gdb.error:
                name = "nr%d" % nr
            return "syscalls:sys_%s_%s" % (kind, name)
    return None


def sym(addr):
    """' <func+off>' for a kernel address, else ''."""
    if addr < KERNEL_BASE:
        return ""
    s = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    if s.startswith("No symbol"):
        return ""
    return " <%s>" % s.split(" in section")[0].replace(" + ", "+")


def event_name(typ, config):
    if typ == 0 and config < len(HW):
        return HW[config]
    if typ == 1 and config < len(SW):
        return SW[config]
    if typ == 2:
        return "tracepoint %s" % (tp_name(config) or config)
    return "type %d config %#x" % (typ, config)


class PerfRing:
    kind = "perf"

    def __init__(self, addr):
        self.pm = val("(struct perf_mmap *)%#x" % addr)
        c = self.pm["core"]
        self.addr = addr
        self.size = int(c["nr_pages"]) * PAGE
        self.head = int(c["head"]["v"])
        self.nest, self.paused = int(c["nest"]), int(c["paused"])
        self.overwrite, self.backward = bool(c["overwrite"]), bool(c["backward"])
        self.lost, self.lost_total = int(c["lost"]["v"]), int(c["lost_total"]["v"])
        up = c["user_page"]
        self.data_head, self.data_tail = int(up["data_head"]), int(up["data_tail"])
        self.events = []                     # (struct perf_event *, rd.Event)
        for link in list_entries("((struct perf_mmap *)%#x)->events" % addr,
                                 "struct perf_mmap_link", "node"):
            e = val("((struct perf_mmap_link *)%#x)->e" % link)
            self.events.append((int(e), self.event(e)))
        self.owner = int(self.pm["owner"])

    @staticmethod
    def event(e):
        a = e["attr"]
        return rd.Event(int(e["id"]), int(a["sample_type"]), int(a["read_format"]),
                        bool(int(a["sample_id_all"])), int(a["branch_sample_type"]),
                        int(a["sample_regs_user"]), int(a["sample_regs_intr"]),
                        int(a["type"]), int(a["config"]),
                        "%s, %s, %s" % (event_name(int(a["type"]), int(a["config"])),
                                        "tid %d" % int(e["task_tid"]) if int(e["task"])
                                        else "all tasks",
                                        "any CPU" if int(e["cpu"]) < 0 else "CPU %d" % int(e["cpu"])))

    def owner_event(self):
        for p, ev in self.events:
            if p == self.owner:
                return ev
        return None

    def pos(self, p):
        return rd.s64(p) if self.backward else p

    def summary(self):
        own = self.owner_event()
        who = ("event %d (%s)" % (own.id, own.name) if own else
               "event at %#x (no longer writing here)" % self.owner)
        others = [ev.id for p, ev in self.events if p != self.owner]
        mode = "overwrite" if self.overwrite else "normal"
        out = ["perf  owner=%s%s" % (who, "; also events %s" % ", ".join(map(str, others))
                                     if others else ""),
               "size=%d (1+%d pages) mode=%s %s  struct perf_mmap *%#x" % (
                   self.size, self.size // PAGE, mode,
                   "backward" if self.backward else "forward", self.addr)]
        pos = ("head=%d data_head=%d data_tail=%d" % (
            self.pos(self.head), self.pos(self.data_head), self.pos(self.data_tail)))
        if not self.overwrite:
            unread = (self.data_tail - self.data_head if self.backward else
                      self.data_head - self.data_tail) & (2**64 - 1)
            pos += " unread=%d" % unread
        out.append(pos + " lost=%d lost_pending=%d nest=%d paused=%d" % (
            self.lost_total, self.lost, self.nest, self.paused))
        return out

    def data(self):
        pages = self.pm["core"]["data_pages"]
        self.pages = [int(pages[i]) for i in range(self.size // PAGE)]
        return b"".join(read(p, PAGE) for p in self.pages)

    def addr_of(self, off):
        return self.pages[off // PAGE] + off % PAGE

    def records(self, count):
        """(intro lines, [(pos, offset, address, header text, labels, field
        lines)]) of the newest count records, oldest first."""
        data = self.data()
        intro = []
        if self.backward:
            recs, why = rd.backward_records(data, self.data_head, self.head)
            intro.append("%d records from data_head up to %s" % (len(recs), why))
            scanned = None
        else:
            anchors = [0] + ([] if self.overwrite else [self.data_tail])
            recs, known, scanned, err = rd.forward_records(
                data, self.data_head, self.head, anchors, rd.perf_valid)
            what = ("the start" if known == 0 else "data_tail" if known == self.data_tail
                    and not self.overwrite else "data_head")
            intro.append("%d records from %d to data_head %d; known start %d (%s)%s" % (
                len(recs), scanned, self.data_head, known, what,
                ", older ones found by scanning back" if scanned < known else ""))
            if err:
                intro.append("stopped early: " + err)
        if self.head != self.data_head:
            intro.append("%d bytes reserved but not yet published (a writer is inside)"
                         % abs(rd.s64(self.head - self.data_head)))
        out = []
        events = [ev for _, ev in self.events]
        for p in recs[-count:] if count else []:
            t, misc, size = rd.perf_header(data, p)
            rec = rd.ring_bytes(data, p, size)
            ev, note = rd.pick_event(events, rec, self.owner_event())
            name, misc_s, lines = rd.decode_perf(rec, ev, note, sym, tp_name)
            label = []
            if not self.overwrite:
                sp, tail = rd.s64(p), rd.s64(self.data_tail)
                label.append(("unread" if sp < tail else "read") if self.backward else
                             ("read" if p < self.data_tail else "unread"))
            if scanned is not None and p < known:
                label.append("scanned")
            off = p % self.size
            out.append((self.pos(p), off, self.addr_of(off),
                        "%s misc=%s size=%d" % (name, misc_s, size), label, lines))
        return intro, out


class BpfRing:
    kind = "bpf"

    def __init__(self, addr):
        m = val("(struct bpf_map *)%#x" % addr)
        self.addr, self.map = addr, m
        self.id, self.name = int(m["id"]), m["name"].string()
        self.type, self.size = int(m["type"]), int(m["max_entries"])
        rb = m["rb"]
        self.rb = int(rb)
        self.overwrite, self.rsv, self.busy = bool(rb["overwrite"]), int(rb["rsv"]), int(rb["busy"])
        self.cons = int(val("*(unsigned long *)%#x" % (self.rb + PAGE)))
        prod = val("(struct bpf_ringbuf_prod *)%#x" % (self.rb + 2 * PAGE))
        self.prod, self.pending = int(prod["producer_pos"]), int(prod["pending_pos"])
        self.overwrite_pos, self.dropped = int(prod["overwrite_pos"]), int(prod["dropped"])
        self.kernel = self.type == RINGBUF

    def summary(self):
        kind = "ringbuf" if self.kernel else "user_ringbuf"
        out = ['bpf   owner=map %d "%s" (%s, refs %d)' % (self.id, self.name, kind,
                                                          int(self.map["refs"])),
               "size=%d producer=%s%s  struct bpf_map *%#x" % (
                   self.size, "kernel" if self.kernel else "user",
                   " overwrite" if self.overwrite else "", self.addr)]
        pos = "consumer_pos=%d producer_pos=%d unread=%d" % (
            self.cons, self.prod, (self.prod - self.cons) & (2**64 - 1))
        if self.kernel:
            pos += " pending_pos=%d rsv=%d" % (self.pending, self.rsv)
            if self.overwrite:
                pos += " overwrite_pos=%d" % self.overwrite_pos
            pos += " dropped=%d" % self.dropped
        else:
            pos += " draining=%d" % self.busy
        out.append(pos)
        return out

    def records(self, count):
        data = read(self.rb + 3 * PAGE, self.size)
        size_at = lambda d, p: rd.bpf_size(d, p, self.kernel)
        anchors = [0, self.cons] + ([self.pending, self.overwrite_pos] if self.kernel else [])
        rsv = self.rsv if self.kernel else self.prod
        recs, known, scanned, err = rd.forward_records(data, self.prod, rsv, anchors, size_at)
        intro = ["%d records from %d to producer_pos %d; known start %d%s" % (
            len(recs), scanned, self.prod, known,
            ", older ones found by scanning back" if scanned < known else "")]
        if err:
            intro.append("stopped early: " + err)
        if self.kernel and self.rsv != self.prod:
            intro.append("%d bytes reserved beyond producer_pos (a producer is inside)"
                         % (self.rsv - self.prod))
        out = []
        for p in recs[-count:] if count else []:
            ln, pg_off, flags, sample = rd.decode_bpf(data, p)
            label = ["consumed" if p < self.cons else "unread"]
            if p < known:
                label.append("scanned")
            off = p % self.size
            out.append((p, off, self.rb + 3 * PAGE + off,
                        "len=%d pg_off=%d %s" % (ln, pg_off, flags), label, [rd.hexdump(sample)]))
        return intro, out


def all_rings():
    rings = [PerfRing(a) for a in list_entries("perf_mmap_all", "struct perf_mmap", "all_node")]
    rings += [BpfRing(a) for a in list_entries("bpf_ring_all", "struct bpf_map", "ring_node")]
    return rings


def write_ring(i, r):
    lines = r.summary()
    gdb.write("ring %d: %s\n" % (i, lines[0]))
    for l in lines[1:]:
        gdb.write("    %s\n" % l)


def rings(arg):
    """rt-rings"""
    found = all_rings()
    if not found:
        gdb.write("no perf or BPF rings\n")
    for i, r in enumerate(found):
        write_ring(i, r)


def ring(arg):
    """rt-ring N [COUNT]"""
    words = arg.split()
    if not 1 <= len(words) <= 2:
        raise gdb.GdbError("usage: rt-ring N [COUNT]  (N from rt-rings)")
    try:
        n, count = int(words[0], 0), int(words[1], 0) if len(words) > 1 else 10
    except ValueError:
        raise gdb.GdbError("usage: rt-ring N [COUNT]  (numbers; N from rt-rings)")
    found = all_rings()
    if not 0 <= n < len(found):
        raise gdb.GdbError("no ring %d (rt-rings lists %d)" % (n, len(found)))
    r = found[n]
    if r.size > MAX_BYTES:
        raise gdb.GdbError("ring %d has %d bytes: too large to read here" % (n, r.size))
    write_ring(n, r)
    if not r.size:
        gdb.write("no data pages (only the user page was mapped): no records\n")
        return
    intro, recs = r.records(count)
    for l in intro:
        gdb.write(l + "\n")
    gdb.write("newest %d, oldest first:\n" % len(recs))
    for pos, off, addr, head, label, body in recs:
        gdb.write("  @%d off=%#x addr=%#x %s%s\n" % (pos, off, addr, head,
                                                      "".join(" [%s]" % l for l in label)))
        for l in body:
            gdb.write("      %s\n" % l)
