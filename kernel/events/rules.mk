# kernel/events/: the perf ring buffer core, its reader, and their host tests.
KERNEL_C += kernel/events/ring_buffer.c lib/perf_reader.c

RB_SRCS := kernel/events/ring_buffer.c lib/perf_reader.c
RB_CFLAGS := -Ikernel/include/uapi
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS := -fsanitize=thread

# uapi layout against the system's linux/perf_event.h. No -Ikernel/include/uapi
# here: each side includes its own header explicitly.
HOST_TESTS += test_rb_uapi
test_rb_uapi_SRCS := tests/host/test_rb_uapi.c tests/host/rb_uapi_ours.c tests/host/rb_uapi_sys.c
test_rb_uapi_CFLAGS := -Wno-type-limits

HOST_TESTS += test_rb_core test_rb_core_asan
test_rb_core_SRCS := tests/host/test_rb_core.c $(RB_SRCS)
test_rb_core_CFLAGS := $(RB_CFLAGS)
test_rb_core_asan_SRCS := $(test_rb_core_SRCS)
test_rb_core_asan_CFLAGS := $(RB_CFLAGS) $(SAN_FLAGS)
test_rb_core_asan_LDFLAGS := $(SAN_FLAGS)

# Deterministic nesting needs the host's test hooks compiled in.
HOST_TESTS += test_rb_nest test_rb_nest_asan
test_rb_nest_SRCS := tests/host/test_rb_nest.c $(RB_SRCS)
test_rb_nest_CFLAGS := $(RB_CFLAGS) -DRB_TEST_HOOKS
test_rb_nest_asan_SRCS := $(test_rb_nest_SRCS)
test_rb_nest_asan_CFLAGS := $(test_rb_nest_CFLAGS) $(SAN_FLAGS)
test_rb_nest_asan_LDFLAGS := $(SAN_FLAGS)

HOST_TESTS += test_rb_stress test_rb_stress_asan test_rb_stress_tsan
test_rb_stress_SRCS := tests/host/test_rb_stress.c $(RB_SRCS)
test_rb_stress_CFLAGS := $(RB_CFLAGS)
test_rb_stress_asan_SRCS := $(test_rb_stress_SRCS)
test_rb_stress_asan_CFLAGS := $(RB_CFLAGS) $(SAN_FLAGS)
test_rb_stress_asan_LDFLAGS := $(SAN_FLAGS)
test_rb_stress_tsan_SRCS := $(test_rb_stress_SRCS)
test_rb_stress_tsan_CFLAGS := $(RB_CFLAGS) $(TSAN_FLAGS)
test_rb_stress_tsan_LDFLAGS := $(TSAN_FLAGS)

# Benchmark (not a test): same build rule as a host test, never in a plan.
bench_rb_SRCS := tests/host/bench_rb.c $(RB_SRCS)
bench_rb_CFLAGS := $(RB_CFLAGS)
$(eval $(call host_test_rule,bench_rb))

.PHONY: bench-host
bench-host: $(BUILD)/host/bench_rb
	$(Q)$(BUILD)/host/bench_rb

# perf events proper (kernel only).
KERNEL_C += kernel/events/core.c kernel/events/buffer.c kernel/events/output.c \
            kernel/events/sources.c kernel/events/bpf_attach.c kernel/events/inherit.c kernel/events/context.c \
            kernel/events/bench.c kernel/events/bench_pipeline.c
