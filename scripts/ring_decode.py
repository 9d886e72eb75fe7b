"""Decoding perf and BPF ring buffer contents: plain Python over bytes.

scripts/gdb_rings.py (the gdb commands rt-rings and rt-ring) reads a ring
out of the stopped kernel and hands its data area and positions to the
functions here; scripts/tests/test_ring_decode.py checks them on made-up
rings. Nothing here imports gdb.

Positions are the kernels' byte counts that never wrap: position p is byte
p % size of the data area (size a power of two). Which records are in a ring:

  perf, forward    records end at data_head. A start is known at 0 (if the
                   ring has not wrapped) and at data_tail (normal mode: the
                   reader's position); older records are found by scanning
                   back (see scan_back) as far as the bytes are still the
                   newest ones written there (reservation head - size).
  perf, backward   data_head is the newest record; walk up from it until
                   position 0, a zero header (never written) or a record
                   the writer has partly overwritten.
  BPF              records end at producer_pos; starts are known at 0,
                   consumer_pos, pending_pos and overwrite_pos. A kernel
                   ring's header says its own page (pg_off), which makes
                   scanning back reliable; a user ring's does not.

The layout of a PERF_RECORD_SAMPLE follows the writing event's sample_type
in Linux's order (kernel/events/output.c writes it); side-band records and
LOST carry the sample_id_all trailer. decode_perf() returns text lines.
"""
import struct

# --- perf ABI (include/uapi/linux/perf_event.h) -----------------------------
RECORD_NAMES = {1: "MMAP", 2: "LOST", 3: "COMM", 4: "EXIT", 5: "THROTTLE", 6: "UNTHROTTLE",
                7: "FORK", 8: "READ", 9: "SAMPLE", 10: "MMAP2", 11: "AUX", 12: "ITRACE_START",
                13: "LOST_SAMPLES", 14: "SWITCH", 15: "SWITCH_CPU_WIDE", 16: "NAMESPACES",
                17: "KSYMBOL", 18: "BPF_EVENT", 19: "CGROUP", 20: "TEXT_POKE",
                21: "AUX_OUTPUT_HW_ID"}
SAMPLE = 9
S_IP, S_TID, S_TIME, S_ADDR, S_READ, S_CALLCHAIN, S_ID, S_CPU = (1 << i for i in range(8))
S_PERIOD, S_STREAM_ID, S_RAW, S_BRANCH_STACK, S_REGS_USER, S_STACK_USER = (
    1 << i for i in range(8, 14))
S_WEIGHT, S_DATA_SRC, S_IDENTIFIER, S_TRANSACTION, S_REGS_INTR, S_PHYS_ADDR = (
    1 << i for i in range(14, 20))
S_AUX, S_CGROUP, S_DATA_PAGE_SIZE, S_CODE_PAGE_SIZE, S_WEIGHT_STRUCT = (
    1 << i for i in range(20, 25))
F_ENABLED, F_RUNNING, F_ID, F_GROUP, F_LOST = (1 << i for i in range(5))
BRANCH_HW_INDEX = 1 << 17
CONTEXTS = {2**64 - 32: "HV", 2**64 - 128: "KERNEL", 2**64 - 512: "USER",
            2**64 - 2048: "GUEST", 2**64 - 2176: "GUEST_KERNEL", 2**64 - 2560: "GUEST_USER"}
CPUMODES = ["UNKNOWN", "KERNEL", "USER", "HYPERVISOR", "GUEST_KERNEL", "GUEST_USER", "6", "7"]
# perf_regs numbering on x86_64 (arch/x86/include/uapi/asm/perf_regs.h).
REGS = ["ax", "bx", "cx", "dx", "si", "di", "bp", "sp", "ip", "flags", "cs", "ss", "ds",
        "es", "fs", "gs"] + ["r%d" % i for i in range(8, 16)]

# --- BPF ring records (include/uapi/linux/bpf.h) ------------------------------
BPF_BUSY, BPF_DISCARD = 1 << 31, 1 << 30
BPF_HDR = 8
BPF_DATA_PGOFF = 3          # pages from struct bpf_ringbuf to the data (ringbuf.c)


class Event:
    """What decoding needs of a perf event writing to a ring."""
    def __init__(self, id, sample_type=0, read_format=0, sample_id_all=False,
                 branch_sample_type=0, regs_user=0, regs_intr=0, type=0, config=0,
                 name=""):
        self.id, self.sample_type, self.read_format = id, sample_type, read_format
        self.sample_id_all, self.branch_sample_type = sample_id_all, branch_sample_type
        self.regs_user, self.regs_intr = regs_user, regs_intr
        self.type, self.config, self.name = type, config, name

    def layout(self):
        return (self.sample_type, self.read_format, self.sample_id_all,
                self.branch_sample_type, self.regs_user, self.regs_intr)


def s64(v):
    v &= 2**64 - 1
    return v - 2**64 if v >> 63 else v


def ring_bytes(data, pos, n):
    """n bytes at position pos of a ring whose data area is data."""
    size = len(data)
    off = pos % size
    if off + n <= size:
        return data[off:off + n]
    return data[off:] + data[:n - (size - off)]


def u64s(b):
    return list(struct.unpack("<%dQ" % (len(b) // 8), b[:len(b) // 8 * 8]))


# --- which records a ring holds ---------------------------------------------
def perf_header(data, pos):
    t, misc, size = struct.unpack("<IHH", ring_bytes(data, pos, 8))
    return t, misc, size


def perf_valid(data, pos):
    """The size of a plausible perf record at pos, else 0."""
    t, misc, size = perf_header(data, pos)
    return size if 1 <= t < 32 and size >= 8 and not size & 7 else 0


def bpf_size(data, pos, kernel):
    """The bytes of a plausible BPF ring record at pos, else 0. A kernel
    ring's pg_off must name the page the header is on."""
    ln, pg_off = struct.unpack("<II", ring_bytes(data, pos, 8))
    total = ((ln & ~(BPF_BUSY | BPF_DISCARD)) + BPF_HDR + 7) & ~7
    if total > len(data):
        return 0
    if kernel and pg_off != BPF_DATA_PGOFF + (pos % len(data) >> 12):
        return 0
    return total


def walk(data, start, end, size_at):
    """Positions of the records from start to exactly end, or (positions so
    far, the position where it broke)."""
    pos, out = start, []
    while pos < end:
        if end - pos < 8:
            return out, pos
        n = size_at(data, pos)
        if not n or pos + n > end:
            return out, pos
        out.append(pos)
        pos += n
    return out, None


def scan_back(data, lo, anchor, size_at):
    """The lowest position >= lo from which plausible records lead exactly
    to anchor (a known start), or anchor. Going down from anchor, a position
    is a start when the record there is plausible and ends at a start; the
    lowest one found gives the longest chain. A guess, for the bytes before
    a known start: the caller says so."""
    ok = {anchor}
    best = anchor
    q = anchor - 8
    while q >= lo:
        n = size_at(data, q)
        if n and q + n <= anchor and q + n in ok:
            ok.add(q)
            best = q
        q -= 8
    return best


def forward_records(data, end, rsv, anchors, size_at):
    """Records of a ring written upwards, oldest first: (positions, known
    start, first position found by scanning back, error). end: the last
    published position; rsv: the reservation point (>= end); anchors:
    positions known to start a record."""
    lo = max(rsv - len(data), 0)
    cands = sorted({a for a in anchors if lo <= a <= end and not a & 7}) + [end]
    for a in cands:
        recs, broke = walk(data, a, end, size_at)
        if broke is None:
            start = scan_back(data, lo, a, size_at)
            older, _ = walk(data, start, a, size_at)
            return older + recs, a, start, None
    recs, broke = walk(data, cands[0], end, size_at)
    return recs, cands[0], cands[0], "no valid record at %d" % broke


def backward_records(data, head, rsv):
    """Records of a perf ring written downwards (positions signed), oldest
    first, and why the walk stopped."""
    limit = min(s64(rsv) + len(data), 0)
    pos, out, why = s64(head), [], "position 0"
    while pos < limit:
        if limit - pos < 8:
            why = "end of the buffer"
            break
        t, misc, size = perf_header(data, pos)
        if size == 0:
            why = "never-written space"
            break
        if not perf_valid(data, pos):
            why = "no valid record at %d" % pos
            break
        if pos + size > limit:
            why = "a record partly overwritten"
            break
        out.append(pos)
        pos += size
    return out[::-1], why


# --- perf records --------------------------------------------------------------
def pick_event(events, rec, owner):
    """The event whose sample_type a record was written with: the only
    layout there is, else the one IDENTIFIER (or ID where each event has
    it) names. Returns (event or None, note)."""
    if not events:
        return None, "no event writes here now"
    if len({e.layout() for e in events}) == 1:
        return events[0], ""
    t = struct.unpack("<I", rec[:4])[0]
    w = u64s(rec[8:])
    for e in events:
        st = e.sample_type
        if t == SAMPLE:
            if st & S_IDENTIFIER:
                idx = 0
            elif st & S_ID:
                idx = bin(st & (S_IP | S_TID | S_TIME | S_ADDR)).count("1")
            else:
                continue
        elif e.sample_id_all and st & (S_IDENTIFIER | S_ID):
            n = bin(st & (S_TID | S_TIME | S_ID | S_STREAM_ID | S_CPU | S_IDENTIFIER)).count("1")
            if st & S_IDENTIFIER:
                idx = len(w) - 1
            else:
                idx = len(w) - n + bin(st & (S_TID | S_TIME)).count("1")
        else:
            continue
        if 0 <= idx < len(w) and w[idx] == e.id:
            return e, ""
    return owner, "layout guessed (the owner's)"


class Reader:
    def __init__(self, b):
        self.b, self.off = b, 0

    def left(self):
        return len(self.b) - self.off

    def u64(self):
        if self.left() < 8:
            raise ValueError("record too short")
        v = struct.unpack_from("<Q", self.b, self.off)[0]
        self.off += 8
        return v

    def take(self, n):
        if self.left() < n:
            raise ValueError("record too short")
        v = self.b[self.off:self.off + n]
        self.off += n
        return v


def hexdump(b, limit=48):
    head = b[:limit]
    text = " ".join("%02x" % c for c in head)
    asc = "".join(chr(c) if 32 <= c < 127 else "." for c in head)
    more = " ... (%d more)" % (len(b) - limit) if len(b) > limit else ""
    return "%s |%s|%s" % (text, asc, more)


def cstr(b):
    return b.split(b"\0", 1)[0].decode("utf-8", "replace")


def pid_tid(v):
    return "pid=%d tid=%d" % (v & 0xffffffff, v >> 32)


def read_values(r, fmt):
    out = []
    if fmt & F_GROUP:
        nr = r.u64()
        out.append("nr=%d" % nr)
        if fmt & F_ENABLED:
            out.append("enabled=%d" % r.u64())
        if fmt & F_RUNNING:
            out.append("running=%d" % r.u64())
        for _ in range(min(nr, 512)):
            v = ["value=%d" % r.u64()]
            if fmt & F_ID:
                v.append("id=%d" % r.u64())
            if fmt & F_LOST:
                v.append("lost=%d" % r.u64())
            out.append("{%s}" % " ".join(v))
        return out
    out.append("value=%d" % r.u64())
    for bit, name in ((F_ENABLED, "enabled"), (F_RUNNING, "running"), (F_ID, "id"),
                      (F_LOST, "lost")):
        if fmt & bit:
            out.append("%s=%d" % (name, r.u64()))
    return out


def regs(r, mask):
    abi = r.u64()
    if not abi:
        return "abi=none"
    vals = ["%s=%#x" % (REGS[i] if i < len(REGS) else "r?%d" % i, r.u64())
            for i in range(64) if mask >> i & 1]
    return "abi=%d %s" % (abi, " ".join(vals))


def raw_text(raw, ev, tp_name):
    """A syscall tracepoint's payload (ringtail/tracepoints.h), else hex."""
    if ev is not None and ev.type == 2 and len(raw) >= 16:
        ctype = struct.unpack_from("<H", raw)[0]
        pid = struct.unpack_from("<i", raw, 4)[0]
        name = tp_name(ctype) if tp_name else None
        w = u64s(raw[8:])
        if name and w:
            if ctype in (1, 2):                 # raw_syscalls: s64 id first
                nr, rest = s64(w[0]), w[1:]
            else:                               # syscalls:*: s32 nr, pad
                nr, rest = struct.unpack_from("<i", raw, 8)[0], w[1:]
            kind = "ret" if "exit" in name else "args"
            vals = " ".join(("%d" % s64(v)) if kind == "ret" else "%#x" % v for v in rest)
            return "%s common_pid=%d nr=%d %s=%s" % (name, pid, nr, kind, vals)
    return hexdump(raw)


def sample_id_fields(r, st):
    out = []
    if st & S_TID:
        out.append(pid_tid(r.u64()))
    for bit, name in ((S_TIME, "time"), (S_ID, "id"), (S_STREAM_ID, "stream_id")):
        if st & bit:
            out.append("%s=%d" % (name, r.u64()))
    if st & S_CPU:
        out.append("cpu=%d" % (r.u64() & 0xffffffff))
    if st & S_IDENTIFIER:
        out.append("identifier=%d" % r.u64())
    return out


def decode_sample(r, ev, sym, tp_name):
    st = ev.sample_type
    lines, fixed = [], []
    if st & S_IDENTIFIER:
        fixed.append("identifier=%d" % r.u64())
    if st & S_IP:
        ip = r.u64()
        fixed.append("ip=%#x%s" % (ip, sym(ip) if sym else ""))
    if st & S_TID:
        fixed.append(pid_tid(r.u64()))
    for bit, name, fmt in ((S_TIME, "time", "%d"), (S_ADDR, "addr", "%#x"), (S_ID, "id", "%d"),
                           (S_STREAM_ID, "stream_id", "%d")):
        if st & bit:
            fixed.append(name + "=" + fmt % r.u64())
    if st & S_CPU:
        fixed.append("cpu=%d" % (r.u64() & 0xffffffff))
    if st & S_PERIOD:
        fixed.append("period=%d" % r.u64())
    lines.append(" ".join(fixed))
    if st & S_READ:
        lines.append("read: " + " ".join(read_values(r, ev.read_format)))
    if st & S_CALLCHAIN:
        nr = r.u64()
        ips = [r.u64() for _ in range(min(nr, r.left() // 8))]
        lines.append("callchain nr=%d: %s" % (nr, " ".join(
            CONTEXTS.get(ip, "%#x%s" % (ip, sym(ip) if sym else "")) for ip in ips)))
    if st & S_RAW:
        size = struct.unpack("<I", r.take(4))[0]
        lines.append("raw size=%d: %s" % (size, raw_text(r.take(size), ev, tp_name)))
    if st & S_BRANCH_STACK:
        nr = r.u64()
        hw = " hw_idx=%d" % s64(r.u64()) if ev.branch_sample_type & BRANCH_HW_INDEX else ""
        br = [tuple(r.u64() for _ in range(3)) for _ in range(min(nr, r.left() // 24))]
        lines.append("branch_stack nr=%d%s: %s" % (nr, hw, " ".join(
            "%#x->%#x" % (f, t) for f, t, _ in br)))
    if st & S_REGS_USER:
        lines.append("regs_user: " + regs(r, ev.regs_user))
    if st & S_STACK_USER:
        size = r.u64()
        if size:
            stack = r.take(size)
            lines.append("stack_user size=%d dyn_size=%d: %s" % (size, r.u64(), hexdump(stack, 32)))
        else:
            lines.append("stack_user size=0")
    extra = []
    if st & (S_WEIGHT | S_WEIGHT_STRUCT):
        extra.append("weight=%#x" % r.u64())
    for bit, name in ((S_DATA_SRC, "data_src"), (S_TRANSACTION, "transaction")):
        if st & bit:
            extra.append("%s=%#x" % (name, r.u64()))
    if st & S_REGS_INTR:
        lines.append("regs_intr: " + regs(r, ev.regs_intr))
    for bit, name in ((S_PHYS_ADDR, "phys_addr"), (S_CGROUP, "cgroup"),
                      (S_DATA_PAGE_SIZE, "data_page_size"), (S_CODE_PAGE_SIZE, "code_page_size")):
        if st & bit:
            extra.append("%s=%#x" % (name, r.u64()))
    if st & S_AUX:
        size = r.u64()
        extra.append("aux size=%d: %s" % (size, hexdump(r.take(size), 16)))
    if extra:
        lines.append(" ".join(extra))
    return lines


def decode_body(t, misc, r, ev, trailer):
    """Fields of a record other than SAMPLE, up to its sample_id trailer."""
    if t == 2:                                   # LOST
        return ["id=%d lost=%d" % (r.u64(), r.u64())]
    if t == 13:                                  # LOST_SAMPLES
        return ["lost=%d" % r.u64()]
    if t == 3:                                   # COMM
        ids = r.u64()
        return ["%s comm=%s" % (pid_tid(ids), cstr(r.take(r.left() - trailer)))]
    if t in (4, 7):                              # EXIT, FORK
        a, b, tm = r.u64(), r.u64(), r.u64()
        return ["pid=%d ppid=%d tid=%d ptid=%d time=%d" % (
            a & 0xffffffff, a >> 32, b & 0xffffffff, b >> 32, tm)]
    if t in (5, 6):                              # THROTTLE, UNTHROTTLE
        return ["time=%d id=%d stream_id=%d" % (r.u64(), r.u64(), r.u64())]
    if t == 1:                                   # MMAP
        ids, addr, ln, pgoff = r.u64(), r.u64(), r.u64(), r.u64()
        return ["%s addr=%#x len=%#x pgoff=%#x file=%s" % (
            pid_tid(ids), addr, ln, pgoff, cstr(r.take(r.left() - trailer)))]
    if t == 10:                                  # MMAP2
        ids, addr, ln, pgoff = r.u64(), r.u64(), r.u64(), r.u64()
        dev = r.take(24)
        if misc & (1 << 14):                     # MISC_MMAP_BUILD_ID
            n = dev[0]
            how = "build_id=%s" % dev[4:4 + min(n, 20)].hex()
        else:
            maj, mn, ino, gen = struct.unpack("<IIQQ", dev)
            how = "maj=%d min=%d ino=%d ino_generation=%d" % (maj, mn, ino, gen)
        prot, flags = struct.unpack("<II", r.take(8))
        p = "".join(c if prot & b else "-" for c, b in (("r", 1), ("w", 2), ("x", 4)))
        return ["%s addr=%#x len=%#x pgoff=%#x %s prot=%s flags=%#x file=%s" % (
            pid_tid(ids), addr, ln, pgoff, how, p, flags, cstr(r.take(r.left() - trailer)))]
    if t == 8 and ev is not None:                # READ
        ids = struct.unpack("<II", r.take(8))
        return ["pid=%d tid=%d %s" % (ids[0], ids[1], " ".join(read_values(r, ev.read_format)))]
    if t == 14:                                  # SWITCH
        return []
    if t == 15:                                  # SWITCH_CPU_WIDE
        return ["next_prev_" + pid_tid(r.u64())]
    return ["words: " + " ".join("%#x" % w for w in u64s(r.take(r.left() - trailer)))]


def misc_text(t, misc):
    out = [CPUMODES[misc & 7]]
    names = {13: {10: "MMAP_DATA", 1: "MMAP_DATA", 3: "COMM_EXEC", 7: "FORK_EXEC",
                  14: "SWITCH_OUT", 15: "SWITCH_OUT"},
             14: {10: "MMAP_BUILD_ID", 9: "EXACT_IP", 14: "SWITCH_OUT_PREEMPT",
                  15: "SWITCH_OUT_PREEMPT"}}
    for bit in (12, 13, 14, 15):
        if misc >> bit & 1:
            out.append(names.get(bit, {}).get(t, "bit%d" % bit))
    return "|".join(out)


def decode_perf(rec, ev, note="", sym=None, tp_name=None):
    """(type name, misc text, lines of fields) of one whole record. ev: the
    event it was written with (pick_event), or None."""
    t, misc, size = struct.unpack_from("<IHH", rec)
    name = RECORD_NAMES.get(t, "type%d" % t)
    r = Reader(rec[8:size])
    lines = []
    try:
        if t == SAMPLE:
            lines = decode_sample(r, ev, sym, tp_name) if ev else [
                "words: " + " ".join("%#x" % w for w in u64s(r.take(r.left())))]
        else:
            trailer = 0
            if ev is not None and ev.sample_id_all:
                trailer = 8 * bin(ev.sample_type & (S_TID | S_TIME | S_ID | S_STREAM_ID |
                                                    S_CPU | S_IDENTIFIER)).count("1")
            lines = decode_body(t, misc, r, ev, trailer)
            if trailer and r.left() == trailer:
                lines.append("sample_id: " + " ".join(sample_id_fields(r, ev.sample_type)))
        if r.left():
            lines.append("(%d bytes left over: %s)" % (r.left(), "sample_type mismatch?"))
    except ValueError as e:
        lines.append("(%s: the record does not match its event's layout)" % e)
    if note:
        lines.append("(" + note + ")")
    return name, misc_text(t, misc), lines


# --- BPF records ---------------------------------------------------------------
def decode_bpf(data, pos):
    """(len, pg_off, flags text, sample bytes) of the BPF record at pos."""
    ln, pg_off = struct.unpack("<II", ring_bytes(data, pos, 8))
    size = ln & ~(BPF_BUSY | BPF_DISCARD)
    flags = [f for f, b in (("BUSY", BPF_BUSY), ("DISCARD", BPF_DISCARD)) if ln & b]
    return size, pg_off, "|".join(flags) or "committed", ring_bytes(data, pos + 8, size)
