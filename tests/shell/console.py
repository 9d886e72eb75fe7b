#!/usr/bin/env python3
"""Drive busybox's shell on Ringtail's console like a person at a terminal,
and compare what every command prints with what a script expects.

    console.py [--build DIR] [--smp N] SCRIPT

SCRIPT holds commands and their expected output:

    $ echo hi | cat
    hi
    $ for i in 1 2; do echo $i; done
    1
    2

Each "$ " line is typed at the shell prompt (one line, then Enter) once the
prompt is there; everything the shell prints until the next prompt, minus
the echo of the typed line and terminal escape sequences, must equal the
lines after it exactly. "#" lines and blank lines between blocks are
ignored (a block's output may not contain blank lines). A line
"@ after TEXT send KEYS" (or "type KEYS") right after a command waits
until the command's output holds TEXT, then types KEYS, where ^X is a
control character (^C, ^Z, ^U, ^? for DEL) and \\n is Enter: a person
interrupting the command, or answering it. The result is KTAP,
one test per command; the whole run is one boot (state carries over from
command to command, as in a real session). At the end the script types
`exit 0` and the machine must power off with status 0.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu   # noqa: E402

# The prompt, possibly followed by busybox's cursor-position query (a
# terminal would answer it; the shell works on without an answer).
PROMPT = re.compile(rb"root@ringtail:[^\n]*# (?:\x1b\[[0-9;?]*[A-Za-z])*$")
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
BOOT_TIMEOUT = 120
COMMAND_TIMEOUT = 60


ACTION = re.compile(r"^@ after (.+?) (send|type) (.+)$")


def keys(text):
    """'abc^H^Ux\\n' -> bytes: ^X is a control character (^? is DEL),
    \\n is Enter."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] == "^" and i + 1 < len(text):
            c = text[i + 1]
            out.append(0x7f if c == "?" else ord(c.upper()) & 0x1f)
            i += 2
        elif text.startswith("\\n", i):
            out.append(0x0d)
            i += 2
        else:
            out += text[i].encode()
            i += 1
    return bytes(out)


def parse_script(path):
    blocks, cur = [], None
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("$ "):
                cur = (line[2:], [], [])
                blocks.append(cur)
            elif line.startswith("@ "):
                m = ACTION.match(line)
                if not m or cur is None:
                    sys.exit("%s: bad action line %r" % (path, line))
                cur[2].append((m.group(1).encode(), keys(m.group(3))))
            elif cur is None or line.startswith("#") or not line:
                if line and not line.startswith("#") and cur is None:
                    sys.exit("%s: output before the first command: %r" % (path, line))
            else:
                cur[1].append(line)
    return blocks


class Console:
    def __init__(self, argv, log):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.buf = b""
        self.log = log

    def read_until_prompt(self, timeout, until=None, command=""):
        """Everything up to (not including) the next prompt, or None. With
        `until`, return as soon as the command's output (past the echo of
        the command itself) holds that text, consuming nothing."""
        deadline = time.monotonic() + timeout
        while True:
            if until is not None:
                rest = after_echo(self.buf, command)
                if rest is not None and until.decode() in rest:
                    return b""
            m = PROMPT.search(self.buf) if until is None else None
            if m:
                out, self.buf = self.buf[:m.start()], self.buf[m.end():]
                return out
            left = deadline - time.monotonic()
            if left <= 0 or self.p.poll() is not None:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 1.0))
            if r:
                data = os.read(self.p.stdout.fileno(), 65536)
                if not data:
                    return None
                self.log.write(data)
                self.log.flush()
                self.buf += data

    def type_line(self, line):
        self.p.stdin.write(line.encode() + b"\r")
        self.p.stdin.flush()

    def type_raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def finish(self, timeout):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def after_echo(out, command):
    """What the shell printed after echoing the whole command, or None
    while the echo is incomplete."""
    text = ESCAPES.sub(b"", out).replace(b"\r", b"").decode("utf-8", "replace")
    echoed = ""
    lines = text.split("\n")
    for k, line in enumerate(lines[:-1]):       # an echo ends with a newline
        echoed += line
        if echoed == command.strip():
            return "\n".join(lines[k + 1:])
        if not command.startswith(echoed):
            return None
    return None


def render(line):
    """A line as a terminal shows it: a backspace moves the cursor left,
    later characters overwrite (the echo of erased input)."""
    cells, col = [], 0
    for ch in line:
        if ch == "\b":
            col = max(col - 1, 0)
            continue
        if col < len(cells):
            cells[col] = ch
        else:
            cells.append(ch)
        col += 1
    text = "".join(cells)
    return text.rstrip(" ") if "\b" in line else text      # erased cells are blanks


def clean(out, command):
    text = ESCAPES.sub(b"", out).replace(b"\r", b"").decode("utf-8", "replace")
    lines = [render(l) for l in text.split("\n")]
    # First comes the shell's echo of what was typed, wrapped at the
    # terminal's width: drop lines while they spell out the command.
    echoed = ""
    for k, line in enumerate(lines):
        echoed += line
        if echoed == command.strip():
            lines = lines[k + 1:]
            break
        if not command.startswith(echoed):
            break
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--smp", type=int, default=1)
    a = ap.parse_args()
    blocks = parse_script(a.script)
    iso = os.path.join(a.build, "ringtail.iso")
    argv = qemu.build_argv(iso=iso, elf=os.path.join(a.build, "kernel.elf"), smp=a.smp)
    name = os.path.splitext(os.path.basename(a.script))[0]
    log_path = os.path.join(a.build, "test-logs", name + ".console.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    print("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..%d"
          % (name, len(blocks)))
    failed = 0
    with open(log_path, "wb") as log:
        con = Console(argv, log)
        if con.read_until_prompt(BOOT_TIMEOUT) is None:
            print("    # no shell prompt within %ds (console log: %s)" % (BOOT_TIMEOUT, log_path))
            con.finish(1)
            print("not ok 1 %s" % name)
            return 1
        for n, (command, want, actions) in enumerate(blocks, 1):
            con.type_line(command)
            for text, key in actions:
                if con.read_until_prompt(COMMAND_TIMEOUT, until=text, command=command) is None:
                    break
                con.type_raw(key)
            out = con.read_until_prompt(COMMAND_TIMEOUT)
            if out is None:
                print("    # %s: no prompt after %ds" % (command, COMMAND_TIMEOUT))
                print("    not ok %d %s" % (n, command))
                failed += len(blocks) - n + 1
                break
            got = clean(out, command)
            if got == want:
                print("    ok %d %s" % (n, command))
                continue
            failed += 1
            print("    # %s" % command)
            for w in want:
                print("    #   want: %s" % w)
            for g in got:
                print("    #   got:  %s" % g)
            print("    not ok %d %s" % (n, command))
        con.type_line("exit 0")
        rc = con.finish(60)
    if rc != qemu.QEMU_OK:
        print("    # the machine did not power off cleanly after exit (QEMU %s)" % rc)
        failed += 1
    print("%s 1 %s" % ("ok" if not failed else "not ok", name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
