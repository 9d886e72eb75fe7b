#!/usr/bin/env python3
"""Where one sample's guest instructions go, per function.

Boots Ringtail twice under TCG with -icount shift=0 and the insnprof plugin
(scripts/insnprof.c, built as build/host/insnprof.so): once running a
benchmark program without sampling, once with every call sampled. Each
run's instructions are summed per function (kernel symbols from
build/kernel.elf, user ones from the program's ELF); the difference,
divided by the number of samples the second run took, is what one sample
costs in each function. Functions that only the sampled run calls (the
tracepoint hook, the record writer, the consumer) stand out; shared ones
(the syscall entry) cancel.

    scripts/insnprof.py [--top N]      (make bench-profile)
    scripts/insnprof.py --check        (make test: it still works)

Used by scripts/bench.py for `make bench`. Needs the program to accept
--only bare|sampled and print `bench syscall_samples <n> records` (user/perf/bench_syscall.c).
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu  # noqa: E402

KERNEL_BASE = 0xffff800000000000


def symbols(elf):
    """Sorted (address, name) of the ELF's functions."""
    out = subprocess.run(["nm", "-n", "--defined-only", elf], capture_output=True,
                         text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def per_function(profile, ksyms, usyms):
    """Instructions per function ("[k] name" / "[u] name") in one profile."""
    kaddr = [a for a, _ in ksyms]
    uaddr = [a for a, _ in usyms]
    total = collections.Counter()
    with open(profile) as f:
        for line in f:
            a, n = line.split()
            a, n = int(a, 16), int(n)
            syms, addrs, tag = (ksyms, kaddr, "[k]") if a >= KERNEL_BASE else (usyms, uaddr, "[u]")
            i = bisect.bisect_right(addrs, a) - 1
            name = syms[i][1] if i >= 0 else "?"
            # gcc's clones (foo.constprop.0, foo.isra.0) are foo to a reader.
            total["%s %s" % (tag, name.split(".")[0])] += n
    return total


def profile_run(plugin, prog, args, out):
    """One boot of `prog args` with the plugin; returns the console text."""
    log = out + ".log"
    cmdline = "prog=%s -- %s" % (qemu.encode_word(prog),
                                 " ".join(qemu.encode_word(w) for w in args))
    initramfs = os.path.join(ROOT, "build/initramfs")
    argv = qemu.build_argv(os.path.join(ROOT, "build/ringtail.iso"),
                           os.path.join(ROOT, "build/kernel.elf"), cmdline, smp=1,
                           serial="file:" + log,
                           modules=[(initramfs, "")] if os.path.isfile(initramfs) else None,
                           extra=["-icount", "shift=0", "-plugin", "%s,out=%s" % (plugin, out)])
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    with open(log, errors="replace") as f:
        return f.read()


def breakdown(prog="bench_syscall", top=12, quick=False):
    """[(function, instructions per sample)], the total, and the samples.
    quick: the program's --quick size (few samples, so fixed costs such as
    opening the event weigh in; for the self-test)."""
    plugin = os.path.join(ROOT, "build/host/insnprof.so")
    uelf = os.path.join(ROOT, "build/user", prog)
    ksyms = symbols(os.path.join(ROOT, "build/kernel.elf"))
    usyms = symbols(uelf)
    with tempfile.TemporaryDirectory(prefix="insnprof-") as tmp:
        base_p, samp_p = os.path.join(tmp, "bare"), os.path.join(tmp, "sampled")
        extra = ["--quick"] if quick else []
        profile_run(plugin, prog, extra + ["--only", "bare"], base_p)
        text = profile_run(plugin, prog, extra + ["--only", "sampled"], samp_p)
        m = re.search(r"bench syscall_samples (\d+)", text)
        if not m or not os.path.exists(base_p) or not os.path.exists(samp_p):
            raise RuntimeError("insnprof: %s did not run to the end:\n%s" % (prog, text[-1500:]))
        samples = int(m.group(1))
        base = per_function(base_p, ksyms, usyms)
        samp = per_function(samp_p, ksyms, usyms)
    diff = {k: (samp[k] - base[k]) / samples for k in set(base) | set(samp)}
    rows = sorted(((k, v) for k, v in diff.items() if abs(v) >= 0.5), key=lambda kv: -kv[1])
    return rows[:top], sum(diff.values()), samples


def check():
    """make test (KTAP): the profile still works end to end: both runs
    finish, samples were taken, and the sample path's own functions carry
    the cost (an empty or misattributed profile fails). Nothing about how
    many instructions: that is make bench's business."""
    try:
        rows, total, samples = breakdown(top=1000, quick=True)
        err = ""
    except Exception as e:  # noqa: BLE001 - reported as a KTAP failure
        rows, total, samples, err = [], 0, 0, str(e)
    names = {n: v for n, v in rows}
    checks = [
        ("both runs finish and samples are counted", not err and samples > 0, err),
        # The record writer is inlined into the hook (output_fast.h).
        ("the tracepoint hook costs instructions", names.get("[k] trace_sys_enter_hit", 0) > 0,
         "no cost in trace_sys_enter_hit: %s" % rows[:6]),
        ("the reader in the program costs instructions",
         names.get("[u] perf_reader_next", 0) > 0, "no [u] perf_reader_next: %s" % rows[:6]),
    ]
    # Only functions that run in the sampled half alone are checked: the
    # rest (boot-time calibration loops, timer interrupts) differ between
    # two boots by thousands of instructions, which a quick run's thousand
    # samples do not average away (make bench's 500 000 do).
    print("KTAP version 1\n1..%d" % len(checks))
    for i, (what, ok, why) in enumerate(checks, 1):
        if not ok:
            print("# %s" % why)
        print("%s %d %s" % ("ok" if ok else "not ok", i, what))
    return 0 if all(c[1] for c in checks) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--prog", default="bench_syscall")
    ap.add_argument("--check", action="store_true", help="KTAP self-test (make test)")
    a = ap.parse_args()
    if a.check:
        sys.exit(check())
    rows, total, samples = breakdown(a.prog, a.top)
    print("# one sampled getppid, instructions per sample by function "
          "(TCG -icount, %d samples; total %.0f)" % (samples, total))
    for name, v in rows:
        print("%8.1f  %s" % (v, name))


if __name__ == "__main__":
    main()
