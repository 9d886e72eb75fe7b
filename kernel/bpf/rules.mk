# kernel/bpf: bpf(2), maps, the built-in handlers, and the BPF ring buffer
# core (ringbuf.c: plain C that the host tests below compile too).
KERNEL_C += kernel/bpf/ringbuf.c kernel/bpf/handlers.c kernel/bpf/map.c kernel/bpf/prog.c \
            kernel/bpf/syscall.c kernel/bpf/bench.c kernel/bpf/tests/ringbuf_ktest.c \
            kernel/bpf/core_env.c kernel/bpf/interp.c kernel/bpf/verifier.c kernel/bpf/vinsn.c \
            kernel/bpf/vprune.c kernel/bpf/vcfg.c kernel/bpf/vhelper.c kernel/bpf/vlog.c \
            kernel/bpf/vmem.c kernel/bpf/vbounds.c kernel/bpf/vscalar.c kernel/bpf/btf.c \
            kernel/bpf/helpers.c kernel/bpf/vmload.c kernel/bpf/link.c kernel/bpf/btf_obj.c \
            kernel/bpf/arraymap.c kernel/bpf/hashmap.c

BPF_RB_SRCS := kernel/bpf/ringbuf.c kernel/bpf/handlers.c
BPF_CFLAGS := -Ikernel/include/uapi -D_GNU_SOURCE

HOST_TESTS += test_bpf_core
test_bpf_core_SRCS := kernel/bpf/tests/test_bpf_core.c $(BPF_RB_SRCS)
test_bpf_core_CFLAGS := $(BPF_CFLAGS)
test_bpf_core_VARIANTS := asan

HOST_TESTS += test_bpf_user
test_bpf_user_SRCS := kernel/bpf/tests/test_bpf_user.c $(BPF_RB_SRCS)
test_bpf_user_CFLAGS := $(BPF_CFLAGS)
test_bpf_user_VARIANTS := asan

# Step-by-step publication order: needs the test hooks.
HOST_TESTS += test_bpf_order
test_bpf_order_SRCS := kernel/bpf/tests/test_bpf_order.c $(BPF_RB_SRCS)
test_bpf_order_CFLAGS := $(BPF_CFLAGS) -DBPF_RB_TEST_HOOKS
test_bpf_order_VARIANTS := tsan

HOST_TESTS += test_bpf_stress
test_bpf_stress_SRCS := kernel/bpf/tests/test_bpf_stress.c $(BPF_RB_SRCS)
test_bpf_stress_CFLAGS := $(BPF_CFLAGS)
test_bpf_stress_VARIANTS := asan tsan

# uapi bpf.h against the system's: no -Ikernel/include/uapi, each side
# includes its own header explicitly (as test_rb_uapi).
HOST_TESTS += test_bpf_uapi
test_bpf_uapi_SRCS := kernel/bpf/tests/test_bpf_uapi.c kernel/bpf/tests/bpf_uapi_ours.c \
                      kernel/bpf/tests/bpf_uapi_sys.c

# Benchmark (not a test): never in a plan.
HOST_TOOLS += bench_bpf
bench_bpf_SRCS = kernel/bpf/tests/bench_bpf.c $(BPF_RB_SRCS) $(libbpf_SRCS) \
                  kernel/events/ring_buffer.c
bench_bpf_CFLAGS = $(BPF_CFLAGS) $(LIBBPF_INC)

.PHONY: bench-host-bpf
bench-host-bpf: $(BUILD)/host/bench_bpf
	$(Q)$(BUILD)/host/bench_bpf

HOST_HDRS += $(wildcard kernel/bpf/*.h kernel/events/*.h)
TEST_PLANS += kernel/bpf/tests/bpf.plan kernel/bpf/tests/bpf_ktest.plan

# The BPF virtual machine (interpreter, verifier) on the host: every
# opcode against results computed here, with sanitizers.
BPF_VM_SRCS := kernel/bpf/interp.c
HOST_TESTS += test_bpf_interp
test_bpf_interp_SRCS := kernel/bpf/tests/test_bpf_interp.c $(BPF_VM_SRCS)
test_bpf_interp_CFLAGS := $(BPF_CFLAGS)
test_bpf_interp_VARIANTS := asan

BPF_VERIFIER_SRCS := kernel/bpf/verifier.c kernel/bpf/vinsn.c kernel/bpf/vprune.c \
                     kernel/bpf/vcfg.c kernel/bpf/vhelper.c kernel/bpf/vlog.c kernel/bpf/vmem.c \
                     kernel/bpf/vbounds.c kernel/bpf/vscalar.c kernel/bpf/btf.c lib/fmt.c
HOST_TESTS += test_bpf_verifier
test_bpf_verifier_SRCS := kernel/bpf/tests/test_bpf_verifier.c kernel/bpf/tests/bpf_vhost.c \
                          $(BPF_VM_SRCS) $(BPF_VERIFIER_SRCS)
test_bpf_verifier_CFLAGS := $(BPF_CFLAGS)
test_bpf_verifier_VARIANTS := asan

# Random programs: the verifier rejects them or they run safely under an
# interpreter that checks every access (BPF_VM_CHECKED).
HOST_TESTS += test_bpf_fuzz
test_bpf_fuzz_SRCS := kernel/bpf/tests/test_bpf_fuzz.c kernel/bpf/tests/bpf_vhost.c \
                      $(BPF_VM_SRCS) $(BPF_VERIFIER_SRCS)
test_bpf_fuzz_CFLAGS := $(BPF_CFLAGS) -DBPF_VM_CHECKED
