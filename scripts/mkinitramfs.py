#!/usr/bin/env python3
"""Pack Ringtail's root file system as a cpio archive in the "newc" format.

newc is the format Linux's initramfs uses: every entry is a 110-byte ASCII
header (magic 070701 and thirteen 8-digit hex fields), the NUL-terminated
name padded to a multiple of 4 bytes, then the data padded to 4 bytes; the
archive ends with an entry named TRAILER!!!.

    mkinitramfs.py -o OUT.cpio [--busybox PATH] [--prog PATH]...
                   [--file SRC:DEST[:MODE]]... [--dir DEST[:MODE]]...
                   [--symlink TARGET:DEST]... [--dev DEST:c|b:MAJOR:MINOR[:MODE]]...
                   [--strip]

The output is deterministic: the same inputs give the same bytes. Every
entry has uid/gid 0 and mtime 0 (or $SOURCE_DATE_EPOCH), entries are sorted
by path component so a directory always comes before its contents, and
inode numbers are handed out in that order. Source files' own owners, times
and inode numbers never reach the archive.

A standard tree (/bin, /etc, /dev with the usual device nodes, /tmp, ...)
and a few /etc files are always created; --file (or any other option) naming
the same path replaces such a default. Two options naming the same path are
an error, except that a busybox applet link yields to any option naming the
same path (a --prog of that name, or e.g. --file init:/sbin/init).
Standard library only: no cpio tool is needed.
"""
import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile

PROG = "mkinitramfs"
NEWC_MAGIC = b"070701"
TRAILER = "TRAILER!!!"
MAX_FIELD = 0xFFFFFFFF          # every header field is 8 hex digits

# Origins of an entry, which decide what may replace what.
DEFAULT = "default"    # the standard tree: any option may replace it
USER = "user"          # --file/--dir/--symlink/--dev/--prog/--busybox binary
APPLET = "applet"      # busybox applet link: yields to any option naming its path
IMPLICIT = "implicit"  # a parent directory nobody named


class BuildError(Exception):
    """A problem with the inputs: reported in one line, exit status 1."""


class Entry:
    """One archive member. `data` is the file contents or symlink target."""

    def __init__(self, kind, mode, data=b"", rdev=(0, 0), origin=USER, what=""):
        self.kind = kind          # stat.S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK
        self.mode = mode          # permission bits only (07777)
        self.data = data
        self.rdev = rdev
        self.origin = origin
        self.what = what          # which option created it, for error messages


# --- the standard tree -------------------------------------------------------

STANDARD_DIRS = [
    ("/bin", 0o755), ("/sbin", 0o755), ("/usr", 0o755), ("/usr/bin", 0o755),
    ("/usr/sbin", 0o755), ("/etc", 0o755), ("/dev", 0o755), ("/proc", 0o755),
    ("/sys", 0o755), ("/tmp", 0o1777), ("/root", 0o700), ("/home", 0o755),
    ("/mnt", 0o755),
]

# Linux's numbers (Documentation/admin-guide/devices.txt).
STANDARD_DEVS = [
    ("/dev/console", "c", 5, 1, 0o600),
    ("/dev/null", "c", 1, 3, 0o666),
    ("/dev/zero", "c", 1, 5, 0o666),
    ("/dev/tty", "c", 5, 0, 0o666),
    ("/dev/urandom", "c", 1, 9, 0o666),
    ("/dev/random", "c", 1, 8, 0o666),
    ("/dev/full", "c", 1, 7, 0o666),
    ("/dev/ttyS1", "c", 4, 65, 0o660),
]

PROFILE = """\
# /etc/profile: read by login shells (written by scripts/mkinitramfs.py).
PATH=/bin:/sbin:/usr/bin:/usr/sbin
HOME=${HOME:-/root}
TERM=${TERM:-vt100}
PS1='\\u@\\h:\\w\\$ '
export PATH HOME TERM PS1
"""

STANDARD_FILES = [
    ("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
    ("/etc/group", "root:x:0:\n"),
    ("/etc/hostname", "ringtail\n"),
    ("/etc/hosts", "127.0.0.1 localhost ringtail\n"),
    ("/etc/profile", PROFILE),
    ("/etc/shells", "/bin/sh\n"),
]


# --- argument parsing ----------------------------------------------------------

def norm_dest(dest, what):
    """An absolute archive path -> the stored name ("bin/sh": newc names,
    like `find . | cpio`'s, carry no leading slash)."""
    if not dest.startswith("/"):
        raise BuildError("%s: destination %r must be an absolute path" % (what, dest))
    if "\0" in dest or "\n" in dest:
        raise BuildError("%s: destination %r contains a NUL or newline" % (what, dest))
    parts = [p for p in dest.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BuildError("%s: destination %r contains '..'" % (what, dest))
    if not parts:
        raise BuildError("%s: destination %r is the root directory" % (what, dest))
    return "/".join(parts)


def parse_mode(text, what):
    try:
        mode = int(text, 8)
    except ValueError:
        raise BuildError("%s: mode %r is not an octal number" % (what, text)) from None
    if not 0 <= mode <= 0o7777:
        raise BuildError("%s: mode %r has bits beyond 07777" % (what, text))
    return mode


def is_mode(text):
    return text != "" and all(c in "01234567" for c in text)


def read_source(src, what):
    try:
        st = os.stat(src)
        if not stat.S_ISREG(st.st_mode):
            raise BuildError("%s: %s is not a regular file" % (what, src))
        with open(src, "rb") as f:
            data = f.read()
    except OSError as e:
        raise BuildError("%s: cannot read %s: %s" % (what, src, e.strerror)) from None
    if len(data) > MAX_FIELD:
        raise BuildError("%s: %s is larger than newc's 4 GiB limit" % (what, src))
    return data, st


# --- the archive model ---------------------------------------------------------

class Tree:
    def __init__(self):
        self.entries = {}     # stored name -> Entry

    def add(self, name, entry):
        old = self.entries.get(name)
        if old is not None and old.origin != DEFAULT:
            raise BuildError("duplicate destination /%s (%s and %s)"
                             % (name, old.what, entry.what))
        self.entries[name] = entry

    def add_parents(self):
        """Create unnamed parent directories (mode 0755) and make sure no
        entry sits below something that is not a directory."""
        for name in sorted(self.entries):
            parts = name.split("/")
            for i in range(1, len(parts)):
                parent = "/".join(parts[:i])
                p = self.entries.get(parent)
                if p is None:
                    self.entries[parent] = Entry(stat.S_IFDIR, 0o755, origin=IMPLICIT,
                                                 what="parent of /" + name)
                elif p.kind != stat.S_IFDIR:
                    raise BuildError("/%s (%s) is not a directory, but /%s (%s) is inside it"
                                     % (parent, p.what, name, self.entries[name].what))

    def ordered(self):
        # Sorting by the tuple of byte components puts every directory right
        # before its contents ("bin" < "bin/sh" < "bin-x"), independent of
        # the locale and of the order of the command-line options.
        return sorted(self.entries.items(),
                      key=lambda kv: tuple(os.fsencode(p) for p in kv[0].split("/")))


def add_standard(tree):
    for path, mode in STANDARD_DIRS:
        tree.add(norm_dest(path, "standard"), Entry(stat.S_IFDIR, mode, origin=DEFAULT,
                                                    what="standard directory"))
    for path, typ, major, minor, mode in STANDARD_DEVS:
        tree.add(norm_dest(path, "standard"),
                 Entry(stat.S_IFCHR if typ == "c" else stat.S_IFBLK, mode,
                       rdev=(major, minor), origin=DEFAULT, what="standard device"))
    for path, text in STANDARD_FILES:
        tree.add(norm_dest(path, "standard"),
                 Entry(stat.S_IFREG, 0o644, text.encode(), origin=DEFAULT,
                       what="standard file"))


def strip_copy(src, data, what):
    """Return `data` with debug info removed (strip --strip-debug into a
    temporary file). Non-ELF programs (scripts) are returned unchanged."""
    if not data.startswith(b"\x7fELF"):
        return data
    tool = os.environ.get("STRIP") or "strip"
    if shutil.which(tool) is None:
        print("%s: warning: %s not found; %s stored unstripped" % (PROG, tool, src),
              file=sys.stderr)
        return data
    with tempfile.TemporaryDirectory(prefix="mkinitramfs.") as tmp:
        out = os.path.join(tmp, "stripped")
        r = subprocess.run([tool, "--strip-debug", "-o", out, src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            msg = r.stdout.decode(errors="replace").strip().splitlines()
            raise BuildError("%s: %s --strip-debug %s failed: %s"
                             % (what, tool, src, msg[-1] if msg else "exit %d" % r.returncode))
        with open(out, "rb") as f:
            return f.read()


def busybox_applets(path):
    """The applet paths `busybox --list-full` prints (usr/bin/awk, bin/sh)."""
    try:
        r = subprocess.run([path, "--list-full"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BuildError("--busybox: cannot run %s --list-full: %s"
                         % (path, getattr(e, "strerror", None) or e)) from None
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip().splitlines()
        raise BuildError("--busybox: %s --list-full exited with status %d%s (is it a "
                         "busybox built for this host's architecture?)"
                         % (path, r.returncode, ": " + err[-1] if err else ""))
    applets = sorted(set(l.strip() for l in r.stdout.decode(errors="replace").splitlines()
                         if l.strip()))
    if not applets:
        raise BuildError("--busybox: %s --list-full printed no applets" % path)
    return applets


def build_tree(args):
    tree = Tree()
    add_standard(tree)

    progs = set()      # stored names of --prog entries: applets yield to them
    for src in args.prog:
        what = "--prog " + src
        data, _ = read_source(src, what)
        if args.strip:
            data = strip_copy(src, data, what)
        name = norm_dest("/bin/" + os.path.basename(src.rstrip("/")), what)
        tree.add(name, Entry(stat.S_IFREG, 0o755, data, what=what))
        progs.add(name)

    for spec in args.file:
        what = "--file " + spec
        parts = spec.split(":")
        # SRC:DEST[:MODE]; SRC may itself contain colons, DEST may not.
        mode = None
        if len(parts) >= 3 and is_mode(parts[-1]):
            mode = parse_mode(parts.pop(), what)
        if len(parts) < 2 or not parts[0]:
            raise BuildError("%s: expected SRC:DEST[:MODE]" % what)
        dest, src = parts[-1], ":".join(parts[:-1])
        data, st = read_source(src, what)
        if mode is None:
            # Git keeps only the owner's execute bit, so that is all we read.
            mode = 0o755 if st.st_mode & stat.S_IXUSR else 0o644
        tree.add(norm_dest(dest, what), Entry(stat.S_IFREG, mode, data, what=what))

    for spec in args.dir:
        what = "--dir " + spec
        dest, _, mode = spec.partition(":")
        tree.add(norm_dest(dest, what),
                 Entry(stat.S_IFDIR, parse_mode(mode, what) if mode else 0o755, what=what))

    for spec in args.symlink:
        what = "--symlink " + spec
        target, sep, dest = spec.rpartition(":")
        if not sep or not target:
            raise BuildError("%s: expected TARGET:DEST" % what)
        tree.add(norm_dest(dest, what),
                 Entry(stat.S_IFLNK, 0o777, os.fsencode(target), what=what))

    for spec in args.dev:
        what = "--dev " + spec
        parts = spec.split(":")
        if len(parts) not in (4, 5) or parts[1] not in ("c", "b"):
            raise BuildError("%s: expected DEST:c|b:MAJOR:MINOR[:MODE]" % what)
        try:
            major, minor = int(parts[2], 0), int(parts[3], 0)
        except ValueError:
            raise BuildError("%s: MAJOR and MINOR must be numbers" % what) from None
        if not (0 <= major <= MAX_FIELD and 0 <= minor <= MAX_FIELD):
            raise BuildError("%s: device number out of range" % what)
        mode = parse_mode(parts[4], what) if len(parts) == 5 else 0o600
        kind = stat.S_IFCHR if parts[1] == "c" else stat.S_IFBLK
        tree.add(norm_dest(parts[0], what), Entry(kind, mode, rdev=(major, minor), what=what))

    if args.busybox:
        what = "--busybox " + args.busybox
        applets = busybox_applets(args.busybox)
        data, _ = read_source(args.busybox, what)
        tree.add("bin/busybox", Entry(stat.S_IFREG, 0o755, data, what=what))
        for applet in applets:
            name = norm_dest("/" + applet, what + " (applet %s)" % applet)
            if name == "bin/busybox" or name in progs or name in tree.entries:
                continue          # the binary itself, or replaced by a --prog/--file
            tree.add(name, Entry(stat.S_IFLNK, 0o777, b"/bin/busybox", origin=APPLET,
                                 what="busybox applet " + applet))

    tree.add_parents()
    return tree


# --- writing newc -----------------------------------------------------------------

def pad4(n):
    return (4 - n % 4) % 4


def header(ino, mode, nlink, mtime, size, rdev, namesize):
    fields = (ino, mode, 0, 0, nlink, mtime, size,
              0, 0,                 # devmajor/devminor of the source: not ours to leak
              rdev[0], rdev[1], namesize,
              0)                    # check: only the 070702 (crc) format uses it
    return NEWC_MAGIC + b"".join(b"%08X" % f for f in fields)


def member(ino, mode, nlink, mtime, name, data=b"", rdev=(0, 0)):
    bname = os.fsencode(name) + b"\0"
    # The header and name together are padded to 4 bytes, then the data is.
    out = header(ino, mode, nlink, mtime, len(data), rdev, len(bname)) + bname
    out += b"\0" * pad4(len(out))
    return out + data + b"\0" * pad4(len(data))


def archive_bytes(tree, mtime):
    ordered = tree.ordered()
    # A directory's link count is 2 ("." and its entry in the parent) plus
    # one for each subdirectory's "..", as on a real file system.
    subdirs = {}
    for name, e in ordered:
        if e.kind == stat.S_IFDIR and "/" in name:
            parent = name.rsplit("/", 1)[0]
            subdirs[parent] = subdirs.get(parent, 0) + 1
    chunks = []
    for ino, (name, e) in enumerate(ordered, 1):
        nlink = 2 + subdirs.get(name, 0) if e.kind == stat.S_IFDIR else 1
        chunks.append(member(ino, e.kind | e.mode, nlink, mtime, name, e.data, e.rdev))
    # Trailer as Linux's gen_init_cpio and GNU cpio write it: nlink 1, rest 0.
    chunks.append(member(0, 0, 1, 0, TRAILER))
    return b"".join(chunks), len(ordered)


def source_date_epoch():
    text = os.environ.get("SOURCE_DATE_EPOCH", "")
    if text == "":
        return 0
    if not text.isdigit() or int(text) > MAX_FIELD:
        raise BuildError("SOURCE_DATE_EPOCH=%r is not a number of seconds in 0..2^32-1" % text)
    return int(text)


def write_atomically(path, data):
    # A failed or interrupted run must not leave a half archive that make
    # would take as up to date.
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".mkinitramfs.", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="mkinitramfs.py",
        description="Pack Ringtail's root file system as a newc cpio archive.")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.cpio")
    ap.add_argument("--busybox", metavar="PATH",
                    help="install as /bin/busybox with one symlink per applet")
    ap.add_argument("--prog", action="append", default=[], metavar="PATH",
                    help="install as /bin/BASENAME, mode 0755")
    ap.add_argument("--file", action="append", default=[], metavar="SRC:DEST[:MODE]")
    ap.add_argument("--dir", action="append", default=[], metavar="DEST[:MODE]")
    ap.add_argument("--symlink", action="append", default=[], metavar="TARGET:DEST")
    ap.add_argument("--dev", action="append", default=[],
                    metavar="DEST:c|b:MAJOR:MINOR[:MODE]")
    ap.add_argument("--strip", action="store_true",
                    help="store --prog programs without debug info ($STRIP, default strip)")
    args = ap.parse_args(argv)
    try:
        mtime = source_date_epoch()
        tree = build_tree(args)
        data, count = archive_bytes(tree, mtime)
        write_atomically(args.output, data)
    except BuildError as e:
        print("%s: error: %s" % (PROG, e), file=sys.stderr)
        return 1
    except OSError as e:
        print("%s: error: %s: %s" % (PROG, e.filename or args.output, e.strerror),
              file=sys.stderr)
        return 1
    print("%s: %s: %d entries, %d bytes" % (PROG, args.output, count, len(data)),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
