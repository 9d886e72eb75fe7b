#!/usr/bin/env python3
"""Start Ringtail under QEMU: one place that knows the QEMU command line.

Used by `make run`, `make debug` and the test runner (tests/harness).

Two boot paths, same kernel:
  TCG (default): SeaBIOS boots build/ringtail.iso through GRUB (Multiboot2).
      The kernel command line reaches GRUB through the SMBIOS type-1 serial
      number string, which iso/grub.cfg reads with GRUB's `smbios` command,
      so one ISO serves every command line.
  KVM (--kvm):  QEMU's own -kernel loader (Multiboot1 address fields) with
      qboot, because SeaBIOS+GRUB under nested KVM takes ~50 s here.
The root file system is build/initramfs, a GRUB module on the ISO (an
-initrd module under KVM). --prog names a program: a host file (a temporary
ISO then also carries it; the kernel installs it in /bin) or a path or name
inside the image. --args (or the ARGS environment variable) follows shell
quoting; each word travels %-encoded on the kernel command line.
--serial2 FILE adds a second serial port (COM2, the guest's /dev/ttyS1)
written to FILE: the channel `make record` copies perf.data out through.
With stdin not a terminal (`printf 'ls\n' | make run`), the input goes to
the console and a ^D follows it, so a shell reading it exits at the end.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBUG_EXIT_OK = 0x10      # kernel writes this to port 0xf4 on success
DEBUG_EXIT_FAIL = 0x11    # ... and this on failure
QEMU_OK = (DEBUG_EXIT_OK << 1) | 1      # 33
QEMU_FAIL = (DEBUG_EXIT_FAIL << 1) | 1  # 35
QBOOT = "/usr/share/qemu/qboot.rom"


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
        os.close(fd)
        return True
    except OSError:
        return False


def smbios_escape(s):
    # QEMU option values use ',' as a separator; ',,' is a literal comma.
    return s.replace(",", ",,")


def build_argv(iso, elf, cmdline="", smp=1, mem="512M", kvm=False,
               gdb_port=None, halt=False, serial="stdio", modules=None,
               extra=None, monitor=None, linux=None):
    """Return the QEMU argv. modules: list of (path, args) for -kernel boots;
    monitor: a unix socket path for QEMU's human monitor (scripts/hangdump.py);
    linux: (bzImage, initrd) to boot a Linux kernel instead of Ringtail
    (scripts/linux_vm.py) with cmdline as its command line: every other
    flag stays the same, so both kernels run on the same virtual machine."""
    argv = ["qemu-system-x86_64", "-M", "pc", "-m", str(mem),
            "-smp", str(smp), "-nodefaults", "-no-reboot",
            "-display", "none", "-monitor",
            "unix:%s,server=on,wait=off" % monitor if monitor else "none",
            "-serial", serial,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if kvm:
        # arch-capabilities off: QEMU 7.2 under this nested KVM cannot set
        # MSR 0x10a and aborts otherwise.
        argv += ["-accel", "kvm", "-cpu", "host,-arch-capabilities",
                 "-bios", QBOOT]
    else:
        argv += ["-accel", "tcg", "-cpu", "max"]
    if linux:
        argv += ["-kernel", linux[0], "-initrd", linux[1], "-append", cmdline]
    elif kvm:
        argv += ["-kernel", elf, "-append", cmdline]
        if modules:
            # QEMU splits -initrd on ',' : each item is "path args".
            items = []
            for path, args in modules:
                item = path + ((" " + args) if args else "")
                items.append(item.replace(",", ",,"))
            argv += ["-initrd", ",".join(items)]
    else:
        argv += ["-cdrom", iso, "-boot", "d"]
        if cmdline:
            argv += ["-smbios", "type=1,serial=" + smbios_escape(cmdline)]
    if isinstance(gdb_port, str):       # a unix socket (scripts/hangdump.py)
        argv += ["-gdb", "unix:%s,server=on,wait=off" % gdb_port]
    elif gdb_port:
        argv += ["-gdb", "tcp:127.0.0.1:%d" % gdb_port]
    if halt:
        argv += ["-S"]
    if extra:
        argv += extra
    return argv


def make_prog_iso(elf, modules, out_dir):
    """Build an ISO like build/ringtail.iso carrying the given modules."""
    iso = os.path.join(out_dir, "prog.iso")
    subprocess.check_call([os.path.join(ROOT, "scripts", "mkiso.sh"), iso,
                           elf, os.path.join(ROOT, "iso", "grub.cfg")] + modules,
                          stdout=subprocess.DEVNULL)
    return iso


SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/+:@=-")


def encode_word(word):
    """One argument for the kernel command line: bytes other than a few
    safe ones become %XX (kernel/init.c decodes them)."""
    return "".join(chr(b) if b in SAFE else "%%%02X" % b for b in word.encode())


BANNER = b"booted by"    # the kernel's first line: GRUB no longer reads the serial port


def relay_stdout(proc, ready):
    """Copy QEMU's serial output to ours; set `ready` once the kernel has
    started (input sent earlier could be eaten by GRUB's menu)."""
    seen = b""
    while True:
        data = os.read(proc.stdout.fileno(), 4096)
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        if not ready.is_set():
            seen = (seen + data)[-256:]
            if BANNER in seen:
                ready.set()
    ready.set()


def relay_stdin(proc, ready):
    """Copy our (non-terminal) stdin to QEMU's serial input, then ^D, again
    every half second: input typed ahead is read in canonical mode, where
    ^D is only an end-of-file mark, before the shell switches its terminal
    to raw mode and waits for a ^D of its own."""
    ready.wait()
    try:
        while True:
            data = os.read(sys.stdin.fileno(), 4096)
            if not data:
                break
            proc.stdin.write(data)
            proc.stdin.flush()
        while proc.poll() is None:
            proc.stdin.write(b"\x04")
            proc.stdin.flush()
            time.sleep(0.5)
    except (BrokenPipeError, ValueError, OSError):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["run", "debug", "print"])
    ap.add_argument("--iso", default=os.path.join(ROOT, "build/ringtail.iso"))
    ap.add_argument("--elf", default=os.path.join(ROOT, "build/kernel.elf"))
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--kvm", action="store_true")
    ap.add_argument("--gdb", type=int, default=None)
    ap.add_argument("--prog", default=None)
    ap.add_argument("--args", default="")
    ap.add_argument("--timeout", type=float, default=0)
    ap.add_argument("--serial2", default=None)
    a = ap.parse_args()
    extra = ["-serial", "file:" + a.serial2] if a.serial2 else None

    if a.kvm and not kvm_usable():
        print("qemu.py: KVM=1 but /dev/kvm is not usable; using TCG",
              file=sys.stderr)
        a.kvm = False

    cmdline = a.cmdline.strip()
    initramfs = os.path.join(os.path.dirname(os.path.abspath(a.iso)), "initramfs")
    modules = [(initramfs, "")] if os.path.isfile(initramfs) else []
    tmp = None
    iso = a.iso
    args = a.args if a.args else os.environ.get("ARGS", "")
    if a.prog:
        host_file = os.path.isfile(a.prog)
        name = os.path.basename(a.prog) if host_file else a.prog
        try:
            words = shlex.split(args)
        except ValueError as e:
            sys.exit("qemu.py: ARGS: %s" % e)
        # The kernel runs the named program with ARGS, then powers off with
        # the program's exit status (see kernel/init.c).
        cmdline = ("prog=%s %s" % (encode_word(name), cmdline)).strip()
        if words:
            cmdline += " -- " + " ".join(encode_word(w) for w in words)
        if host_file and a.kvm:
            modules.append((os.path.abspath(a.prog), ""))
        elif host_file:
            tmp = tempfile.mkdtemp(prefix="ringtail-prog-")
            iso = make_prog_iso(a.elf, [m for m, _ in modules] + [os.path.abspath(a.prog)], tmp)

    if a.mode == "debug":
        port = a.gdb or 1234
        argv = build_argv(iso, a.elf, cmdline, a.smp, a.mem, a.kvm,
                          gdb_port=port, halt=True, modules=modules, extra=extra)
        print("QEMU is halted with its GDB stub on 127.0.0.1:%d." % port)
        print("In another terminal run:  make gdb GDBPORT=%d" % port)
        print("(or: gdb -x scripts/ringtail.gdb -ex 'target remote :%d' "
              "build/kernel.elf)" % port)
        print("Serial console follows; quit QEMU with Ctrl-A X.")
    else:
        argv = build_argv(iso, a.elf, cmdline, a.smp, a.mem, a.kvm,
                          gdb_port=a.gdb, modules=modules, extra=extra)
    if a.mode == "print":
        print(" ".join(argv))
        return 0
    print("qemu.py: %s boot (%s), cmdline: %s" %
          ("KVM -kernel" if a.kvm else "TCG ISO", iso if not a.kvm else a.elf,
           cmdline or "(none)"), file=sys.stderr)
    sys.stdout.flush()
    piped = not os.isatty(sys.stdin.fileno())
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if piped else None,
                            stdout=subprocess.PIPE if piped else None)
    if piped:
        ready = threading.Event()
        out = threading.Thread(target=relay_stdout, args=(proc, ready), daemon=True)
        out.start()
        threading.Thread(target=relay_stdin, args=(proc, ready), daemon=True).start()
    try:
        rc = proc.wait(timeout=a.timeout or None)
        if piped:
            out.join(timeout=5)       # the last output before QEMU exited
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        print("\nqemu.py: timed out after %gs, QEMU (pid %d) stopped" %
              (a.timeout, proc.pid), file=sys.stderr)
        rc = 124
    except KeyboardInterrupt:
        proc.kill()
        proc.wait()
        rc = 130
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    # Map isa-debug-exit codes back: 33 = kernel reported success.
    if rc == QEMU_OK:
        return 0
    if rc == QEMU_FAIL:
        return 1
    if rc == 0 and a.prog:
        # Plain QEMU exit (window closed / triple fault with -no-reboot):
        # the program's status is unknown.
        return 2
    return rc


if __name__ == "__main__":
    sys.exit(main())
