#!/usr/bin/env python3
"""rt-rings and rt-ring (scripts/ringtail.gdb) against a stopped kernel; KTAP.

Boots the kernel halted under QEMU with its gdb stub on a unix socket of
our own (no port to collide with parallel runs) and the command line
prog=ring_tour. ring_tour (user/bpf/ring_tour.c) fills two perf rings and
two BPF rings with a known set of records and prints what it knows of
them ("tour:" lines), then calls getppid() and one more prctl(). gdb, in
batch mode, stops at sys_getppid, then in perf_output_begin for that last
prctl's sample, runs rt-rings and rt-ring on every ring, steps out of
perf_output_begin (a writer inside: reserved, not yet published) and looks
again. Each case compares gdb's view of kernel memory with what the
program saw through its mappings and what it did. QEMU and gdb are stopped
by PID.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
import qemu  # noqa: E402
from test_gdb import gone, stop, tail  # noqa: E402

ISO, ELF, PROG = "build/ringtail.iso", "build/kernel.elf", "build/user/ring_tour"
# Each run logs into a directory of its own (the soak runs this line twice
# at once), removed when every case passed: serial.log, qemu.log, gdb.log.
LOGS = "build/test-logs"
# Marker, gdb commands. The breakpoint goes before `finish`: to resume from
# it gdb single-steps over it first, and under host load QEMU 7.2's TCG stub
# sometimes answers that step without executing anything (same registers,
# no interrupt taken: seen in `set debug remote 1` traces); gdb then
# reports the same breakpoint hit again (1 run in 50 with two in parallel).
SECTIONS = [("rings", ["rt-rings"]), ("ring0", ["rt-ring 0 100"]), ("ring1", ["rt-ring 1 100"]),
            ("ring2", ["rt-ring 2 100"]), ("ring3", ["rt-ring 3"]),
            ("finish", ["delete", "finish"]), ("inside", ["rt-rings"]),
            ("inside0", ["rt-ring 0 1"])]
SIZE = 4096

_n = 0


def result(ok, name, diags=()):
    global _n
    _n += 1
    for d in diags:
        print("# " + d)
    print("%s %d %s" % ("ok" if ok else "not ok", _n, name), flush=True)
    return ok


class Check:
    """Collects failed expectations of one case."""
    def __init__(self):
        self.bad = []

    def eq(self, what, got, want):
        if got != want:
            self.bad.append("%s: got %r, want %r" % (what, got, want))

    def true(self, what, cond):
        if not cond:
            self.bad.append(what)


def run_gdb(sock):
    argv = ["timeout", "90", "gdb", "-batch", "-nx", "-x", "scripts/ringtail.gdb", ELF,
            "-ex", "target remote " + sock, "-ex", "hbreak sys_getppid", "-ex", "continue",
            "-ex", "delete", "-ex", "hbreak perf_output_begin", "-ex", "continue"]
    for name, cmds in SECTIONS:
        argv += ["-ex", "echo ==%s==\\n" % name]
        for cmd in cmds:
            argv += ["-ex", cmd]
    argv += ["-ex", "echo ==end==\\n", "-ex", "kill"]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        return p.communicate(timeout=100)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        stop(p)
        return "(gdb did not finish in 100 s)"


def sections(out):
    """gdb's output split at the ==name== markers."""
    parts, cur = {"pre": []}, "pre"
    for line in out.splitlines():
        m = re.match(r"^==(\w+)==$", line)
        if m:
            cur = m.group(1)
            parts[cur] = []
        else:
            parts[cur].append(line)
    return parts


def parse_rings(lines):
    """rt-rings output -> [{kind, owner, key: value...}]."""
    rings = []
    for line in lines:
        m = re.match(r"^ring (\d+): (perf|bpf)\s+owner=(.*)$", line)
        if m:
            rings.append({"n": int(m.group(1)), "kind": m.group(2), "owner": m.group(3),
                          "text": line})
        elif rings and line.startswith("    "):
            rings[-1]["text"] += "\n" + line
            for k, v in re.findall(r"(\w+)=(-?\d+)\b", line):
                rings[-1][k] = int(v)
            m = re.search(r"mode=(\w+) (\w+)", line)
            if m:
                rings[-1]["mode"] = m.groups()
    return rings


def parse_records(lines):
    """rt-ring output -> [{pos, head, labels, body}]."""
    recs = []
    for line in lines:
        m = re.match(r"^  @(-?\d+) off=0x[0-9a-f]+ addr=0x[0-9a-f]+ (.*?)((?: \[\w+\])*)$", line)
        if m:
            recs.append({"pos": int(m.group(1)), "head": m.group(2),
                         "labels": re.findall(r"\[(\w+)\]", m.group(3)), "body": []})
        elif recs and line.startswith("      "):
            recs[-1]["body"].append(line.strip())
    return recs


def field(text, key):
    m = re.search(r"\b%s=(\S+)" % key, text)
    return m.group(1) if m else None


def tour(serial):
    """The program's "tour:" lines -> what it knows."""
    t = {"records": []}
    for line in serial:
        if not line.startswith("tour: "):
            continue
        body = line[6:]
        kv = dict(re.findall(r"(\w+)=(\S+)", body))
        if body.startswith("ring 0 record"):
            t["records"].append(kv)
        elif body.startswith("ring 0 starts="):
            t["starts"] = [int(x) for x in kv["starts"].split(",")]
        elif body.startswith("ring "):
            t["ring" + body[5]] = kv
        else:
            t.update(kv)
        t.setdefault("lines", []).append(line)
    return t


def case_rings(c, rings, t):
    c.eq("ring count", len(rings), 4)
    if len(rings) != 4:
        return
    c.eq("kinds", [r["kind"] for r in rings], ["perf", "perf", "bpf", "bpf"])
    c.eq("sizes", [r.get("size") for r in rings], [SIZE] * 4)
    c.eq("ring 0 mode", rings[0].get("mode"), ("normal", "forward"))
    c.eq("ring 1 mode", rings[1].get("mode"), ("overwrite", "backward"))
    for i in (0, 1):
        c.true("ring %d owner is event %s on prctl" % (i, t["ring%d" % i]["id"]),
               rings[i]["owner"].startswith("event %s (tracepoint syscalls:sys_enter_prctl"
                                            % t["ring%d" % i]["id"]))
    c.true("ring 2 owner tour_log", '"tour_log" (ringbuf' in rings[2]["owner"])
    c.true("ring 3 owner tour_in", '"tour_in" (user_ringbuf' in rings[3]["owner"])


def case_perf_positions(c, rings, t):
    r0, r1, want = rings[0], rings[1], t["ring0"]
    c.eq("ring 0 data_head", r0.get("data_head"), int(want["data_head"]))
    c.eq("ring 0 head", r0.get("head"), int(want["data_head"]))
    c.eq("ring 0 data_tail", r0.get("data_tail"), int(want["data_tail"]))
    c.eq("ring 0 unread", r0.get("unread"), int(want["data_head"]) - int(want["data_tail"]))
    for k, v in (("lost", 3), ("lost_pending", 0), ("nest", 0), ("paused", 0)):
        c.eq("ring 0 " + k, r0.get(k), v)
    head1 = int(t["ring1"]["data_head"], 16) - 2**64
    c.eq("ring 1 data_head", r1.get("data_head"), head1)
    c.eq("ring 1 head", r1.get("head"), head1)
    c.eq("ring 1 nest", r1.get("nest"), 0)


def case_bpf_positions(c, rings, t):
    r2, r3 = rings[2], rings[3]
    for k in ("consumer_pos", "producer_pos", "dropped"):
        c.eq("ring 2 " + k, r2.get(k), int(t["ring2"][k]))
    c.eq("ring 2 rsv", r2.get("rsv"), int(t["ring2"]["producer_pos"]))
    for k in ("consumer_pos", "producer_pos"):
        c.eq("ring 3 " + k, r3.get(k), int(t["ring3"][k]))
    c.eq("ring 3 draining", r3.get("draining"), 0)


def case_perf_records(c, recs, t):
    # Every record whose bytes are still the newest (from data_head - size).
    head, tail = int(t["ring0"]["data_head"]), int(t["ring0"]["data_tail"])
    c.eq("ring 0 record positions", [r["pos"] for r in recs],
         [p for p in t["starts"] if p >= head - SIZE])
    for r in recs:
        c.eq("@%d label" % r["pos"], r["labels"][0], "read" if r["pos"] < tail else "unread")
    by_pos = {r["pos"]: r for r in recs}
    names = {"9": "SAMPLE", "10": "MMAP2", "7": "FORK", "2": "LOST"}
    for want in t["records"]:
        r = by_pos.get(int(want["pos"]))
        if not r:
            c.bad.append("no record at %s" % want["pos"])
            continue
        c.true("@%s is %s size %s (%s)" % (want["pos"], names[want["type"]], want["size"],
                                            r["head"]),
               r["head"].startswith("%s misc=" % names[want["type"]]) and
               r["head"].endswith("size=" + want["size"]))
        body = "\n".join(r["body"])
        if want["type"] == "9":
            c.true("@%s: args start %s" % (want["pos"], want["opt"]),
                   "args=%s 0xa1 0xa2 0xa3 0xa4" % want["opt"] in body)
            c.eq("@%s read value" % want["pos"], field(body, "value"), want["value"])
            c.true("@%s: callchain starts in user mode" % want["pos"],
                   re.search(r"callchain nr=\d+: USER 0x", body) is not None)
            c.eq("@%s pid" % want["pos"], field(body, "pid"), t["pid"])
        elif want["type"] == "2":
            c.eq("LOST lost", field(body, "lost"), want["value"])
            c.eq("LOST id", field(body, "id"), t["ring0"]["id"])
        elif want["type"] == "10":
            c.eq("MMAP2 addr", field(body, "addr"), t["addr"])
            c.true("MMAP2 file is ring_tour", (field(body, "file") or "").endswith("/ring_tour"))
            c.eq("MMAP2 prot", field(body, "prot"), "r-x")
            c.eq("MMAP2 sample_id id", field(body.split("sample_id:")[-1], "id"),
                 t["ring0"]["id"])
        elif want["type"] == "7":
            c.eq("FORK pid", field(body, "pid"), t["child"])
            c.eq("FORK ppid", field(body, "ppid"), t["pid"])


def case_backward_records(c, recs, t):
    head = int(t["ring1"]["data_head"], 16) - 2**64
    c.eq("ring 1 records", len(recs), SIZE // 88)
    c.eq("ring 1 positions (oldest first)", [r["pos"] for r in recs],
         [head + 88 * k for k in range(SIZE // 88)][::-1])
    # The newest is the 64th prctl (option 0x3f); older ones count down.
    for k, r in enumerate(reversed(recs)):
        c.true("@%d SAMPLE of prctl %#x" % (r["pos"], 0x7ff0003f - k),
               r["head"] == "SAMPLE misc=USER size=88" and
               "args=%#x 0xa1" % (0x7ff0003f - k) in "\n".join(r["body"]))


def case_bpf_records(c, recs2, recs3, t):
    cons = int(t["ring2"]["consumer_pos"])
    c.eq("ring 2 positions", [r["pos"] for r in recs2], [cons + 288 * k for k in range(14)])
    for k, r in enumerate(recs2):
        c.eq("ring 2 @%d header" % r["pos"], r["head"], "len=276 pg_off=3 committed")
        c.eq("ring 2 @%d label" % r["pos"], r["labels"], ["unread"])
        c.true("ring 2 @%d is /tmp/tour-%02d" % (r["pos"], 10 + k),
               "/tmp/tour-%02d" % (10 + k) in "".join(r["body"]))
    c.eq("ring 3 headers", [(r["pos"], r["head"]) for r in recs3],
         [(0, "len=8 pg_off=0 committed"), (16, "len=8 pg_off=0 committed"),
          (32, "len=8 pg_off=0 committed"), (48, "len=8 pg_off=0 DISCARD"),
          (64, "len=16 pg_off=0 BUSY")])
    for k, r in enumerate(recs3):
        c.true("ring 3 @%d holds sample %d" % (r["pos"], k + 1),
               r["body"] and r["body"][0].startswith("%02x 00 00 00 00 72 75 70" % (k + 1)))


def case_inside(c, rings, lines, size):
    if len(rings) != 4:
        c.bad.append("rt-rings lists %d rings" % len(rings))
        return
    r0 = rings[0]
    c.eq("ring 0 nest inside the writer", r0.get("nest"), 1)
    c.eq("ring 0 head - data_head", (r0.get("head") or 0) - (r0.get("data_head") or 0), size)
    c.true("rt-ring says %d bytes are reserved" % size,
           any("%d bytes reserved but not yet published" % size in l for l in lines))


def main():
    os.chdir(ROOT)
    cases = ["built", "stopped_in_perf_output_begin", "rt_rings_lists_every_ring",
             "rt_rings_perf_positions", "rt_rings_bpf_positions", "rt_ring_perf_forward_records",
             "rt_ring_perf_backward_records", "rt_ring_bpf_records", "rt_rings_writer_inside",
             "qemu_stopped_by_pid"]
    print("KTAP version 1\n1..%d" % len(cases), flush=True)
    missing = [p for p in (ISO, ELF, PROG) if not os.path.isfile(p)]
    if not result(not missing, cases[0], ["%s does not exist (run make)" % p for p in missing]):
        for name in cases[1:]:
            result(False, name, ["not run: not built"])
        return 1
    os.makedirs(LOGS, exist_ok=True)
    logs = tempfile.mkdtemp(dir=LOGS, prefix="gdb-rings-")
    serial_log, glog = os.path.join(logs, "serial.log"), os.path.join(logs, "gdb.log")
    tmp = tempfile.mkdtemp(prefix="ringtail-gdb-rings-")    # short: a socket path
    sock = os.path.join(tmp, "gdb.sock")
    qproc, out = None, ""
    try:
        with open(os.path.join(logs, "qemu.log"), "wb") as qlog:
            argv = qemu.build_argv(iso=ISO, elf=ELF, cmdline="prog=ring_tour", gdb_port=sock,
                                   halt=True, serial="file:" + serial_log)
            qproc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=qlog,
                                     stderr=subprocess.STDOUT, start_new_session=True)
            end = time.monotonic() + 15
            while not os.path.exists(sock) and qproc.poll() is None and time.monotonic() < end:
                time.sleep(0.05)
            out = run_gdb(sock) if os.path.exists(sock) else "(QEMU opened no gdb socket)"
    finally:
        stop(qproc)
        shutil.rmtree(tmp, ignore_errors=True)
    with open(glog, "w") as f:
        f.write(out)
    parts = sections(out)
    serial = tail(serial_log, 400)
    t = tour(serial)
    why = ["gdb said:"] + out.splitlines()[-25:] + ["serial log %s:" % serial_log] + serial[-15:]
    hit = re.search(r"Breakpoint 2, perf_output_begin \(.*size=(?:size@entry=)?(\d+)\)", out)
    fails = [l for l in serial if "tour: FAIL" in l]
    ok = result(bool(hit) and "tour: stopping" in serial and not fails, cases[1], fails or why
                if not (hit and "tour: stopping" in serial and not fails) else [])
    if not hit or "ring0" not in t or "starts" not in t:
        for name in cases[2:-1]:
            ok &= result(False, name, ["not run: gdb did not stop where expected"])
    else:
        rings = parse_rings(parts.get("rings", []))
        recs = {k: parse_records(parts.get(k, [])) for k in ("ring0", "ring1", "ring2", "ring3")}
        runs = [(case_rings, (rings, t)), (case_perf_positions, (rings, t)),
                (case_bpf_positions, (rings, t)), (case_perf_records, (recs["ring0"], t)),
                (case_backward_records, (recs["ring1"], t)),
                (case_bpf_records, (recs["ring2"], recs["ring3"], t)),
                (case_inside, (parse_rings(parts.get("inside", [])),
                               parts.get("inside0", []), int(hit.group(1))))]
        for name, (fn, args) in zip(cases[2:-1], runs):
            c = Check()
            try:
                fn(c, *args)
            except (KeyError, IndexError, ValueError, TypeError) as e:
                c.bad.append("could not parse: %r" % e)
            section = {"rt_rings_w": "finish", "rt_rings": "rings", "rt_ring_perf_f": "ring0",
                       "rt_ring_perf_b": "ring1", "rt_ring_bpf": "ring2"}
            shown = next((v for k, v in section.items() if name.startswith(k)), "rings")
            ok &= result(not c.bad, name, c.bad[:20] + (
                ["%s output (all of gdb's in %s):" % (shown, glog)] +
                parts.get(shown, [])[:40] if c.bad else []))
    ok &= result(qproc is not None and gone(qproc.pid), cases[-1])
    if ok:
        shutil.rmtree(logs, ignore_errors=True)
    else:
        print("# logs kept in %s" % logs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
