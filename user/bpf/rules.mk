# user/bpf: bpf(2) test programs and the ring buffer benchmark, static musl
# programs linked with user/libbpf (built by kernel/bpf/rules.mk), booted
# by tests/plans/bpf_kernel.plan and (bench_ringbuf) by make bench.
# The tests also build natively against the host's Linux (the reference):
#   make bpf-linux-progs && build/host/linux/test_bpf_maps
# (needs root and bpf(2); cases about Ringtail's handlers say SKIP there).
BPF_TEST_NAMES := test_bpf_maps test_bpf_mmap test_bpf_flows bench_ringbuf
BPF_TEST_BINS := $(addprefix $(BUILD)/user/,$(BPF_TEST_NAMES))
BPF_TEST_INC := -Iuser/lib -Iuser/bpf -Iuser/libbpf/include -Iuser/libbpf \
                -Ikernel/include/uapi -Ilib/include
BPF_TEST_HDRS := user/bpf/bpf_test.h $(wildcard user/lib/*.h) $(LIBBPF_HDRS) \
                 kernel/include/uapi/linux/bpf.h kernel/include/uapi/ringtail/bpf_handlers.h \
                 kernel/include/uapi/ringtail/tracepoints.h
BPF_TEST_CFLAGS := -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter \
                   -Wno-sign-compare -D_GNU_SOURCE $(BPF_TEST_INC)

USER_PROGS += $(BPF_TEST_BINS)
# The demos are built by kernel/bpf/rules.mk; here they go on the ISO too.
ISO_MODULES += $(BPF_TEST_BINS) $(BPF_DEMOS)

$(BPF_TEST_BINS): $(BUILD)/user/%: user/bpf/%.c $(BPF_TEST_HDRS) $(LIBBPF_A)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSLCC) -static $(BPF_TEST_CFLAGS) -Iarch/x86_64/include $< $(LIBBPF_A) -o $@ -lpthread

# The same programs on the host's Linux, with the library's sources.
BPF_LINUX_BINS := $(addprefix $(BUILD)/host/linux/,$(BPF_TEST_NAMES))
.PHONY: bpf-linux-progs
bpf-linux-progs: $(BPF_LINUX_BINS)

$(BPF_LINUX_BINS): $(BUILD)/host/linux/%: user/bpf/%.c $(BPF_TEST_HDRS) $(LIBBPF_SRCS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(BPF_TEST_CFLAGS) -Iarch/host/include $< $(LIBBPF_SRCS) -o $@ -pthread
