#!/usr/bin/env python3
"""Take a file out of a capture of the guest's second serial port.

The guest's `rtsend FILE` (user/rtperf/rtsend) writes to /dev/ttyS1:

    RTXFER1 <name> <length> <sha256>\\n
    <length bytes>
    \\nRTXFER1-END <sha256>\\n

and QEMU (-serial file:CAPTURE) stores it in CAPTURE. This checks the
frame, the length and the checksum; a truncated, damaged or missing
transfer is an error, and then no output file is left behind (a stale
one is removed), so a later step never reads a broken perf.data.

    perf_xfer.py CAPTURE OUT       exit 0 and OUT written, or exit 1 and why
"""
import hashlib
import os
import re
import sys

MAGIC = b"RTXFER1 "
HEADER = re.compile(rb"RTXFER1 (\S+) (\d+) ([0-9a-f]{64})\n")


class XferError(Exception):
    pass


def decode(capture):
    """Return (name, data) of the transfer in capture (bytes; a capture holds
    one, with whatever came before it); raise XferError saying what is
    wrong. The first well-formed header starts the frame, so bytes inside
    the file that look like a header do not matter."""
    start, m = capture.find(MAGIC), None
    while start >= 0 and not m:
        m = HEADER.match(capture, start)
        if not m:
            start = capture.find(MAGIC, start + 1)
    if not m:
        if MAGIC in capture:
            bad = capture.find(MAGIC)
            raise XferError("damaged transfer header: %r" % capture[bad:bad + 100])
        raise XferError("no transfer in the capture (the guest did not run rtsend, "
                        "or nothing reached the second serial port)")
    name, length, digest = m.group(1).decode(), int(m.group(2)), m.group(3).decode()
    body = m.end()
    data = capture[body:body + length]
    if len(data) < length:
        raise XferError("truncated transfer of %s: %d of %d bytes arrived"
                        % (name, len(data), length))
    trailer = b"\nRTXFER1-END " + digest.encode() + b"\n"
    end = capture[body + length:body + length + len(trailer)]
    if end != trailer:
        if end.startswith(b"\nRTXFER1-END ") and len(end) == len(trailer):
            raise XferError("transfer of %s: the end marker's checksum differs" % name)
        raise XferError("transfer of %s: no end marker after %d bytes (truncated, "
                        "or the length is wrong)" % (name, length))
    got = hashlib.sha256(data).hexdigest()
    if got != digest:
        raise XferError("transfer of %s is damaged: sha256 %s, the guest sent %s"
                        % (name, got, digest))
    return name, data


def receive(capture_path, out_path):
    """Decode capture_path into out_path (atomically); on any error remove
    out_path and raise XferError."""
    try:
        with open(capture_path, "rb") as f:
            capture = f.read()
    except OSError as e:
        capture = None
        err = XferError("cannot read the capture %s: %s" % (capture_path, e.strerror))
    try:
        if capture is None:
            raise err
        name, data = decode(capture)
    except XferError:
        if os.path.lexists(out_path):
            os.unlink(out_path)
        raise
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out_path)
    return name, len(data)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    try:
        name, n = receive(sys.argv[1], sys.argv[2])
    except XferError as e:
        print("perf_xfer: error: %s; no %s written" % (e, sys.argv[2]), file=sys.stderr)
        return 1
    print("perf_xfer: %s: %d bytes, length and sha256 checked -> %s" % (name, n, sys.argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
