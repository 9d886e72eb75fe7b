"""The rows of make bench's table: which figure, what it measures, and why
Linux has none where it has none (scripts/bench.py runs the benchmarks and
calls render()).

A figure is a `bench <name> <value> <unit>` line of a benchmark's output.
Every row names one; figures no row names are printed at the end under
"other", so nothing a benchmark prints is hidden. Some rows give a figure a
more honest name than its program prints (LABELS): a "drop" that is a
refused attempt on a full ring, a "lost" count that is a retry.
"""
import textwrap

# Why the Linux column is empty, by key.
NA_WHY = {
    "k": "kernel-internal: times a Ringtail function from inside the kernel; Linux has no "
         "user-visible entry point that runs just that code",
    "b": "drives Ringtail's built-in BPF handlers (kernel/bpf); on Linux the same needs a "
         "loaded BPF program (Linux's own bench_ringbufs, tools/testing/selftests/bpf)",
    "h": "host-only: the ring buffer cores compiled as a host program, no guest kernel",
    "?": "the run printed no such figure (see its log)",
}

# What the user-space figures measure; used in both the instruction-count
# and the wall-time sections (same binaries, same runs on both kernels).
USER_ROWS = [
    ("syscall_sample_cost_ns", "one raw_syscalls:sys_enter sample of getppid (period 1, "
     "112 B), read back by the same thread: sampled - bare"),
    ("fault_sample_cost_ns", "one page-faults sample (period 1, 48 B) of a first write, "
     "read back by the same thread: sampled - bare"),
    ("clock_sample_cost_ns", "one cpu-clock sample (every 50 us) in a busy loop: extra "
     "loop time / samples"),
    ("syscall_ns", "bare getppid, no event (with its loop)"),
    ("syscall_sampled_ns", "getppid with the sample and its share of the reading"),
    ("fault_ns", "first write to a fresh anonymous page, no event"),
    ("fault_sampled_ns", "the same fault with the page-faults sample"),
    ("syscall_sampled_lost", "sys_enter records the kernel could not write (ring full)"),
    ("syscall_samples", "sys_enter samples read back in the sampled run (all rounds)"),
    ("clock_samples", "cpu-clock samples in the measured round (the divisor above)"),
]
OUTPUT_ROW = ("output_64b_ns", "in-kernel perf output (begin, copy, end) of a 64-B "
              "record into a 64-page ring kept drained", "k")

WALL_KERNEL_ROWS = [
    OUTPUT_ROW,
    ("pipeline_mrec_s", "perf ring consumer throughput: producer kthread on CPU 1, "
     "lib/perf_reader.c consumer on CPU 0, 64 B, nothing lost", "k"),
    ("bpf_core_1p_mrec_s", "BPF ring MPSC, 1 producer kthread, 16-B records, consumed/s", "k"),
    ("bpf_core_1p_refused_pct", "outputs refused because the ring was full, % of attempts", "k"),
    ("bpf_core_2p_mrec_s", "the same, 2 producers (one shares the consumer's CPU)", "k"),
    ("bpf_core_2p_refused_pct", "refused for a full ring, % of attempts (see note 1)", "k"),
    ("bpf_core_4p_mrec_s", "the same, 4 producers on the CPUs there are", "k"),
    ("bpf_core_4p_refused_pct", "refused for a full ring, % of attempts (see note 1)", "k"),
    ("bpf_core_nmi_output_ns", "one 16-B bpf_ringbuf_output from NMI context", "k"),
    ("rb_1p_mrec_s", "BPF ring via a getpgid handler (500 records a call), 1 producer "
     "thread, libbpf consumer, consumed/s", "b"),
    ("rb_1p_tried_mrec_s", "records the producers tried to write per second", "b"),
    ("rb_1p_refused_pct", "refused for a full ring, % of tries", "b"),
    ("rb_2p_mrec_s", "the same, 2 producers (one shares the consumer's CPU)", "b"),
    ("rb_2p_tried_mrec_s", "records the producers tried to write per second", "b"),
    ("rb_2p_refused_pct", "refused for a full ring, % of tries (see note 1)", "b"),
    ("rb_4p_mrec_s", "the same, 4 producers", "b"),
    ("rb_4p_tried_mrec_s", "records the producers tried to write per second", "b"),
    ("rb_4p_refused_pct", "refused for a full ring, % of tries (see note 1)", "b"),
    ("pb_1p_mrec_s", "the same with a perf buffer (perf_buffer__poll), 1 producer", "b"),
    ("pb_1p_tried_mrec_s", "records the producer tried to write per second", "b"),
    ("pb_1p_refused_pct", "PERF_RECORD_LOST, % of tries", "b"),
    ("rb_1p_sampled_mrec_s", "BPF ring, 1 producer, wakeup every 500 records", "b"),
    ("rb_1p_sampled_tried_mrec_s", "records the producer tried to write per second", "b"),
    ("rb_1p_sampled_refused_pct", "refused for a full ring, % of tries", "b"),
]

HOST_ROWS = [
    ("rb_write_16", "perf ring core, one thread: begin+copy+end of a 16-B record"),
    ("rb_write_64", "the same, 64 B"),
    ("rb_write_256", "the same, 256 B"),
    ("rb_write_16_overwrite", "16 B in overwrite mode"),
    ("rb_write_64_overwrite", "64 B in overwrite mode"),
    ("rb_write_256_overwrite", "256 B in overwrite mode"),
    ("rb_output_64", "64 B through perf_output()"),
    ("rb_spsc_64", "perf ring producer thread -> lib/perf_reader.c consumer thread, 64 B"),
    ("rb_spsc_64_ns", "the same as time per record"),
    ("rb_spsc_64_full_retries", "times the producer found the ring full and retried "
     "(see note 2: no record lost)"),
    ("host_rb_1p_mrec_s", "BPF ring core (lock-free reservation), 1 producer, consumed/s"),
    ("host_rb_1p_drop_mrec_s", "reservations refused for a full ring, per second"),
    ("host_rb_2p_mrec_s", "the same, 2 producers"),
    ("host_rb_2p_drop_mrec_s", "refused for a full ring, per second"),
    ("host_rb_4p_mrec_s", "the same, 4 producers"),
    ("host_rb_4p_drop_mrec_s", "refused for a full ring, per second"),
    ("host_rb_lock_1p_mrec_s", "Linux's algorithm (spinlock reservation), 1 producer"),
    ("host_rb_lock_2p_mrec_s", "Linux's algorithm, 2 producers"),
    ("host_rb_lock_4p_mrec_s", "Linux's algorithm, 4 producers"),
    ("host_rb_solo_1p_mrec_s", "reservation path alone (no consumer), 1 producer"),
    ("host_rb_solo_2p_mrec_s", "reservation path alone, 2 producers"),
    ("host_rb_solo_4p_mrec_s", "reservation path alone, 4 producers"),
    ("host_rb_lock_solo_1p_mrec_s", "Linux's reservation alone, 1 producer"),
    ("host_rb_lock_solo_2p_mrec_s", "Linux's reservation alone, 2 producers"),
    ("host_rb_lock_solo_4p_mrec_s", "Linux's reservation alone, 4 producers"),
    ("host_pb_1p_mrec_s", "perf ring core as Linux's \"pb\" case, 1 producer"),
]

# Figures printed under one name and shown under a more honest one.
LABELS = {
    "rb_spsc_64_lost": "rb_spsc_64_full_retries",
}
for _p in ("1p", "2p", "4p", "1p_sampled"):
    LABELS["rb_%s_drop_pct" % _p] = "rb_%s_refused_pct" % _p
    LABELS["pb_%s_drop_pct" % _p] = "pb_%s_refused_pct" % _p
    LABELS["bpf_core_%s_drop_pct" % _p] = "bpf_core_%s_refused_pct" % _p

NOTES = [
    "Per-sample rows: the same loop with and without the event; the difference is what one "
    "sample adds, including the same thread reading its record from the mapped ring.",
    "Instruction counts: QEMU TCG with -icount shift=0 advances guest time by 1 ns per "
    "guest instruction, so each program's clock_gettime difference is an instruction "
    "count; the same method on both kernels, deterministic apart from timer interrupts.",
    "TCG counts each iteration of a rep-prefixed string instruction as one instruction (a "
    "4 KiB rep stosb counts about 4100): both kernels' fault rows include about 4100 for "
    "clearing the page; Linux 6.1's record copies (memcpy as rep movsb on this CPU model) "
    "count about one per byte, where hardware runs one instruction; Ringtail stores a "
    "sample's fields, a syscall tracepoint's raw data included, one u64 at a time (its "
    "other tracepoints' raw data: rep movsq, one count per 8 bytes).",
    "Wall time under an emulator weighs instructions unequally and follows the host's load "
    "(printed in the section title): compare kernels by instructions.",
    "Note 1 (refused %): producers that do nothing but write offer far more records than "
    "one consumer can read as soon as the consumer shares its CPU with a producer (2 and 4 "
    "producers with 2 CPUs): the ring is full most of the time and most attempts are refused. "
    "A refused record is not lost unseen: bpf_ringbuf_output returns -EAGAIN to the writer "
    "and the ring counts it (Linux's bench_ringbufs reports the same as drops). With a CPU "
    "of its own (1 producer) the consumer keeps up while the host runs both virtual CPUs; on "
    "a busy host it does not.",
    "Note 2 (full retries): the host SPSC producer retries a refused record until it fits; "
    "every one of the 20 M records arrives (the program checks count and checksum and fails "
    "otherwise). The ring counts each refusal as lost and reports it in a PERF_RECORD_LOST "
    "with its next record, as Linux does, because a kernel writer never retries; this "
    "producer does. The program prints the figure as rb_spsc_64_lost: waits, not losses.",
]


COUNTS = ("records", "samples")     # no ratio: a count, not a cost


def fmt_value(v, unit):
    if v is None:
        return ""
    if unit == "insns" or unit in COUNTS:
        return "%.0f" % v
    if unit == "ns":
        return "%.1f" % v
    return "%.2f" % v


def _row(name, ring, linux, unit, what, na=None):
    r = fmt_value(ring[0], unit) if ring else "-"
    if linux:
        lx = fmt_value(linux[0], unit)
    else:
        lx = "n/a(%s)" % (na or "?")
    ratio = ""
    if ring and linux and linux[0] and unit not in COUNTS:
        ratio = "%.2f" % (ring[0] / linux[0])
    return (name, r, lx, ratio, unit, what)


def _name(key):
    for suffix in ("_ns",):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def relabel(figures):
    """{name: (value, unit)} with LABELS applied."""
    return {LABELS.get(k, k): v for k, v in figures.items()}


def build(sections):
    """sections: list of (title, rows), rows as _row makes them. Returns
    the table text."""
    out = []
    widths = [0] * 5
    for _t, rows in sections:
        for r in rows:
            for i in range(5):
                widths[i] = max(widths[i], len(r[i]))
    head = ("benchmark", "Ringtail", "Linux", "Ringtail/Linux", "unit")
    widths = [max(w, len(h)) for w, h in zip(widths, head)]

    def line(cells, what):
        return ("%-*s  %*s  %*s  %*s  %-*s  %s" % (
            widths[0], cells[0], widths[1], cells[1], widths[2], cells[2],
            widths[3], cells[3], widths[4], cells[4], what)).rstrip()
    out.append(line(head, "what it measures"))
    for title, rows in sections:
        if not rows:
            continue
        out.append("")
        out.append("-- " + title)
        for r in rows:
            out.append(line(r[:5], r[5]))
    return "\n".join(out)


def render(host, rt_icount, lx_icount, rt_wall, lx_wall, icount_title, wall_title):
    """The whole table. Each argument a {name: (value, unit)} of one run
    (None: that run did not happen)."""
    host, rt_icount, lx_icount, rt_wall, lx_wall = (
        relabel(x or {}) for x in (host, rt_icount, lx_icount, rt_wall, lx_wall))
    used = set()
    sections = []

    def user_rows(rt, lx):
        rows = []
        for key, what in USER_ROWS:
            used.add(key)
            a, b = rt.get(key), lx.get(key)
            if a is None and b is None:
                continue
            unit = (a or b)[1]
            rows.append(_row(_name(key), a, b, unit, what))
        return rows

    ic_rows = user_rows(rt_icount, lx_icount)
    if OUTPUT_ROW[0] in rt_icount:
        ic_rows.append(_row(_name(OUTPUT_ROW[0]), rt_icount[OUTPUT_ROW[0]], None, "insns",
                            OUTPUT_ROW[1], OUTPUT_ROW[2]))
    sections.append((icount_title, ic_rows))

    wall_rows = user_rows(rt_wall, lx_wall)
    for key, what, na in WALL_KERNEL_ROWS:
        used.add(key)
        if key in rt_wall:
            wall_rows.append(_row(_name(key), rt_wall[key], None, rt_wall[key][1], what, na))
    sections.append((wall_title, wall_rows))

    host_rows = []
    for key, what in HOST_ROWS:
        used.add(key)
        if key in host:
            host_rows.append(_row(key, host[key], None, host[key][1], what, "h"))
    sections.append(("host-only core benchmarks (host threads, wall time)", host_rows))

    other = []
    for name, d in (("Ringtail, -icount", rt_icount), ("Linux, -icount", lx_icount),
                    ("Ringtail", rt_wall), ("Linux", lx_wall), ("host", host)):
        for key, v in d.items():
            if key not in used:
                other.append((key + " [" + name + "]", fmt_value(v[0], v[1]), "", "", v[1], ""))
    sections.append(("other figures", other))

    text = build(sections)
    legend = ["", "n/a: why Linux has no figure"]
    for k, why in NA_WHY.items():
        legend.append("  n/a(%s) %s" % (k, why))
    legend.append("")
    for n in NOTES:
        legend += textwrap.wrap(n, 100, initial_indent="* ", subsequent_indent="  ")
    return text + "\n" + "\n".join(legend)
