# kernel/bpf/: the BPF ring buffer core, the libbpf-compatible user library
# (user/libbpf) and their host tests, plan tests/plans/bpf.plan.
KERNEL_C += kernel/bpf/ringbuf.c kernel/bpf/handlers.c kernel/bpf/map.c kernel/bpf/prog.c \
            kernel/bpf/syscall.c kernel/bpf/tests/ringbuf_ktest.c kernel/bpf/bench.c

BPF_RB_SRCS := kernel/bpf/ringbuf.c kernel/bpf/handlers.c
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

# user/libbpf: libbpf's ring buffer, user ring buffer and perf buffer API.
# A static archive for musl programs (built by `make test` through
# USER_PROGS), and the same sources natively for the host tests.
LIBBPF_SRCS := user/libbpf/bpf.c user/libbpf/ringbuf.c user/libbpf/perfbuf.c lib/perf_reader.c
LIBBPF_HDRS := $(wildcard user/libbpf/*.h user/libbpf/include/bpf/*.h)
LIBBPF_INC := -Iuser/libbpf/include -Iuser/libbpf -Ikernel/include/uapi -Ilib/include
LIBBPF_MUSL_OBJS := $(patsubst %.c,$(BUILD)/user/libbpf/%.o,$(LIBBPF_SRCS))
LIBBPF_A := $(BUILD)/user/libbpf.a
USER_PROGS += $(LIBBPF_A)

$(BUILD)/user/libbpf/%.o: %.c $(LIBBPF_HDRS) lib/include/lib/perf_reader.h
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $<"
	$(Q)$(MUSLCC) -static -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter \
		-Wno-sign-compare -D_GNU_SOURCE -Iarch/x86_64/include $(LIBBPF_INC) -c $< -o $@

$(LIBBPF_A): $(LIBBPF_MUSL_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

HOST_TESTS += test_bpf_lib test_bpf_lib_asan
test_bpf_lib_SRCS := tests/host/test_bpf_lib.c $(BPF_RB_SRCS) $(LIBBPF_SRCS)
test_bpf_lib_CFLAGS := $(BPF_CFLAGS) $(LIBBPF_INC)
test_bpf_lib_asan_SRCS := $(test_bpf_lib_SRCS)
test_bpf_lib_asan_CFLAGS := $(test_bpf_lib_CFLAGS) $(BPF_SAN)
test_bpf_lib_asan_LDFLAGS := $(BPF_SAN)
HOST_HDRS += $(LIBBPF_HDRS)

# uapi bpf.h against the system's: no -Ikernel/include/uapi, each side
# includes its own header explicitly (as test_rb_uapi).
HOST_TESTS += test_bpf_uapi
test_bpf_uapi_SRCS := tests/host/test_bpf_uapi.c tests/host/bpf_uapi_ours.c tests/host/bpf_uapi_sys.c

# The library on the host's Linux kernel (skipped if bpf(2) is refused),
# and the core's answers against Linux's.
HOST_TESTS += test_bpf_linux
test_bpf_linux_SRCS := tests/host/test_bpf_linux.c $(BPF_RB_SRCS) $(LIBBPF_SRCS)
test_bpf_linux_CFLAGS := $(BPF_CFLAGS) $(LIBBPF_INC)

# Benchmark (not a test): same build rule as a host test, never in a plan.
bench_bpf_SRCS := tests/host/bench_bpf.c $(BPF_RB_SRCS) $(LIBBPF_SRCS) kernel/events/ring_buffer.c
bench_bpf_CFLAGS := $(BPF_CFLAGS) $(LIBBPF_INC)
$(eval $(call host_test_rule,bench_bpf))

.PHONY: bench-host-bpf
bench-host-bpf: $(BUILD)/host/bench_bpf
	$(Q)$(BUILD)/host/bench_bpf

# Demos of the two flows, for `make run PROG=build/user/bpf_unlink_demo`
# (and bpf_kill_demo) once bpf(2) and the handlers are wired in.
BPF_DEMOS := $(addprefix $(BUILD)/user/,bpf_unlink_demo bpf_kill_demo)
USER_PROGS += $(BPF_DEMOS)

$(BPF_DEMOS): $(BUILD)/user/%: user/bpf/%.c user/bpf/bpf_demo.h $(LIBBPF_A) $(LIBBPF_HDRS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSLCC) -static -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
		-Iarch/x86_64/include $(LIBBPF_INC) \
		$< $(LIBBPF_A) -o $@
