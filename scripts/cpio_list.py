#!/usr/bin/env python3
"""List, and optionally validate, a cpio archive in the "newc" format.

    cpio_list.py ARCHIVE            one line per entry:
        MODE(octal) NLINK UID GID SIZE RDEVMAJ:RDEVMIN NAME[ -> TARGET]
    cpio_list.py --check ARCHIVE    also validate every header and padding;
                                    exit 1 with a message at the first problem

The reader of the archives scripts/mkinitramfs.py writes, for its tests and
for debugging. It needs no cpio tool. `read_entries()` is the same reader as
a library (scripts/tests/test_initramfs.py imports it).

newc layout: a 110-byte header ("070701" and thirteen 8-digit hex fields),
the name with its NUL, zero padding to a multiple of 4 bytes, the data, zero
padding to 4 bytes; the last entry is named TRAILER!!! and only zero bytes
may follow it.
"""
import re
import stat
import sys

MAGIC = b"070701"
HEADER_LEN = 110
TRAILER = b"TRAILER!!!"
FIELDS = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
          "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check")
HEX8 = re.compile(rb"[0-9A-Fa-f]{8}\Z")


class CpioError(Exception):
    """A malformed archive; the message names the byte offset."""


class Entry:
    def __init__(self, offset, fields, name, data):
        self.offset = offset            # where the header starts
        for key, value in zip(FIELDS, fields):
            setattr(self, key, value)
        self.name = name                # bytes, without the NUL
        self.data = data                # file contents or symlink target

    @property
    def is_trailer(self):
        return self.name == TRAILER

    @property
    def target(self):
        return self.data if stat.S_ISLNK(self.mode) else None

    def line(self):
        out = "%06o %d %d %d %d %d:%d %s" % (
            self.mode, self.nlink, self.uid, self.gid, self.filesize,
            self.rdevmajor, self.rdevminor, self.name.decode(errors="backslashreplace"))
        if self.target is not None:
            out += " -> " + self.target.decode(errors="backslashreplace")
        return out


def pad4(n):
    return (4 - n % 4) % 4


def read_entries(data, check=False):
    """Yield each Entry of `data` (bytes), the trailer last. Problems that
    make the archive unreadable always raise CpioError; with check=True so do
    non-zero padding and anything after the trailer but zero bytes."""
    off = 0
    while True:
        at = "offset %d (0x%x)" % (off, off)
        if off >= len(data):
            raise CpioError("%s: archive ends without a %s entry (truncated?)"
                            % (at, TRAILER.decode()))
        if len(data) - off < HEADER_LEN:
            raise CpioError("%s: truncated header (%d of %d bytes)"
                            % (at, len(data) - off, HEADER_LEN))
        magic = data[off:off + 6]
        if magic != MAGIC:
            raise CpioError("%s: bad magic %r (expected %r, the newc format)"
                            % (at, magic, MAGIC))
        fields = []
        for i, key in enumerate(FIELDS):
            raw = data[off + 6 + 8 * i: off + 14 + 8 * i]
            if not HEX8.match(raw):
                raise CpioError("%s: header field %s is %r, not 8 hex digits" % (at, key, raw))
            fields.append(int(raw, 16))
        namesize, filesize = fields[FIELDS.index("namesize")], fields[FIELDS.index("filesize")]
        if namesize < 2:
            raise CpioError("%s: namesize %d leaves no room for a name" % (at, namesize))
        name_end = off + HEADER_LEN + namesize
        if name_end > len(data):
            raise CpioError("%s: truncated name (needs %d bytes, %d left)"
                            % (at, namesize, len(data) - off - HEADER_LEN))
        name = data[off + HEADER_LEN:name_end]
        if name[-1:] != b"\0":
            raise CpioError("%s: name %r is not NUL-terminated" % (at, name))
        if b"\0" in name[:-1]:
            raise CpioError("%s: name %r has a NUL inside (wrong namesize?)" % (at, name))
        name = name[:-1]
        data_start = name_end + pad4(HEADER_LEN + namesize)
        data_end = data_start + filesize
        if data_end > len(data):
            raise CpioError("%s: %s: truncated data (needs %d bytes, %d left)"
                            % (at, name.decode(errors="replace"), filesize,
                               max(0, len(data) - data_start)))
        next_off = data_end + pad4(filesize)
        if check:
            # Padding may be missing only at the very end of the archive.
            for lo, hi, what in ((name_end, data_start, "name"), (data_end, next_off, "data")):
                if hi > len(data):
                    raise CpioError("%s: %s: truncated %s padding"
                                    % (at, name.decode(errors="replace"), what))
                if data[lo:hi].strip(b"\0"):
                    raise CpioError("%s: %s: non-zero bytes in the %s padding"
                                    % (at, name.decode(errors="replace"), what))
        entry = Entry(off, fields, name, data[data_start:data_end])
        yield entry
        if entry.is_trailer:
            if check:
                rest = data[next_off:]
                stripped = rest.lstrip(b"\0")
                if stripped:
                    bad = len(data) - len(stripped)
                    raise CpioError("offset %d (0x%x): data after the %s entry "
                                    "(only zero padding may follow it)"
                                    % (bad, bad, TRAILER.decode()))
            return
        off = next_off


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if len(paths) != 1 or paths[0].startswith("-"):
        print("usage: cpio_list.py [--check] ARCHIVE", file=sys.stderr)
        return 2
    try:
        with open(paths[0], "rb") as f:
            data = f.read()
    except OSError as e:
        print("cpio_list: %s: %s" % (paths[0], e.strerror), file=sys.stderr)
        return 1
    count = 0
    try:
        for e in read_entries(data, check):
            if not e.is_trailer:
                print(e.line())
                count += 1
    except CpioError as e:
        sys.stdout.flush()
        print("cpio_list: %s: %s" % (paths[0], e), file=sys.stderr)
        return 1
    if check:
        print("cpio_list: %s: OK, %d entries, %d bytes" % (paths[0], count, len(data)),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        # `cpio_list.py X | head` closed the pipe: not an error worth a trace.
        sys.stdout = None
        sys.exit(1)
