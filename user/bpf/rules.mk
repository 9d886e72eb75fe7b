# user/bpf: bpf(2) test programs, the two demos and the ring buffer
# benchmark, static musl programs linked with user/libbpf; bpf.plan boots
# the tests. The tests also build natively for the host's Linux (the
# reference): make bpf-linux-progs && build/host/linux/test_bpf_maps
# (needs root and bpf(2); cases about Ringtail's handlers say SKIP there).
BPF_USER_INC := -Iuser/lib -Iuser/bpf $(LIBBPF_INC)
BPF_USER_DEPS := user/bpf/bpf_test.h $(LIBBPF_HDRS) kernel/include/uapi/linux/bpf.h \
                 kernel/include/uapi/ringtail/bpf_handlers.h \
                 kernel/include/uapi/ringtail/tracepoints.h

USER_GROUPS += bpftests
bpftests_DIR := user/bpf
bpftests_PROGS := test_bpf_maps test_bpf_mmap test_bpf_flows test_bpf_vm bench_ringbuf
bpftests_CFLAGS := -Wno-unused-parameter -Wno-sign-compare -D_GNU_SOURCE $(BPF_USER_INC)
bpftests_COMMON := user/lib/perf_test.c
bpftests_LIBS := $(LIBBPF_A)
bpftests_DEPS := $(BPF_USER_DEPS) $(PERF_TEST_DEPS)
bpftests_LINUX := 1
bpftests_LINUX_SRCS = $(libbpf_SRCS)

# Demos of the two flows: make run PROG=build/user/bpf_unlink_demo.
USER_GROUPS += bpfdemos
bpfdemos_DIR := user/bpf
bpfdemos_PROGS := bpf_unlink_demo bpf_kill_demo
bpfdemos_CFLAGS := -Wno-unused-parameter -D_GNU_SOURCE $(BPF_USER_INC)
bpfdemos_LIBS := $(LIBBPF_A)
bpfdemos_DEPS := user/bpf/bpf_demo.h $(LIBBPF_HDRS)

.PHONY: bpf-linux-progs
bpf-linux-progs: $(addprefix $(BUILD)/host/linux/,$(bpftests_PROGS))

TEST_PLANS += user/bpf/bpf.plan

# The rings of the gdb walk-through (README) and of its test
# (scripts/tests/test_gdb_rings.py): make debug PROG=ring_tour.
USER_GROUPS += ringtour
ringtour_DIR := user/bpf
ringtour_PROGS := ring_tour
ringtour_CFLAGS := -Wno-unused-parameter -D_GNU_SOURCE $(BPF_USER_INC)
ringtour_COMMON := user/lib/perf_test.c
ringtour_LIBS := $(LIBBPF_A)
ringtour_DEPS := user/bpf/bpf_demo.h $(LIBBPF_HDRS) $(PERF_TEST_DEPS)

# The seed flows as real BPF (user/bpf/prog/*.bpf.c): clang -target bpf,
# skeletons from bpftool, a static glibc program linked with Debian's
# libbpf.a, libelf.a and libz.a (packages clang llvm bpftool libbpf-dev
# libelf-dev zlib1g-dev). It runs on Ringtail and on Linux unchanged.
BPF_CLANG_FLAGS := -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu \
                   -Iuser/bpf/prog -Wall
SEED_BPF := unlink kill

$(BUILD)/bpfobj/%.bpf.o: user/bpf/prog/%.bpf.c user/bpf/prog/seed.h
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	$(Q)clang $(BPF_CLANG_FLAGS) -c $< -o $@

$(BUILD)/bpfobj/%.skel.h: $(BUILD)/bpfobj/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)bpftool gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/user/seed_flows: user/bpf/seed_flows.c user/bpf/prog/seed.h user/lib/ktap.h \
                          $(addprefix $(BUILD)/bpfobj/,$(addsuffix .skel.h,$(SEED_BPF)))
	@mkdir -p $(dir $@)
	@echo "  GCC     $@ (static, Debian libbpf)"
	$(Q)gcc -static -O2 -g -Wall -Wextra -Wno-missing-field-initializers -I$(BUILD)/bpfobj \
		-Iuser/bpf/prog -Iuser/lib $< -o $@ -lbpf -lelf -lz

USER_PROGS += $(BUILD)/user/seed_flows
IMAGE_PROGS += $(BUILD)/user/seed_flows
.SECONDARY: $(addprefix $(BUILD)/bpfobj/,$(addsuffix .bpf.o,$(SEED_BPF)))
