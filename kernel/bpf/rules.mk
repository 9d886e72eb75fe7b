# kernel/bpf/: the BPF ring buffer core, the libbpf-compatible user library
# (user/libbpf) and their host tests, plan tests/plans/bpf.plan.
KERNEL_C += kernel/bpf/ringbuf.c

BPF_RB_SRCS := kernel/bpf/ringbuf.c
BPF_CFLAGS := -Ikernel/include/uapi -D_GNU_SOURCE
BPF_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BPF_TSAN := -fsanitize=thread

HOST_TESTS += test_bpf_core test_bpf_core_asan
test_bpf_core_SRCS := tests/host/test_bpf_core.c $(BPF_RB_SRCS)
test_bpf_core_CFLAGS := $(BPF_CFLAGS)
test_bpf_core_asan_SRCS := $(test_bpf_core_SRCS)
test_bpf_core_asan_CFLAGS := $(BPF_CFLAGS) $(BPF_SAN)
test_bpf_core_asan_LDFLAGS := $(BPF_SAN)

HOST_HDRS += $(wildcard kernel/bpf/*.h)

HOST_TESTS += test_bpf_user test_bpf_user_asan
test_bpf_user_SRCS := tests/host/test_bpf_user.c $(BPF_RB_SRCS)
test_bpf_user_CFLAGS := $(BPF_CFLAGS)
test_bpf_user_asan_SRCS := $(test_bpf_user_SRCS)
test_bpf_user_asan_CFLAGS := $(BPF_CFLAGS) $(BPF_SAN)
test_bpf_user_asan_LDFLAGS := $(BPF_SAN)

# Step-by-step publication order: needs the host's test hooks.
HOST_TESTS += test_bpf_order test_bpf_order_tsan
test_bpf_order_SRCS := tests/host/test_bpf_order.c $(BPF_RB_SRCS)
test_bpf_order_CFLAGS := $(BPF_CFLAGS) -DBPF_RB_TEST_HOOKS
test_bpf_order_tsan_SRCS := $(test_bpf_order_SRCS)
test_bpf_order_tsan_CFLAGS := $(test_bpf_order_CFLAGS) $(BPF_TSAN)
test_bpf_order_tsan_LDFLAGS := $(BPF_TSAN)

HOST_TESTS += test_bpf_stress test_bpf_stress_asan test_bpf_stress_tsan
test_bpf_stress_SRCS := tests/host/test_bpf_stress.c $(BPF_RB_SRCS)
test_bpf_stress_CFLAGS := $(BPF_CFLAGS)
test_bpf_stress_asan_SRCS := $(test_bpf_stress_SRCS)
test_bpf_stress_asan_CFLAGS := $(BPF_CFLAGS) $(BPF_SAN)
test_bpf_stress_asan_LDFLAGS := $(BPF_SAN)
test_bpf_stress_tsan_SRCS := $(test_bpf_stress_SRCS)
test_bpf_stress_tsan_CFLAGS := $(BPF_CFLAGS) $(BPF_TSAN)
test_bpf_stress_tsan_LDFLAGS := $(BPF_TSAN)
