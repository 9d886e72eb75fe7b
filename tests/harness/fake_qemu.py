#!/usr/bin/env python3
"""Fake qemu-system-x86_64 for test_harness.py: the first word of the kernel
command line says how the "boot" goes; writes its PID to $FAKE_DIR/MODE.pid."""
import os, sys, time
a = sys.argv
serial = a[a.index("-serial") + 1][len("file:"):]
cmd = a[a.index("-smbios") + 1].split("serial=", 1)[1] if "-smbios" in a else ""
mode = cmd.split()[0]
with open(os.path.join(os.environ["FAKE_DIR"], mode + ".pid"), "w") as f:
    f.write(str(os.getpid()))
if mode == "nolog":       # exits "successfully" without writing the serial log
    sys.exit(33)
if mode == "qemuerror":
    sys.stderr.write("qemu-system-x86_64: -cdrom: Could not open image\n")
    sys.exit(1)
out = open(serial, "w")
out.write("Ringtail fake\r\nKTAP version 1\r\n1..1\r\n")
out.flush()
if mode == "hang":
    time.sleep(100)
if mode == "crash":
    out.write("PANIC: general protection fault\r\n")
    sys.exit(35)
if mode == "triple":
    sys.exit(0)
out.write("ok 1 boot\r\n")
sys.exit(33 if mode == "pass" else 35)
