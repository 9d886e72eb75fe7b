#!/usr/bin/env python3
"""Tests of scripts/mkinitramfs.py and scripts/cpio_list.py; prints KTAP.

    python3 scripts/tests/test_initramfs.py [case1,case2]

Archives are built in a temporary directory (never inside the repository)
and read back both with a small independent header walker below and with
cpio_list.py. Cases needing the host's /bin/busybox, gcc or GNU cpio are
skipped when those are missing.
"""
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
MKINITRAMFS = os.path.join(SCRIPTS, "mkinitramfs.py")
CPIO_LIST = os.path.join(SCRIPTS, "cpio_list.py")
BUSYBOX = "/bin/busybox"

# Importing cpio_list must not drop a __pycache__ into the repository.
sys.dont_write_bytecode = True
sys.path.insert(0, SCRIPTS)
import cpio_list     # noqa: E402

TMP = None           # the temporary directory of this run (set in main)


class Skip(Exception):
    pass


# --- helpers -------------------------------------------------------------------

def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: %r != %r" % (what or "value", a, b))


def clean_env(**extra):
    # The caller's SOURCE_DATE_EPOCH or STRIP must not change the results.
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "STRIP")}
    env.update(extra)
    return env


def run_mk(args, env=None):
    return subprocess.run([sys.executable, "-B", MKINITRAMFS] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env or clean_env(), universal_newlines=True)


def build(name, *args, env=None):
    """Build TMP/name.cpio; return its bytes (fails the case on errors)."""
    out = os.path.join(TMP, name + ".cpio")
    r = run_mk(["-o", out] + list(args), env)
    if r.returncode != 0:
        raise AssertionError("mkinitramfs failed (%d): %s" % (r.returncode, r.stderr.strip()))
    with open(out, "rb") as f:
        return f.read()


def rejected(name, *args, expect=""):
    """The build must fail, say `expect` on stderr, and leave no output."""
    out = os.path.join(TMP, name + ".cpio")
    r = run_mk(["-o", out] + list(args))
    if r.returncode == 0:
        raise AssertionError("accepted: %s" % " ".join(args))
    if expect not in r.stderr:
        raise AssertionError("stderr %r lacks %r" % (r.stderr.strip(), expect))
    assert not os.path.exists(out), "a failed build left %s behind" % out
    return r.stderr


def entries(data):
    """name (str) -> cpio_list.Entry, checked strictly; the trailer excluded."""
    out = {}
    for e in cpio_list.read_entries(data, check=True):
        if not e.is_trailer:
            out[e.name.decode()] = e
    return out


def write(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)
    return path


def run_list(path, check=True):
    args = [sys.executable, "-B", CPIO_LIST] + (["--check"] if check else []) + [path]
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)


def align4(n):
    return (n + 3) & ~3


def walk(data):
    """Independent of cpio_list: yield (offset, name, filesize) per header,
    checking alignment and zero padding as it goes."""
    off = 0
    while True:
        assert off % 4 == 0, "header at unaligned offset %d" % off
        assert data[off:off + 6] == b"070701", "magic at %d: %r" % (off, data[off:off + 6])
        filesize = int(data[off + 54:off + 62], 16)
        namesize = int(data[off + 94:off + 102], 16)
        name = data[off + 110:off + 110 + namesize]
        assert name.endswith(b"\0"), "name at %d not NUL-terminated" % off
        data_off = off + align4(110 + namesize)
        assert not data[off + 110 + namesize:data_off].strip(b"\0"), "name padding at %d" % off
        end = data_off + filesize
        assert not data[end:align4(end)].strip(b"\0"), "data padding at %d" % off
        yield off, name[:-1], filesize
        if name[:-1] == b"TRAILER!!!":
            return
        off = align4(end)


_hello = []


def hello():
    """A tiny C program with debug info, built once into TMP."""
    if not _hello:
        cc = shutil.which("gcc")
        if cc is None:
            raise Skip("gcc not installed")
        src = write(os.path.join(TMP, "hello.c"),
                    '#include <stdio.h>\n'
                    'int main(void) { puts("hello from ringtail"); return 0; }\n')
        exe = os.path.join(TMP, "hello")
        subprocess.run([cc, "-g", "-O0", src, "-o", exe], check=True)
        _hello.append(exe)
    return _hello[0]


# --- layout ------------------------------------------------------------------------

def test_alignment_and_total_size():
    # Files of every length modulo 4, and names of every length modulo 4.
    args = []
    for n in range(9):
        src = write(os.path.join(TMP, "f%d" % n), b"x" * n)
        args += ["--file", "%s:/data/%s" % (src, "n" * (n + 1))]
    data = build("align", *args)
    expected = 0
    offsets = []
    for off, name, size in walk(data):
        offsets.append(off)
        expected += align4(110 + len(name) + 1) + align4(size)
    eq(len(data), expected, "archive size = sum of padded headers, names and data")
    eq(len(data) % 4, 0, "size multiple of 4")
    assert all(o % 4 == 0 for o in offsets)


def test_trailer_last_and_check_passes():
    data = build("trailer")
    all_entries = list(cpio_list.read_entries(data, check=True))
    last = all_entries[-1]
    assert last.is_trailer, "last entry is %r" % last.name
    assert not any(e.is_trailer for e in all_entries[:-1]), "trailer before the end"
    eq((last.ino, last.mode, last.nlink, last.filesize, last.namesize), (0, 0, 1, 0, 11),
       "trailer fields")
    eq(last.offset + 124, len(data), "archive ends right after the padded trailer")
    r = run_list(os.path.join(TMP, "trailer.cpio"))
    eq(r.returncode, 0, "cpio_list --check: " + r.stderr)


def test_deterministic():
    src = write(os.path.join(TMP, "motd"), "welcome\n")
    script = write(os.path.join(TMP, "tool"), "#!/bin/sh\necho tool\n", 0o755)
    opts_a = ["--file", src + ":/etc/motd", "--prog", script, "--dir", "/var/log",
              "--symlink", "/bin/tool:/sbin/tool", "--dev", "/dev/sda:b:8:0"]
    # The same options in another order must give the same bytes.
    opts_b = ["--dev", "/dev/sda:b:8:0", "--symlink", "/bin/tool:/sbin/tool",
              "--dir", "/var/log", "--prog", script, "--file", src + ":/etc/motd"]
    if os.path.exists(BUSYBOX):
        opts_a += ["--busybox", BUSYBOX]
        opts_b = ["--busybox", BUSYBOX] + opts_b
    a = build("det_a", *opts_a)
    b = build("det_b", *opts_a)
    c = build("det_c", *opts_b)
    assert a == b, "two builds differ"
    assert a == c, "option order changed the archive"
    ents = list(entries(a).values())
    eq([e.ino for e in ents], list(range(1, len(ents) + 1)), "inodes in order")
    assert all(e.uid == 0 and e.gid == 0 for e in ents), "uid/gid not 0"
    assert all(e.mtime == 0 for e in ents), "mtime not 0"
    assert all(e.devmajor == 0 and e.devminor == 0 for e in ents), "source dev leaked"
    assert all(e.check == 0 for e in ents), "check field is for the 070702 format only"
    d = build("det_d", *opts_a, env=clean_env(SOURCE_DATE_EPOCH="1700000000"))
    assert all(e.mtime == 1700000000 for e in entries(d).values()), "SOURCE_DATE_EPOCH"
    r = run_mk(["-o", os.path.join(TMP, "det_e.cpio")], clean_env(SOURCE_DATE_EPOCH="soon"))
    assert r.returncode != 0 and "SOURCE_DATE_EPOCH" in r.stderr, r.stderr


def test_sorted_parents_first():
    src = write(os.path.join(TMP, "deep"), "deep\n")
    data = build("order", "--file", src + ":/opt/a/b/c/deep", "--dir", "/bin-extra",
                 "--symlink", "x:/bin/zz")
    names = [e.name.decode() for e in cpio_list.read_entries(data) if not e.is_trailer]
    seen = set()
    for n in names:
        if "/" in n:
            assert n.rsplit("/", 1)[0] in seen, "%s before its parent" % n
        seen.add(n)
    key = [tuple(p.encode() for p in n.split("/")) for n in names]
    eq(key, sorted(key), "entries sorted by path components")
    ents = entries(data)
    for d in ("opt", "opt/a", "opt/a/b", "opt/a/b/c"):
        eq(ents[d].mode, stat.S_IFDIR | 0o755, "implicit parent " + d)
    eq(ents["opt/a"].nlink, 3, "nlink of a directory with one subdirectory")
    eq(ents["opt/a/b/c"].nlink, 2, "nlink of a leaf directory")
    eq(ents["usr"].nlink, 4, "nlink of /usr (bin, sbin)")


# --- contents ----------------------------------------------------------------------

STD_DIRS = {"bin": 0o755, "sbin": 0o755, "usr/bin": 0o755, "usr/sbin": 0o755, "etc": 0o755,
            "dev": 0o755, "proc": 0o755, "sys": 0o755, "tmp": 0o1777, "root": 0o700,
            "home": 0o755, "mnt": 0o755}
STD_DEVS = {"dev/console": (5, 1, 0o600), "dev/null": (1, 3, 0o666),
            "dev/zero": (1, 5, 0o666), "dev/tty": (5, 0, 0o666),
            "dev/urandom": (1, 9, 0o666), "dev/random": (1, 8, 0o666),
            "dev/full": (1, 7, 0o666)}


def test_standard_tree():
    ents = entries(build("std"))
    for name, mode in STD_DIRS.items():
        assert name in ents, "missing /" + name
        eq(oct(ents[name].mode), oct(stat.S_IFDIR | mode), "mode of /" + name)
    for name, (major, minor, mode) in STD_DEVS.items():
        e = ents[name]
        eq(oct(e.mode), oct(stat.S_IFCHR | mode), "mode of /" + name)
        eq((e.rdevmajor, e.rdevminor, e.filesize), (major, minor, 0), "rdev of /" + name)
    files = {"etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n",
             "etc/group": b"root:x:0:\n", "etc/hostname": b"ringtail\n",
             "etc/hosts": b"127.0.0.1 localhost ringtail\n", "etc/shells": b"/bin/sh\n"}
    for name, text in files.items():
        eq(ents[name].data, text, "/" + name)
        eq(oct(ents[name].mode), oct(stat.S_IFREG | 0o644), "mode of /" + name)
    profile = ents["etc/profile"].data.decode()
    assert "PS1='\\u@\\h:\\w\\$ '" in profile, profile
    assert "PATH=/bin:/sbin:/usr/bin:/usr/sbin" in profile, profile
    assert "export" in profile and "HOME" in profile and "TERM" in profile, profile
    assert "etc/motd" not in ents, "/etc/motd is not part of the default tree"
    # Parsing the profile with a real shell catches quoting mistakes.
    sh = shutil.which("sh")
    if sh:
        r = subprocess.run([sh, "-c", ". /dev/stdin; printf '%s|%s' \"$PATH\" \"$PS1\""],
                           input=profile, stdout=subprocess.PIPE, universal_newlines=True,
                           env={"HOME": "/x"})
        eq(r.stdout.strip(), "/bin:/sbin:/usr/bin:/usr/sbin|\\u@\\h:\\w\\$", "sourced profile")


def test_options_and_overrides():
    host = write(os.path.join(TMP, "hn"), "otherhost\n")
    exe = write(os.path.join(TMP, "runme"), "#!/bin/sh\n", 0o755)
    ents = entries(build("opts", "--file", host + ":/etc/hostname",
                         "--file", host + ":/etc/secret:0600",
                         "--file", exe + ":/usr/libexec/runme",
                         "--dir", "/tmp:0755", "--dir", "/srv/www:2750",
                         "--symlink", "../bin/busybox:/usr/bin/bb",
                         "--dev", "/dev/sda:b:8:0", "--dev", "/dev/ttyS0:c:4:64:0620"))
    eq(ents["etc/hostname"].data, b"otherhost\n", "--file overrides the default")
    eq(oct(ents["etc/secret"].mode), oct(stat.S_IFREG | 0o600), "--file mode")
    eq(oct(ents["usr/libexec/runme"].mode), oct(stat.S_IFREG | 0o755), "executable source")
    eq(oct(ents["tmp"].mode), oct(stat.S_IFDIR | 0o755), "--dir overrides a default")
    eq(oct(ents["srv/www"].mode), oct(stat.S_IFDIR | 0o2750), "--dir mode")
    e = ents["usr/bin/bb"]
    eq((oct(e.mode), e.data, e.filesize), (oct(stat.S_IFLNK | 0o777), b"../bin/busybox", 14),
       "symlink")
    e = ents["dev/sda"]
    eq((oct(e.mode), e.rdevmajor, e.rdevminor), (oct(stat.S_IFBLK | 0o600), 8, 0), "block dev")
    e = ents["dev/ttyS0"]
    eq((oct(e.mode), e.rdevmajor, e.rdevminor), (oct(stat.S_IFCHR | 0o620), 4, 64), "char dev")


def test_busybox_applets():
    if not os.path.exists(BUSYBOX):
        raise Skip("%s not installed" % BUSYBOX)
    listed = subprocess.run([BUSYBOX, "--list-full"], stdout=subprocess.PIPE,
                            universal_newlines=True, check=True).stdout.split()
    assert "bin/sh" in listed and "bin/ls" in listed, "unexpected busybox applet list"
    # A --prog named like an applet replaces that applet's link.
    ls = write(os.path.join(TMP, "ls"), "#!/bin/sh\necho my ls\n", 0o755)
    ents = entries(build("bb", "--busybox", BUSYBOX, "--prog", ls))
    with open(BUSYBOX, "rb") as f:
        eq(ents["bin/busybox"].data, f.read(), "/bin/busybox contents")
    eq(oct(ents["bin/busybox"].mode), oct(stat.S_IFREG | 0o755), "/bin/busybox mode")
    eq(ents["bin/sh"].target, b"/bin/busybox", "/bin/sh")
    eq(ents["bin/ls"].data, b"#!/bin/sh\necho my ls\n", "--prog ls replaces the applet")
    eq(oct(ents["bin/ls"].mode), oct(stat.S_IFREG | 0o755), "/bin/ls mode")
    links = 0
    for applet in listed:
        if applet in ("bin/busybox", "bin/ls"):
            continue
        e = ents.get(applet)
        assert e is not None, "applet %s missing" % applet
        eq((oct(e.mode), e.target), (oct(stat.S_IFLNK | 0o777), b"/bin/busybox"), applet)
        links += 1
    eq(sum(1 for e in ents.values() if e.target == b"/bin/busybox"), links,
       "one link per applet, no more")
    # Any option naming an applet's path wins over the applet link
    # (rtinit goes to /sbin/init with --file).
    init = write(os.path.join(TMP, "myinit"), "#!/bin/sh\necho my init\n", 0o755)
    ents = entries(build("bb_init", "--busybox", BUSYBOX, "--file", init + ":/sbin/init",
                         "--symlink", "/bin/busybox:/bin/mysh"))
    eq(ents["sbin/init"].data, b"#!/bin/sh\necho my init\n", "--file replaces the init applet")
    # Two options (not applets) on one path stay an error.
    rejected("bb_dup", "--busybox", BUSYBOX, "--file", init + ":/bin/x", "--symlink",
             "/bin/busybox:/bin/x", expect="duplicate destination /bin/x")


def test_busybox_failure():
    rejected("bb_missing", "--busybox", os.path.join(TMP, "no-such-busybox"),
             expect="cannot run")
    bad = write(os.path.join(TMP, "badbox"), "#!/bin/sh\necho oops >&2\nexit 3\n", 0o755)
    err = rejected("bb_bad", "--busybox", bad, expect="exited with status 3")
    assert "oops" in err, err
    notexec = write(os.path.join(TMP, "notexec"), "data\n", 0o644)
    rejected("bb_notexec", "--busybox", notexec, expect="cannot run")


def test_prog_placement():
    exe = hello()
    ents = entries(build("prog", "--prog", exe))
    e = ents["bin/hello"]
    eq(oct(e.mode), oct(stat.S_IFREG | 0o755), "mode")
    with open(exe, "rb") as f:
        eq(e.data, f.read(), "without --strip the program is stored as is")


def test_prog_strip():
    exe = hello()
    with open(exe, "rb") as f:
        orig = f.read()
    assert b".debug_info" in orig, "gcc -g produced no .debug_info"
    if shutil.which("strip") is None:
        raise Skip("strip not installed")
    e = entries(build("strip", "--prog", exe, "--strip"))["bin/hello"]
    assert b".debug_info" not in e.data, "debug info left after --strip"
    assert len(e.data) < len(orig), "stripped copy is not smaller"
    assert b"symtab" in e.data, "--strip-debug keeps the symbol table"
    # The stripped copy still runs.
    out = write(os.path.join(TMP, "hello.stripped"), e.data, 0o755)
    r = subprocess.run([out], stdout=subprocess.PIPE, universal_newlines=True)
    eq((r.returncode, r.stdout), (0, "hello from ringtail\n"), "stripped program output")
    with open(exe, "rb") as f:
        eq(f.read(), orig, "the source program is left untouched")
    # Non-ELF programs are stored unchanged; a failing strip is an error.
    script = write(os.path.join(TMP, "script"), "#!/bin/sh\n", 0o755)
    eq(entries(build("strip_sh", "--prog", script, "--strip"))["bin/script"].data,
       b"#!/bin/sh\n", "script under --strip")
    r = run_mk(["-o", os.path.join(TMP, "strip_bad.cpio"), "--prog", exe, "--strip"],
               clean_env(STRIP="false"))
    assert r.returncode != 0 and "failed" in r.stderr, r.stderr


def test_strip_missing():
    exe = hello()
    empty = os.path.join(TMP, "empty-path")
    os.makedirs(empty, exist_ok=True)
    out = os.path.join(TMP, "nostrip.cpio")
    r = run_mk(["-o", out, "--prog", exe, "--strip"], clean_env(PATH=empty))
    eq(r.returncode, 0, "exit status: " + r.stderr)
    assert "not found" in r.stderr and "unstripped" in r.stderr, r.stderr
    with open(out, "rb") as f, open(exe, "rb") as g:
        eq(entries(f.read())["bin/hello"].data, g.read(), "stored as is")


def test_summary_line():
    r = run_mk(["-o", os.path.join(TMP, "summary.cpio")])
    eq(r.returncode, 0, r.stderr)
    lines = r.stderr.strip().splitlines()
    eq(len(lines), 1, "one summary line")
    size = os.path.getsize(os.path.join(TMP, "summary.cpio"))
    assert "entries" in lines[0] and "%d bytes" % size in lines[0], lines[0]


# --- refusals ----------------------------------------------------------------------

def test_rejects_duplicates():
    a = write(os.path.join(TMP, "a"), "a\n")
    b = write(os.path.join(TMP, "b"), "b\n")
    rejected("dup1", "--file", a + ":/etc/x", "--file", b + ":/etc/x", expect="duplicate")
    rejected("dup2", "--file", a + ":/etc/x", "--symlink", "y:/etc//x", expect="duplicate")
    rejected("dup3", "--dir", "/var", "--dir", "/var/", expect="duplicate")
    os.makedirs(os.path.join(TMP, "sub"), exist_ok=True)
    a2 = write(os.path.join(TMP, "sub", "a"), "another a\n")
    rejected("dup4", "--prog", a, "--prog", a2, expect="duplicate destination /bin/a")
    rejected("dup5", "--dev", "/dev/x:c:1:1", "--file", a + ":/dev/x", expect="duplicate")
    # Something placed below a non-directory.
    rejected("dup6", "--file", a + ":/etc/x", "--file", b + ":/etc/x/y",
             expect="is not a directory")


def test_rejects_dotdot():
    a = write(os.path.join(TMP, "a"), "a\n")
    rejected("dd1", "--file", a + ":/etc/../x", expect="'..'")
    rejected("dd2", "--dir", "/..", expect="'..'")
    rejected("dd3", "--symlink", "t:/a/../../b", expect="'..'")
    rejected("dd4", "--dev", "/dev/../x:c:1:1", expect="'..'")
    # A '..' inside a symlink *target* is fine, as is a name containing "..".
    entries(build("dd_ok", "--symlink", "../x:/usr/y", "--file", a + ":/etc/a..b"))


def test_rejects_bad_syntax():
    a = write(os.path.join(TMP, "a"), "a\n")
    rejected("syn1", "--file", a + ":etc/x", expect="absolute")
    rejected("syn2", "--file", a, expect="expected SRC:DEST")
    rejected("syn3", "--dir", "/x:0999", expect="octal")
    rejected("syn4", "--dir", "/x:17777", expect="07777")
    rejected("syn5", "--dev", "/dev/x:z:1:1", expect="c|b")
    rejected("syn6", "--dev", "/dev/x:c:one:1", expect="numbers")
    rejected("syn7", "--file", os.path.join(TMP, "missing") + ":/x", expect="cannot read")
    rejected("syn8", "--file", TMP + ":/x", expect="not a regular file")
    rejected("syn9", "--dir", "/", expect="root")


# --- cpio_list.py --------------------------------------------------------------------

def test_list_output():
    data = build("list", "--symlink", "/bin/busybox:/bin/sh")
    r = run_list(os.path.join(TMP, "list.cpio"), check=False)
    eq(r.returncode, 0, r.stderr)
    lines = r.stdout.splitlines()
    eq(len(lines), len(entries(data)), "one line per entry")
    for want in ("020600 1 0 0 0 5:1 dev/console", "041777 2 0 0 0 0:0 tmp",
                 "120777 1 0 0 12 0:0 bin/sh -> /bin/busybox",
                 "100644 1 0 0 9 0:0 etc/hostname"):
        assert want in lines, "no line %r" % want


def check_fails(name, data, expect):
    path = write(os.path.join(TMP, name + ".cpio"), data)
    r = run_list(path)
    if r.returncode == 0:
        raise AssertionError("--check accepted %s" % name)
    assert expect in r.stderr, "%s: %r lacks %r" % (name, r.stderr.strip(), expect)
    eq(len(r.stderr.strip().splitlines()), 1, "one-line message")


def test_check_truncated():
    src = write(os.path.join(TMP, "big"), b"D" * 1000)
    data = build("trunc", "--file", src + ":/zz/big")
    big = [e for e in cpio_list.read_entries(data) if e.name == b"zz/big"][0]
    trailer_off = len(data) - 124
    cases = {"empty": 0, "mid-first-header": 50, "mid-name": 112,
             "mid-data": big.offset + 200, "before-trailer": trailer_off,
             "mid-trailer": trailer_off + 60, "trailer-name": trailer_off + 115}
    for what, cut in cases.items():
        check_fails("trunc_" + what, data[:cut], "truncated" if cut else "without")
    # Listing without --check fails on a truncated archive too.
    r = run_list(os.path.join(TMP, "trunc_mid-data.cpio"), check=False)
    assert r.returncode != 0 and "truncated data" in r.stderr, r.stderr


def test_check_bad_magic():
    data = build("magic")
    offs = [off for off, _, _ in walk(data)]
    for i in (0, 2, len(offs) - 1):
        bad = bytearray(data)
        bad[offs[i]:offs[i] + 6] = b"070707"      # the old "odc" format's magic
        check_fails("magic%d" % i, bytes(bad), "offset %d (0x%x): bad magic" % (offs[i], offs[i]))


def test_check_fields_padding_trailer():
    data = build("fields")
    offs = [off for off, _, _ in walk(data)]
    bad = bytearray(data)
    bad[offs[1] + 6 + 8 * 6] = ord("g")         # filesize field of the 2nd entry
    check_fails("badhex", bytes(bad), "filesize")
    bad = bytearray(data)
    bad[offs[1] + 6 + 8 * 11 + 7] = ord("2")    # namesize of "dev" 4 -> 2: its NUL is lost
    check_fails("badname", bytes(bad), "NUL")
    # "bin" has namesize 4: 110 + 4 = 114, so two padding bytes follow the name.
    eq(data[offs[0] + 110:offs[0] + 114], b"bin\0", "first entry")
    bad = bytearray(data)
    bad[offs[0] + 115] = 1
    check_fails("badpad", bytes(bad), "padding")
    check_fails("after", data + b"\0" * 8 + b"junk", "after the TRAILER!!!")
    check_fails("notrailer", data[:offs[-1]] + data[offs[0]:offs[1]], "without")
    # Zero padding after the trailer (e.g. to a 512-byte block) is fine.
    r = run_list(write(os.path.join(TMP, "zeros.cpio"), data + b"\0" * 388))
    eq(r.returncode, 0, r.stderr)


def test_gnu_cpio_agrees():
    cpio = shutil.which("cpio")
    if cpio is None:
        raise Skip("GNU cpio not installed")
    version = subprocess.run([cpio, "--version"], stdout=subprocess.PIPE,
                             universal_newlines=True).stdout
    if "GNU cpio" not in version:
        raise Skip("%s is not GNU cpio" % cpio)
    args = ["--symlink", "/bin/x:/bin/y", "--dev", "/dev/sda:b:8:0"]
    if os.path.exists(BUSYBOX):
        args += ["--busybox", BUSYBOX]
    data = build("gnu", *args)
    with open(os.path.join(TMP, "gnu.cpio"), "rb") as f:
        r = subprocess.run([cpio, "-it"], stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
    eq(r.returncode, 0, "cpio -it: " + r.stderr)
    eq(r.stdout.splitlines(), list(entries(data)), "names listed by cpio -it")


CASES = [
    test_alignment_and_total_size,
    test_trailer_last_and_check_passes,
    test_deterministic,
    test_sorted_parents_first,
    test_standard_tree,
    test_options_and_overrides,
    test_busybox_applets,
    test_busybox_failure,
    test_prog_placement,
    test_prog_strip,
    test_strip_missing,
    test_summary_line,
    test_rejects_duplicates,
    test_rejects_dotdot,
    test_rejects_bad_syntax,
    test_list_output,
    test_check_truncated,
    test_check_bad_magic,
    test_check_fields_padding_trailer,
    test_gnu_cpio_agrees,
]


def main():
    global TMP
    only = set(filter(None, (sys.argv[1] if len(sys.argv) > 1 else "").split(",")))
    out = sys.stdout
    out.write("KTAP version 1\n1..%d\n" % len(CASES))
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    TMP = tempfile.mkdtemp(prefix="ringtail-initramfs-test.")
    try:
        for i, fn in enumerate(CASES, 1):
            name = fn.__name__
            if only and name not in only:
                out.write("ok %d %s # SKIP not selected\n" % (i, name))
                counts["skipped"] += 1
                continue
            out.flush()
            try:
                fn()
                line = "ok %d %s" % (i, name)
                counts["passed"] += 1
            except Skip as e:
                line = "ok %d %s # SKIP %s" % (i, name, e)
                counts["skipped"] += 1
            except Exception:
                for l in traceback.format_exc().rstrip().split("\n"):
                    out.write("# %s\n" % l)
                line = "not ok %d %s" % (i, name)
                counts["failed"] += 1
            out.write(line + "\n")
            out.flush()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    out.write("# initramfs: %(passed)d passed, %(failed)d failed, %(skipped)d skipped\n" % counts)
    return 0 if counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
