# user/perf: the user side of perf_event_open. Ordinary static Linux
# programs that run unchanged on a Linux host (the reference) and on
# Ringtail; perf.plan boots them. Each is NAME.c + the shared perf test
# helpers (user/lib/perf_test.c and lib/perf_reader.c, the project's ring
# reader, the same code the host tests check).
PERF_TEST_SRCS := user/lib/perf_test.c lib/perf_reader.c
PERF_TEST_CFLAGS := -D_GNU_SOURCE -Iuser/lib -Ikernel/include/uapi -Ilib/include
PERF_TEST_DEPS := user/lib/perf_test.h lib/include/lib/perf_reader.h \
                  kernel/include/uapi/linux/perf_event.h kernel/include/uapi/ringtail/tracepoints.h

USER_GROUPS += perf
perf_DIR := user/perf
perf_PROGS := test_perf_open test_perf_count test_perf_sample test_perf_tp \
              test_perf_ring test_perf_mmap test_perf_poll test_perf_nmi \
              perf_exit_mapped fuzz_perf perf_demo bench_syscall bench_events test_perf_sysctl \
              test_perf_sideband test_perf_refresh test_perf_group test_perf_regs \
              test_perf_filter
perf_CFLAGS := $(PERF_TEST_CFLAGS)
perf_COMMON := $(PERF_TEST_SRCS)
perf_DEPS := $(PERF_TEST_DEPS)
TEST_PLANS += user/perf/perf.plan
