# Ringtail: a small x86_64 kernel built around Linux's perf ring buffer.
# `make help` lists the targets and variables; README.md explains them.

CROSS_COMPILE ?= x86_64-linux-gnu-
CC      := $(CROSS_COMPILE)gcc
LD      := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy
NM      := $(CROSS_COMPILE)nm
NASM    ?= nasm
HOSTCC  ?= gcc
MUSLCC  ?= musl-gcc
PYTHON  ?= python3

.DEFAULT_GOAL := all

BUILD   ?= build
KVM     ?= 0
SMP     ?= 1
MEM     ?= 512M
CMDLINE ?=
PROG    ?=
ARGS    ?=
TIMEOUT ?= 0
JOBS    ?= 2
TESTS   ?=
GDBPORT ?= $(shell echo $$(( $$(id -u) % 5000 + 25000 )))
V       ?= 0

ifeq ($(V),1)
Q :=
else
Q := @
endif

# --- kernel compilation flags ------------------------------------------------
# Freestanding: only the compiler's own headers (stdint.h, stdarg.h, ...) are
# visible, never the host libc's, so the build does not depend on the host.
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

KERNEL_INCLUDES := -Iarch/x86_64/include -Ikernel/include -Ilib/include \
                   -Ikernel/include/uapi
KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
           -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
           -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
           -fno-stack-protector -fno-asynchronous-unwind-tables \
           -fno-strict-aliasing -fno-common -fcf-protection=none \
           -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
           -Werror=missing-prototypes -Werror=redundant-decls \
           -Werror=implicit-function-declaration \
           -MMD -MP $(KERNEL_INCLUDES) $(EXTRA_KCFLAGS)
KASFLAGS := -f elf64 -Iarch/x86_64/
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
            --no-warn-rwx-segments --build-id=sha1 \
            -T arch/x86_64/kernel.ld

# --- host flags (unit tests, tools) ----------------------------------------
HOST_INCLUDES := -Iarch/host/include -Ikernel/include -Ilib/include -Itests/harness
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
               -Wno-sign-compare $(HOST_INCLUDES) $(EXTRA_HOST_CFLAGS)
HOST_LDFLAGS := -pthread
HOST_HARNESS := tests/harness/ktest_host.c      # KTAP output for host tests
# Coarse but safe: any shared header change rebuilds the host programs.
HOST_HDRS = $(wildcard lib/include/lib/*.h arch/host/include/arch/*.h \
              kernel/include/kernel/*.h kernel/include/uapi/*/*.h tests/harness/*.h)

# --- user program flags (static musl binaries) ------------------------------
USER_CFLAGS := -static -O2 -g -fno-omit-frame-pointer -Wall -Wextra
USER_LDFLAGS := -lpthread -Wl,--build-id=sha1
USER_HDRS := $(wildcard user/lib/*.h)

# Every module adds to these lists in its own rules.mk (declarations only:
# scripts/build.mk has the rules).
KERNEL_C   :=
KERNEL_ASM :=
HOST_TESTS :=
HOST_TOOLS :=
USER_GROUPS :=
USER_LIBS  :=
USER_PROGS :=
IMAGE_PROGS :=
TEST_PLANS :=

MODULES := arch/x86_64 lib kernel kernel/include/uapi kernel/mm kernel/sched kernel/time kernel/proc \
           kernel/fs kernel/tty kernel/events kernel/bpf \
           user/libbpf user/tests user/bin user/perf user/smp user/bpf user/linux user/rtperf tests
include $(addsuffix /rules.mk,$(MODULES))
include scripts/build.mk

KERNEL_OBJS := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C)) \
               $(patsubst %.asm,$(BUILD)/k/%.o,$(KERNEL_ASM))

.PHONY: all help deps run debug gdb test host-tests check-tools clean iso kernel FORCE
all: $(BUILD)/kernel.elf $(BUILD)/ringtail.iso

kernel: $(BUILD)/kernel.elf
iso: $(BUILD)/ringtail.iso

# The kernel carries its own symbol table for backtraces. Only .text symbols
# are recorded and the table lives after .text, so linking it in cannot move
# any recorded address: pass 1 links an empty table, pass 2 the real one.
$(BUILD)/k/ksyms0.o: scripts/gen_ksyms.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) scripts/gen_ksyms.py --empty > $(BUILD)/k/ksyms0.c
	$(Q)$(CC) $(KCFLAGS) -c $(BUILD)/k/ksyms0.c -o $@

# The object list itself is a dependency: adding or removing a source file
# must relink even when every object is older than the last link.
$(BUILD)/k/objects.list: FORCE
	@mkdir -p $(dir $@)
	@echo "$(KERNEL_OBJS)" > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

# Every function is declared in a header, never inside a .c file, so the
# compiler checks each caller against its callee (scripts/check_decls.py).
$(BUILD)/k/decls.ok: $(KERNEL_C) scripts/check_decls.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) scripts/check_decls.py $(KERNEL_C) && touch $@

$(BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $(BUILD)/k/ksyms0.o arch/x86_64/kernel.ld \
		$(BUILD)/k/objects.list $(BUILD)/k/decls.ok
	@echo "  LD      $@"
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/k/ksyms0.o

$(BUILD)/k/ksyms.o: $(BUILD)/kernel.pass1.elf scripts/gen_ksyms.py
	$(Q)$(NM) -n --defined-only $< | $(PYTHON) scripts/gen_ksyms.py > $(BUILD)/k/ksyms.c
	$(Q)$(CC) $(KCFLAGS) -c $(BUILD)/k/ksyms.c -o $@

$(BUILD)/kernel.elf: $(BUILD)/kernel.pass1.elf $(BUILD)/k/ksyms.o
	@echo "  LD      $@"
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/k/ksyms.o
	$(Q)$(NM) -n --defined-only $(BUILD)/kernel.pass1.elf | grep -i ' t ' > $(BUILD)/k/text1.sym
	$(Q)$(NM) -n --defined-only $@ | grep -i ' t ' > $(BUILD)/k/text2.sym
	$(Q)cmp -s $(BUILD)/k/text1.sym $(BUILD)/k/text2.sym || \
		{ echo "error: embedding the symbol table moved .text symbols"; exit 1; }
	$(Q)grub-file --is-x86-multiboot2 $@ || { echo "error: $@ is not Multiboot2"; exit 1; }
	$(Q)grub-file --is-x86-multiboot $@ || { echo "error: $@ lacks the Multiboot1 header for -kernel"; exit 1; }

# The root file system: busybox (applet links in the image), every user
# program in /bin, rtinit as /sbin/init, /etc and /dev basics. Programs are
# stripped of debug info here; build/user keeps the full ones for gdb and
# profilers.
BUSYBOX ?= /bin/busybox
$(BUILD)/initramfs: $(IMAGE_PROGS) $(BUSYBOX) scripts/mkinitramfs.py
	@echo "  CPIO    $@"
	$(Q)$(PYTHON) scripts/mkinitramfs.py -o $@.tmp --busybox $(BUSYBOX) --strip \
		$(addprefix --prog ,$(filter-out $(BUILD)/user/init,$(IMAGE_PROGS))) \
		--file $(BUILD)/user/init:/sbin/init:0755 >/dev/null
	$(Q)mv -f $@.tmp $@

# GRUB loads the kernel and the initramfs (a module named "initramfs"); the
# ISO carries a debug-stripped kernel (faster to load), gdb uses kernel.elf.
# Both images are written aside and renamed into place, so a QEMU started
# while they are rebuilt (a soak, a second terminal) boots the old or the
# new one, never half of each.
$(BUILD)/ringtail.iso: $(BUILD)/kernel.elf iso/grub.cfg scripts/mkiso.sh $(BUILD)/initramfs
	@echo "  ISO     $@"
	$(Q)scripts/mkiso.sh $@.tmp $(BUILD)/kernel.elf iso/grub.cfg $(BUILD)/initramfs
	$(Q)mv -f $@.tmp $@

# --- running -----------------------------------------------------------------
QEMU_RUN := $(PYTHON) scripts/qemu.py --iso $(BUILD)/ringtail.iso \
            --elf $(BUILD)/kernel.elf --smp $(SMP) --mem $(MEM) \
            $(if $(filter 1,$(KVM)),--kvm) --timeout $(TIMEOUT)

# PROG: a host file (added to the image's /bin) or a program in the image;
# ARGS follows shell quoting and reaches scripts/qemu.py through the
# environment untouched.
export ARGS
run: all $(if $(wildcard $(PROG)),$(PROG))
	$(Q)$(QEMU_RUN) $(if $(PROG),--prog "$(PROG)") --cmdline "$(CMDLINE)" run

debug: all $(if $(wildcard $(PROG)),$(PROG))
	$(Q)$(QEMU_RUN) --gdb $(GDBPORT) $(if $(PROG),--prog "$(PROG)") --cmdline "$(CMDLINE)" debug

gdb: $(BUILD)/kernel.elf
	gdb -q -nx -x scripts/ringtail.gdb \
		-ex 'target remote localhost:$(GDBPORT)' $(BUILD)/kernel.elf

# --- Linux in the same QEMU ----------------------------------------------------
# Debian's kernel image (make deps fetches it; never installed on the host)
# boots with the flags of `make run`, runs PROG with ARGS and powers off
# (scripts/linux_vm.py). TIMEOUT counts from the program's start (0 = the
# default, 600 s); the script exits with the program's status.
LINUX_CACHE ?= .cache/linux
export RINGTAIL_LINUX_CACHE := $(abspath $(LINUX_CACHE))
.PHONY: linux-image linux-run
linux-image:
	$(Q)scripts/get_linux.sh $(LINUX_CACHE)

linux-run: $(BUILD)/user/linux_init $(if $(wildcard $(PROG)),$(PROG))
	$(Q)$(if $(PROG),,echo "usage: make linux-run PROG=path [ARGS='...'] [SMP=N]"; exit 2;) \
	$(PYTHON) scripts/linux_vm.py run "$(PROG)" --smp $(SMP) --mem $(MEM) \
		$(if $(filter 1,$(KVM)),--kvm) $(if $(filter-out 0,$(TIMEOUT)),--timeout $(TIMEOUT))

# --- tests -------------------------------------------------------------------
host-tests: $(HOST_TEST_BINS)

test: all host-tests $(USER_PROGS) $(BUILD)/host/insnprof.so
	$(Q)$(PYTHON) tests/harness/run_tests.py --jobs $(JOBS) --build $(BUILD) \
		$(if $(TESTS),--only "$(TESTS)") $(TEST_PLANS)

# The SMP, threading, NMI and concurrency lines, N times each: a flaky test
# shows up as a non-zero count in the closing table.
N ?= 20
SOAK_TESTS ?= smp,thread,perf-nmi,inherit,tsan,stress,bpf-kernel,perf-fuzz,user-fuzz
.PHONY: soak
soak: all host-tests $(USER_PROGS)
	$(Q)$(PYTHON) tests/harness/run_tests.py --jobs $(JOBS) --build $(BUILD) --repeat $(N) \
		--only "$(if $(TESTS),$(TESTS),$(SOAK_TESTS))" $(TEST_PLANS)

# --- profiling: rtperf records in the guest, Linux's perf reads on the host --
# make record [CMD='prog args'] [RECORD_OPTS='-g -e ...']: build/perf.data
# (out of the guest through /dev/ttyS1, length and sha256 checked);
# make report: the host's perf report; make flamegraph: build/flamegraph.html
# (Linux's flamegraph.py with d3-flame-graph's HTML template from npm, the
# version pinned in scripts/flamegraph/package-lock.json; `make deps`
# installs it into .cache/flamegraph, which make clean keeps).
CMD ?=
RECORD_OPTS ?= -g
export CMD
FLAMEGRAPH_CACHE := .cache/flamegraph
RTPERF_HOST := BUILD=$(BUILD) $(PYTHON) scripts/rtperf_host.py
.PHONY: record report flamegraph
record: all
	$(Q)$(RTPERF_HOST) record --smp $(SMP) --mem $(MEM) --opts="$(RECORD_OPTS)"
report:
	$(Q)$(RTPERF_HOST) perf report --stdio
flamegraph:
	$(Q)$(RTPERF_HOST) flamegraph

# --- benchmarks (not tests: they measure, they do not pass or fail) --------
# One table: Ringtail next to Linux (the image make deps fetched) in the same
# QEMU, guest instructions under -icount, wall time, host-only cores
# (scripts/bench.py). make test only checks that the programs run (bench-smoke).
BENCH_HOST_TARGETS ?= bench-host bench-host-bpf
.PHONY: bench
bench: all $(BUILD)/user/linux_init $(BUILD)/host/insnprof.so
	$(Q)$(PYTHON) scripts/bench.py $(BENCH_HOST_TARGETS)

# Where one sample's guest instructions go, per function (a QEMU TCG plugin;
# scripts/insnprof.py). make bench prints it too.
$(BUILD)/host/insnprof.so: scripts/insnprof.c
	$(Q)mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -shared -fPIC -O2 -Wall -Wextra -o $@ $<
.PHONY: bench-profile
bench-profile: all $(BUILD)/host/insnprof.so
	$(Q)$(PYTHON) scripts/insnprof.py

# --- setup -------------------------------------------------------------------
DEB_PACKAGES := gcc gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu make nasm \
                grub-pc-bin grub-common xorriso mtools qemu-system-x86 gdb \
                musl-tools python3 spin linux-libc-dev busybox-static cpio \
                linux-perf npm chromium fonts-dejavu-core tesseract-ocr tesseract-ocr-eng \
                clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev

# npm: Debian's, unless an npm is already there (Node.js from NodeSource
# bundles its own, which conflicts with Debian's package).
deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	pkgs="$(DEB_PACKAGES)"; \
	if command -v npm >/dev/null; then pkgs="$(filter-out npm,$(DEB_PACKAGES))"; fi; \
	$$SUDO apt-get update -q && \
	$$SUDO apt-get install -y -q --no-install-recommends $$pkgs && \
	scripts/get_linux.sh $(LINUX_CACHE)
	@# d3-flame-graph for make flamegraph, exactly as package-lock.json pins
	@# it (integrity-checked); from npm's cache when it is there.
	$(Q)mkdir -p $(FLAMEGRAPH_CACHE) && \
	cp scripts/flamegraph/package.json scripts/flamegraph/package-lock.json $(FLAMEGRAPH_CACHE)/ && \
	cd $(FLAMEGRAPH_CACHE) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error || \
	{ echo "make deps: npm could not install d3-flame-graph (pinned in scripts/flamegraph/package-lock.json; offline?): make flamegraph and the flame-graph test need it" >&2; exit 1; }

check-tools:
	@for t in $(CC) $(NASM) grub-mkrescue grub-file xorriso qemu-system-x86_64 \
		$(MUSLCC) spin gdb $(PYTHON); do \
		command -v $$t >/dev/null || { echo "missing: $$t (run 'make deps')"; exit 1; }; \
	done; echo "all tools present"

clean:
	rm -rf $(BUILD)

help:
	@sed -n '/^## /,$$p' README.md | sed -n '/^## Make targets/,/^## [^M]/p' | head -60

-include $(KERNEL_OBJS:.o=.d)
