#!/usr/bin/env python3
"""scripts/ring_decode.py (what rt-ring decodes with) on made-up rings; KTAP.

A small writer here lays records out as the kernels do (positions that
never wrap, records straddling the end of the data area, perf rings
forward and backward, BPF headers with pg_off) and the cases check that
the decoder finds exactly the records still intact, what it does with a
hostile data_tail, and that each sample field is decoded in Linux's order
for its sample_type. The batch-gdb test (test_gdb_rings.py) covers the
same code against a real kernel.
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import ring_decode as rd  # noqa: E402

_cases = []


def case(fn):
    _cases.append(fn)
    return fn


class Ring:
    """A data area written like the kernel's: bytes at position p % size."""
    def __init__(self, size):
        self.data = bytearray(size)

    def put(self, pos, b):
        for i, c in enumerate(b):
            self.data[(pos + i) % len(self.data)] = c


def perf_rec(t, payload, misc=0):
    return struct.pack("<IHH", t, misc, 8 + len(payload)) + payload


def filler(rng, n):
    """Payload words a little like real ones: small numbers, pids, times."""
    return b"".join(struct.pack("<Q", rng.choice([rng.randrange(1 << 40), rng.randrange(64),
                                                  0x500000005, 0xa1]))
                    for _ in range(n))


def write_forward(size, count, seed):
    rng, ring, pos, starts = random.Random(seed), Ring(size), 0, []
    for _ in range(count):
        rec = perf_rec(rng.choice([9, 9, 9, 2, 10, 7]), filler(rng, rng.randrange(1, 9)))
        ring.put(pos, rec)
        starts.append(pos)
        pos += len(rec)
    return ring, pos, starts


@case
def forward_unwrapped_from_the_start():
    ring, head, starts = write_forward(1024, 10, 1)
    recs, known, first, err = rd.forward_records(bytes(ring.data), head, head, [0], rd.perf_valid)
    return [recs == starts, known == 0, first == 0, err is None]


@case
def forward_wrapped_from_data_tail_and_scanning_back():
    checks = []
    for seed in range(40):
        ring, head, starts = write_forward(512, 60, seed)
        tail = starts[-4]
        recs, known, first, err = rd.forward_records(bytes(ring.data), head, head, [0, tail],
                                                     rd.perf_valid)
        intact = [p for p in starts if p >= head - 512]
        checks += [recs == intact, known == tail, err is None]
    return checks


@case
def forward_with_a_writer_inside():
    ring, head, starts = write_forward(512, 60, 7)
    # A writer reserved 40 more bytes and wrote 16 of them: those overwrote
    # the oldest slots, which are no longer the newest bytes there.
    rsv = head + 40
    ring.put(head, b"\x09\x00\x00\x00\x00\x00\x28\x00" + b"\xee" * 8)
    recs, known, first, err = rd.forward_records(bytes(ring.data), head, rsv, [starts[-3]],
                                                 rd.perf_valid)
    return [recs == [p for p in starts if p >= rsv - 512], err is None]


@case
def forward_hostile_data_tail_is_not_trusted():
    ring, head, starts = write_forward(512, 60, 3)
    bad_tails = [starts[-3] + 8, starts[-2] + 4, head + 64, head - 4096, 2**64 - 8]
    checks = []
    for tail in bad_tails:
        recs, known, first, err = rd.forward_records(bytes(ring.data), head, head, [0, tail],
                                                     rd.perf_valid)
        # Nothing from a bad tail; the chain back from data_head instead.
        checks += [known == head, recs == [p for p in starts if p >= head - 512], err is None]
    return checks


@case
def forward_overwrite_found_back_from_data_head():
    ring, head, starts = write_forward(256, 100, 11)
    recs, known, first, err = rd.forward_records(bytes(ring.data), head, head, [0], rd.perf_valid)
    return [known == head, recs == [p for p in starts if p >= head - 256]]


@case
def forward_records_straddle_the_end():
    checks, seen = [], 0
    for seed in range(20):
        ring, head, starts = write_forward(256, 100, seed)
        data = bytes(ring.data)
        straddling = [p for p in starts if p >= head - 256 and
                      p % 256 + rd.perf_header(data, p)[2] > 256]
        seen += len(straddling)
        recs, _, _, _ = rd.forward_records(data, head, head, [0], rd.perf_valid)
        checks.append(all(p in recs for p in straddling))
        # ring_bytes joins the two pieces of a straddling record.
        for p in straddling:
            n = rd.perf_header(data, p)[2]
            checks.append(rd.ring_bytes(data, p, n) ==
                          bytes(data[(p + i) % 256] for i in range(n)))
    return [seen > 5] + checks


@case
def backward_rings_newest_at_data_head():
    size, rng = 512, random.Random(2)
    ring, pos, starts = Ring(size), 0, []
    for _ in range(5):                             # not yet wrapped: zeros below
        rec = perf_rec(9, filler(rng, 4))
        pos -= len(rec)
        ring.put(pos, rec)
        starts.append(pos)
    recs, why = rd.backward_records(bytes(ring.data), pos & (2**64 - 1), pos & (2**64 - 1))
    checks = [recs == sorted(starts, reverse=True), why == "position 0"]
    for _ in range(60):                            # wrapped: stops at an overwritten one
        rec = perf_rec(9, filler(rng, rng.randrange(1, 7)))
        pos -= len(rec)
        ring.put(pos, rec)
        starts.append(pos)
    recs, why = rd.backward_records(bytes(ring.data), pos & (2**64 - 1), pos & (2**64 - 1))
    whole = []
    for p in sorted(starts):
        if p + rd.perf_header(bytes(ring.data), p)[2] > pos + size:
            break
        whole.append(p)
    return checks + [recs == whole[::-1], why == "a record partly overwritten"]


def bpf_write(ring, pos, sample, flags=0, kernel=True):
    pg = rd.BPF_DATA_PGOFF + (pos % len(ring.data) >> 12) if kernel else 0
    ring.put(pos, struct.pack("<II", len(sample) | flags, pg) + sample)
    return pos + ((len(sample) + 8 + 7) & ~7)


@case
def bpf_kernel_ring_with_pg_off():
    ring, pos, starts, rng = Ring(8192), 0, [], random.Random(4)
    for i in range(120):
        starts.append(pos)
        pos = bpf_write(ring, pos, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
    cons = starts[-10]
    size_at = lambda d, p: rd.bpf_size(d, p, True)
    recs, known, first, err = rd.forward_records(bytes(ring.data), pos, pos, [0, cons], size_at)
    intact = [p for p in starts if p >= pos - 8192]
    flags = [rd.decode_bpf(bytes(ring.data), p)[2] for p in recs]
    return [recs == intact, known == cons, err is None, set(flags) == {"committed"}]


@case
def bpf_busy_and_discard_bits():
    ring = Ring(4096)
    p1 = bpf_write(ring, 0, b"a" * 8, kernel=False)
    p2 = bpf_write(ring, p1, b"b" * 8, rd.BPF_DISCARD, kernel=False)
    p3 = bpf_write(ring, p2, b"c" * 16, rd.BPF_BUSY, kernel=False)
    data = bytes(ring.data)
    size_at = lambda d, p: rd.bpf_size(d, p, False)
    recs, _, _, err = rd.forward_records(data, p3, p3, [0], size_at)
    got = [rd.decode_bpf(data, p)[::2] for p in recs]
    return [recs == [0, 16, 32], err is None,
            got == [(8, "committed"), (8, "DISCARD"), (16, "BUSY")],
            rd.decode_bpf(data, 32)[3] == b"c" * 16]


def sample_all_fields():
    st = (rd.S_IDENTIFIER | rd.S_IP | rd.S_TID | rd.S_TIME | rd.S_ADDR | rd.S_ID |
          rd.S_STREAM_ID | rd.S_CPU | rd.S_PERIOD | rd.S_READ | rd.S_CALLCHAIN | rd.S_RAW |
          rd.S_BRANCH_STACK | rd.S_REGS_USER | rd.S_STACK_USER | rd.S_WEIGHT | rd.S_DATA_SRC |
          rd.S_TRANSACTION | rd.S_REGS_INTR | rd.S_PHYS_ADDR | rd.S_CGROUP |
          rd.S_DATA_PAGE_SIZE | rd.S_CODE_PAGE_SIZE)
    ev = rd.Event(7, st, rd.F_GROUP | rd.F_ID | rd.F_ENABLED, regs_user=(1 << 8) | (1 << 7),
                  regs_intr=1, type=2, config=10157)
    q = lambda *v: struct.pack("<%dQ" % len(v), *v)
    raw = struct.pack("<HBBi", 10157, 0, 0, 42) + struct.pack("<iI", 157, 0) + q(0x7ff00001, 0xa1)
    body = (q(7, 0x401000, (43 << 32) | 42, 1000, 0xdead, 7, 8, 3, 1) +
            q(2, 555, 10, 7, 20, 8) +                       # READ: group of 2
            q(3, 2**64 - 512, 0x401000, 0x402000) +         # CALLCHAIN
            struct.pack("<I", len(raw) + 4) + raw + b"\0" * 4 +   # RAW, padded
            q(1, 0x1000, 0x2000, 0) +                       # BRANCH_STACK
            q(2, 0x7ffc0000, 0x401000) +                    # REGS_USER: sp, ip
            q(16) + b"S" * 16 + q(16) +                     # STACK_USER
            q(0x11, 0x22, 0x33) +                           # WEIGHT DATA_SRC TRANSACTION
            q(2, 0x99) +                                    # REGS_INTR: ax
            q(0x44, 0x55, 0x1000, 0x2000))                  # PHYS_ADDR .. CODE_PAGE_SIZE
    return ev, perf_rec(9, body, misc=2)


@case
def sample_fields_in_linux_order():
    ev, rec = sample_all_fields()
    name, misc, lines = rd.decode_perf(rec, ev, tp_name=lambda i: "syscalls:sys_enter_prctl")
    text = "\n".join(lines)
    want = ["identifier=7 ip=0x401000 pid=42 tid=43 time=1000 addr=0xdead id=7 stream_id=8 "
            "cpu=3 period=1",
            "read: nr=2 enabled=555 {value=10 id=7} {value=20 id=8}",
            "callchain nr=3: USER 0x401000 0x402000",
            "raw size=36: syscalls:sys_enter_prctl common_pid=42 nr=157 args=0x7ff00001 0xa1",
            "branch_stack nr=1: 0x1000->0x2000",
            "regs_user: abi=2 sp=0x7ffc0000 ip=0x401000",
            "regs_intr: abi=2 ax=0x99"]
    return [name == "SAMPLE", misc == "USER", "left over" not in text,
            "does not match" not in text] + [w in lines for w in want] + [
        "stack_user size=16 dyn_size=16" in text,
        "weight=0x11 data_src=0x22 transaction=0x33 phys_addr=0x44 cgroup=0x55 "
        "data_page_size=0x1000 code_page_size=0x2000" in lines]


@case
def a_wrong_layout_says_so():
    ev, rec = sample_all_fields()
    other = rd.Event(7, rd.S_IP | rd.S_TID)
    name, misc, lines = rd.decode_perf(rec, other)
    short = rd.Event(7, ev.sample_type | rd.S_AUX, ev.read_format, regs_user=ev.regs_user,
                     regs_intr=ev.regs_intr)
    _, _, lines2 = rd.decode_perf(rec, short)
    return [any("left over" in l for l in lines), any("does not match" in l for l in lines2)]


@case
def side_band_records_and_their_trailer():
    st = rd.S_TID | rd.S_TIME | rd.S_ID | rd.S_CPU | rd.S_IDENTIFIER
    ev = rd.Event(5, st, sample_id_all=True)
    q = lambda *v: struct.pack("<%dQ" % len(v), *v)
    trailer = q((6 << 32) | 6, 99, 5, 1, 5)
    mmap2 = perf_rec(10, q((6 << 32) | 6, 0x400000, 0x1000, 0) + struct.pack("<IIQQ", 8, 1, 77, 0)
                     + struct.pack("<II", 5, 2) + b"/bin/x\0\0" + trailer, misc=2)
    fork = perf_rec(7, q((5 << 32) | 6, (5 << 32) | 6, 123) + trailer)
    lost = perf_rec(2, q(5, 9) + trailer)
    comm = perf_rec(3, q((6 << 32) | 6) + b"sh\0\0\0\0\0\0" + trailer, misc=1 << 13)
    out = [rd.decode_perf(r, ev) for r in (mmap2, fork, lost, comm)]
    tr = "sample_id: pid=6 tid=6 time=99 id=5 cpu=1 identifier=5"
    return [out[0][2] == ["pid=6 tid=6 addr=0x400000 len=0x1000 pgoff=0x0 maj=8 min=1 ino=77 "
                          "ino_generation=0 prot=r-x flags=0x2 file=/bin/x", tr],
            out[1][2] == ["pid=6 ppid=5 tid=6 ptid=5 time=123", tr],
            out[2][2] == ["id=5 lost=9", tr],
            out[3][1] == "UNKNOWN|COMM_EXEC" and out[3][2] == ["pid=6 tid=6 comm=sh", tr]]


@case
def events_told_apart_by_identifier():
    a = rd.Event(3, rd.S_IDENTIFIER | rd.S_IP)
    b = rd.Event(4, rd.S_IDENTIFIER | rd.S_TID | rd.S_TIME)
    q = lambda *v: struct.pack("<%dQ" % len(v), *v)
    ra = perf_rec(9, q(3, 0x401000))
    rb = perf_rec(9, q(4, (2 << 32) | 2, 77))
    ea, _ = rd.pick_event([a, b], ra, a)
    eb, _ = rd.pick_event([a, b], rb, a)
    c = rd.Event(5, rd.S_IP | rd.S_ID)
    d = rd.Event(6, rd.S_TID | rd.S_ID)
    ec, _ = rd.pick_event([c, d], perf_rec(9, q(0x401000, 5)), c)
    ed, _ = rd.pick_event([c, d], perf_rec(9, q((2 << 32) | 2, 6)), c)
    eg, note = rd.pick_event([c, d], perf_rec(9, q(1, 2)), c)
    return [ea is a, eb is b, ec is c, ed is d, eg is c and "guessed" in note]


def main():
    print("KTAP version 1\n1..%d" % len(_cases))
    failed = 0
    for i, fn in enumerate(_cases, 1):
        try:
            checks = fn()
            bad = [k for k, ok in enumerate(checks) if not ok]
        except Exception as e:                    # a crash is a failure, with its reason
            bad = ["raised %r" % e]
        for b in bad[:10]:
            print("# check %s failed" % b)
        print("%s %d %s" % ("not ok" if bad else "ok", i, fn.__name__))
        failed += bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
