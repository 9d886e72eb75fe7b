#!/usr/bin/env python3
"""Where is a hung guest? Ask QEMU's monitor for every CPU's registers and
walk each CPU's frame-pointer chain, naming kernel addresses by symbol;
then, through QEMU's gdb stub, list every thread with where it sleeps
(scripts/ringtail.gdb's rt-threads): a hang where every CPU idles is a
thread waiting for a wakeup that never came.

The test runner calls dump() on a boot that times out, before it stops
QEMU, so a rare hang leaves a backtrace per CPU in the failure report
instead of only "timeout". Usable by hand too:
    scripts/hangdump.py MONITOR_SOCKET build/kernel.elf
(QEMU started with -monitor unix:MONITOR_SOCKET,server,nowait).
"""
import bisect
import os
import re
import socket
import subprocess
import sys
import time

PROMPT = b"(qemu) "
MAX_FRAMES = 16
KERNEL_BASE = 0xffff800000000000


class Monitor:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self._until_prompt()            # the banner

    def _until_prompt(self):
        buf = b""
        deadline = time.monotonic() + self.s.gettimeout()
        while not buf.endswith(PROMPT):
            if time.monotonic() > deadline:
                raise TimeoutError("no monitor prompt")
            data = self.s.recv(65536)
            if not data:
                raise EOFError("monitor closed")
            buf += data
        return buf[:-len(PROMPT)]

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        out = self._until_prompt().decode("utf-8", "replace")
        # HMP echoes the command (with terminal escapes) on the first line.
        lines = out.replace("\r", "").split("\n")[1:]
        return [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", l) for l in lines]

    def close(self):
        self.s.close()


class Symbols:
    def __init__(self, elf):
        self.addrs, self.names = [], []
        try:
            out = subprocess.run(["nm", "-n", elf], capture_output=True,
                                 text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.addrs.append(int(parts[0], 16))
                self.names.append(parts[2])

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0 or addr < KERNEL_BASE:
            return "user" if addr < KERNEL_BASE else "?"
        return "%s+0x%x" % (self.names[i], addr - self.addrs[i])


def parse_registers(lines):
    """'info registers -a' output -> [(cpu, {reg: value})]."""
    cpus, cur = [], None
    for line in lines:
        m = re.match(r"CPU#(\d+)", line)
        if m:
            cur = {}
            cpus.append((int(m.group(1)), cur))
            continue
        if cur is None:
            continue
        for reg, val in re.findall(r"\b([A-Z0-9]{2,3})=([0-9a-f]{8,16})\b", line):
            cur.setdefault(reg, int(val, 16))
        m = re.match(r"CS =([0-9a-f]{4})", line)
        if m:
            cur["CS"] = int(m.group(1), 16)
        if "HLT=1" in line:
            cur["halted"] = 1
    return cpus


def read_qwords(mon, cpu, addr, n):
    mon.cmd("cpu %d" % cpu)
    out = mon.cmd("x /%dgx 0x%x" % (n, addr))
    vals = []
    for line in out:
        m = re.match(r"[0-9a-f]+:\s+(.*)", line)
        if m:
            vals += [int(v, 16) for v in m.group(1).split()]
    return vals


def backtrace(mon, syms, cpu, rbp):
    frames = []
    for _ in range(MAX_FRAMES):
        if rbp < KERNEL_BASE or rbp & 7:
            break
        q = read_qwords(mon, cpu, rbp, 2)
        if len(q) != 2 or q[1] < KERNEL_BASE:
            break
        frames.append(q[1])
        if q[0] <= rbp:
            break
        rbp = q[0]
    return ["      called from 0x%x %s" % (ra, syms.name(ra)) for ra in frames]


def interrupted(mon, syms, cpu, regs):
    """A CPU caught at an interrupt, exception or NMI entry: the hardware
    frame on its stack says where it was (rip, cs, rflags, rsp, ss, after
    an error code for some vectors)."""
    name = syms.name(regs.get("RIP", 0))
    if not any(k in name for k in ("_common", "isr_", "vector", "nmi", "entry")):
        return []
    # The entry code may have pushed the registers (15), vector and error
    # code already: look for the rip, cs, rflags triple in the first 24.
    q = read_qwords(mon, cpu, regs.get("RSP", 0), 24)
    for k in range(0, 21):
        if q[k + 1] in (0x08, 0x10, 0x2b, 0x33) and q[k + 2] & 2 and (q[k] >= KERNEL_BASE or
                                                                      q[k + 1] & 3):
            where = q[k]
            return ["      interrupted at 0x%x %s (rflags 0x%x)" % (
                where, syms.name(where) if where >= KERNEL_BASE else "user", q[k + 2])]
    return []


def dump(sock_path, elf):
    """Lines describing every CPU, or one line saying why there are none."""
    try:
        mon = Monitor(sock_path)
    except (OSError, TimeoutError, EOFError) as e:
        return ["(no register dump: monitor unavailable: %s)" % e]
    syms = Symbols(elf)
    out = []
    try:
        for cpu, regs in parse_registers(mon.cmd("info registers -a")):
            rip = regs.get("RIP", 0)
            user = regs.get("CS", 0) & 3 == 3
            out.append("CPU %d: rip 0x%x %s%s  rsp 0x%x rflags 0x%x%s" % (
                cpu, rip, syms.name(rip), " (user)" if user else "",
                regs.get("RSP", 0), regs.get("RFL", 0),
                " halted" if regs.get("halted") else ""))
            if not user:
                out += interrupted(mon, syms, cpu, regs)
                out += backtrace(mon, syms, cpu, regs.get("RBP", 0))
    except (OSError, TimeoutError, EOFError) as e:
        out.append("(register dump cut short: %s)" % e)
    finally:
        mon.close()
    return out


def threads(gdb_sock, elf, timeout=60):
    """rt-threads and the end of the kernel log, through the gdb stub."""
    here = os.path.dirname(os.path.abspath(__file__))
    argv = ["gdb", "-q", "-nx", "-batch", "-x", os.path.join(here, "ringtail.gdb"),
            "-ex", "target remote " + gdb_sock, "-ex", "echo ==threads==\\n", "-ex", "rt-threads",
            "-ex", "echo ==klog==\\n", "-ex", "rt-dmesg 1500", elf]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return ["(no thread list: %s)" % e]
    lines = out.splitlines()
    if "==threads==" not in lines:
        return ["(no thread list: gdb could not attach)"]
    keep = [l for l in lines[lines.index("==threads=="):]
            if l.strip() and not l.startswith("[Inferior")]
    keep = [("the kernel log's end:" if l == "==klog==" else
             "threads (rt-threads):" if l == "==threads==" else l) for l in keep]
    return keep


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: hangdump.py MONITOR_SOCKET KERNEL_ELF [GDB_SOCKET]")
    print("\n".join(dump(sys.argv[1], sys.argv[2])))
    if len(sys.argv) == 4:
        print("\n".join(threads(sys.argv[3], sys.argv[2])))
