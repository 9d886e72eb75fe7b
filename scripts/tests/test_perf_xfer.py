#!/usr/bin/env python3
"""Tests of the file transfer out of the guest: user/rtperf/rtsend (run here
by the host's sh, writing to a file in place of /dev/ttyS1) and
scripts/perf_xfer.py, which must take the file back whole or refuse it:
a truncated, damaged or missing transfer is an error and leaves no file.
Prints KTAP.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RTSEND = os.path.join(ROOT, "user", "rtperf", "rtsend")
XFER = os.path.join(ROOT, "scripts", "perf_xfer.py")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import perf_xfer    # noqa: E402

TMP = None


def path(name):
    return os.path.join(TMP, name)


def sample_bytes(n, seed=1):
    rnd = random.Random(seed)
    return bytes(rnd.randrange(256) for _ in range(n))


def send(data, name="perf.data"):
    """What the guest's rtsend writes for a file holding data."""
    src = path(name)
    cap = path("capture")
    with open(src, "wb") as f:
        f.write(data)
    if os.path.exists(cap):
        os.unlink(cap)
    r = subprocess.run(["sh", RTSEND, src, cap], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    with open(cap, "rb") as f:
        return f.read()


def refused(capture, want):
    """receive() must fail with a message containing want, leaving no file
    (not even an older one)."""
    cap, out = path("cap.bin"), path("out.data")
    with open(cap, "wb") as f:
        f.write(capture)
    with open(out, "wb") as f:
        f.write(b"an older recording")
    try:
        perf_xfer.receive(cap, out)
    except perf_xfer.XferError as e:
        assert want in str(e), "message %r lacks %r" % (str(e), want)
        assert not os.path.exists(out), "a file was left behind"
        return
    raise AssertionError("accepted a broken transfer (%s expected)" % want)


def test_roundtrip():
    for n in (0, 1, 7, 4096, 300000):
        data = sample_bytes(n, n)
        cap = send(data)
        name, got = perf_xfer.decode(cap)
        assert name == "perf.data" and got == data, "size %d" % n


def test_noise_before_and_after():
    data = sample_bytes(5000)
    cap = b"console noise\r\nRTXFER1 half-written\n" + send(data) + b"trailing"
    assert perf_xfer.decode(cap)[1] == data


def test_header_lookalike_inside_file():
    data = b"RTXFER1 x 5 " + b"0" * 64 + b"\n" + sample_bytes(300)
    assert perf_xfer.decode(send(data))[1] == data


def test_every_truncation_refused():
    cap = send(sample_bytes(3000))
    for cut in list(range(0, 120)) + list(range(120, len(cap), 97)) + [len(cap) - 1]:
        if cut == 0:
            refused(b"", "no transfer")
            continue
        try:
            perf_xfer.decode(cap[:cut])
        except perf_xfer.XferError:
            continue
        raise AssertionError("a capture cut at %d of %d bytes was accepted" % (cut, len(cap)))
    refused(cap[:len(cap) // 2], "truncated")


def test_damaged_byte_refused():
    data = sample_bytes(10000)
    cap = bytearray(send(data))
    body = cap.index(b"\n") + 1
    for off in (0, 1, 4999, 9999):
        bad = bytearray(cap)
        bad[body + off] ^= 0x20
        refused(bytes(bad), "damaged")


def test_lost_byte_refused():
    cap = send(sample_bytes(2000))
    body = cap.index(b"\n") + 1
    refused(cap[:body + 100] + cap[body + 101:], "end marker")


def test_bad_header_refused():
    cap = send(b"x" * 100)
    refused(cap.replace(b" 100 ", b" 1z0 ", 1), "damaged transfer header")
    refused(b"nothing here", "no transfer")


def test_cli_exit_status():
    cap, out = path("cli.cap"), path("cli.data")
    with open(cap, "wb") as f:
        f.write(send(b"hello")[:-3])
    r = subprocess.run([sys.executable, "-B", XFER, cap, out], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 1 and "error" in r.stderr and not os.path.exists(out), r.stderr
    with open(cap, "wb") as f:
        f.write(send(b"hello"))
    r = subprocess.run([sys.executable, "-B", XFER, cap, out], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        assert f.read() == b"hello"


def test_rtsend_refuses_missing_file():
    r = subprocess.run(["sh", RTSEND, path("nope"), path("cap")], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 2 and "usage" in r.stderr, r.stderr


CASES = [test_roundtrip, test_noise_before_and_after, test_header_lookalike_inside_file, test_every_truncation_refused,
         test_damaged_byte_refused, test_lost_byte_refused, test_bad_header_refused,
         test_cli_exit_status, test_rtsend_refuses_missing_file]


def main():
    global TMP
    out = sys.stdout
    out.write("KTAP version 1\n1..%d\n" % len(CASES))
    failed = 0
    TMP = tempfile.mkdtemp(prefix="ringtail-xfer-test.")
    try:
        for i, fn in enumerate(CASES, 1):
            try:
                fn()
                out.write("ok %d %s\n" % (i, fn.__name__[5:]))
            except Exception:
                for l in traceback.format_exc().rstrip().split("\n"):
                    out.write("# %s\n" % l)
                out.write("not ok %d %s\n" % (i, fn.__name__[5:]))
                failed += 1
            out.flush()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    out.write("# perf-xfer: %d passed, %d failed\n" % (len(CASES) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
