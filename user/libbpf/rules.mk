# user/libbpf: libbpf's ring buffer, user ring buffer and perf buffer API.
# A static archive for musl programs, and the same sources natively for
# the host tests (over the kernel's ring core, and on the host's Linux).
USER_LIBS += libbpf
libbpf_SRCS := user/libbpf/bpf.c user/libbpf/ringbuf.c user/libbpf/perfbuf.c lib/perf_reader.c
LIBBPF_HDRS := $(wildcard user/libbpf/*.h user/libbpf/include/bpf/*.h)
LIBBPF_INC := -Iuser/libbpf/include -Iuser/libbpf -Ikernel/include/uapi -Ilib/include
libbpf_CFLAGS := -Wno-unused-parameter -Wno-sign-compare -D_GNU_SOURCE \
                 $(LIBBPF_INC)
libbpf_DEPS := $(LIBBPF_HDRS) lib/include/lib/perf_reader.h
LIBBPF_A := $(BUILD)/user/libbpf.a

HOST_TESTS += test_bpf_lib
test_bpf_lib_SRCS := user/libbpf/tests/test_bpf_lib.c $(BPF_RB_SRCS) $(libbpf_SRCS)
test_bpf_lib_CFLAGS := $(BPF_CFLAGS) $(LIBBPF_INC)
test_bpf_lib_VARIANTS := asan

HOST_TESTS += test_bpf_linux
test_bpf_linux_SRCS := user/libbpf/tests/test_bpf_linux.c $(BPF_RB_SRCS) $(libbpf_SRCS)
test_bpf_linux_CFLAGS := $(BPF_CFLAGS) $(LIBBPF_INC)

HOST_HDRS += $(LIBBPF_HDRS)
TEST_PLANS += user/libbpf/tests/libbpf.plan
