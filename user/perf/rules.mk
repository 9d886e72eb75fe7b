# user/perf: the user side of perf_event_open. Ordinary static Linux
# programs that run unchanged on a Linux host (the reference) and on
# Ringtail; perf.plan boots them. Each is NAME.c + perf_util.c +
# lib/perf_reader.c (the project's ring reader, the same code the host
# tests check).
USER_GROUPS += perf
perf_DIR := user/perf
perf_PROGS := test_perf_open test_perf_count test_perf_sample test_perf_tp \
              test_perf_ring test_perf_mmap test_perf_poll test_perf_nmi \
              perf_exit_mapped fuzz_perf perf_demo bench_syscall
perf_CFLAGS := -Iuser/lib -Iuser/perf -Ikernel/include/uapi -Ilib/include
perf_COMMON := user/perf/perf_util.c lib/perf_reader.c
perf_DEPS := user/perf/perf_util.h lib/include/lib/perf_reader.h \
             kernel/include/uapi/linux/perf_event.h kernel/include/uapi/ringtail/tracepoints.h
TEST_PLANS += user/perf/perf.plan
