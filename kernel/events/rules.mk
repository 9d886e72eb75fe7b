# kernel/events: perf events. ring_buffer.c is the ring core (plain C that
# the host tests below compile too); the rest is the kernel's perf_event_open.
KERNEL_C += kernel/events/ring_buffer.c kernel/events/core.c kernel/events/mmap.c \
            kernel/events/output.c kernel/events/sources.c kernel/events/bpf_attach.c \
            kernel/events/inherit.c kernel/events/context.c kernel/events/bench.c \
            kernel/events/bench_pipeline.c kernel/events/sysctl.c kernel/events/sideband.c kernel/events/filter.c \
            kernel/events/group.c kernel/events/tracepoint.c

# Host tests of the ring core and its reader (lib/perf_reader.c).
RB_SRCS := kernel/events/ring_buffer.c lib/perf_reader.c
RB_CFLAGS := -Ikernel/include/uapi

# uapi layout against the system's linux/perf_event.h. No -Ikernel/include/uapi
# here: each side includes its own header explicitly.
HOST_TESTS += test_rb_uapi
test_rb_uapi_SRCS := kernel/events/tests/test_rb_uapi.c kernel/events/tests/rb_uapi_ours.c \
                     kernel/events/tests/rb_uapi_sys.c
test_rb_uapi_CFLAGS := -Wno-type-limits

HOST_TESTS += test_rb_core
test_rb_core_SRCS := kernel/events/tests/test_rb_core.c $(RB_SRCS)
test_rb_core_CFLAGS := $(RB_CFLAGS)
test_rb_core_VARIANTS := asan

# Deterministic nesting needs the test hooks compiled in.
HOST_TESTS += test_rb_nest
test_rb_nest_SRCS := kernel/events/tests/test_rb_nest.c $(RB_SRCS)
test_rb_nest_CFLAGS := $(RB_CFLAGS) -DRB_TEST_HOOKS
test_rb_nest_VARIANTS := asan

HOST_TESTS += test_rb_stress
test_rb_stress_SRCS := kernel/events/tests/test_rb_stress.c $(RB_SRCS)
test_rb_stress_CFLAGS := $(RB_CFLAGS)
test_rb_stress_VARIANTS := asan tsan

# Benchmark (not a test): never in a plan.
HOST_TOOLS += bench_rb
bench_rb_SRCS := kernel/events/tests/bench_rb.c $(RB_SRCS)
bench_rb_CFLAGS := $(RB_CFLAGS)

.PHONY: bench-host
bench-host: $(BUILD)/host/bench_rb
	$(Q)$(BUILD)/host/bench_rb

TEST_PLANS += kernel/events/tests/ringbuf.plan
