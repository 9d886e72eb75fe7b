# user/smp: the SMP test programs; run with smp >= 2 (tests/plans/smp.plan).
USER_GROUPS += smp
smp_DIR := user/smp
smp_PROGS := test_smp_nmi test_smp_percpu test_smp_mm test_smp_mmap test_smp_time
smp_CFLAGS := -Wno-unused-parameter -D_GNU_SOURCE -Iuser/lib -Iuser/smp \
              -Ikernel/include/uapi -Ilib/include -pthread
smp_COMMON := lib/perf_reader.c
smp_DEPS := user/smp/smp_util.h

# attr.inherit across threads: uses the perf programs' helpers (user/perf).
USER_GROUPS += smpperf
smpperf_DIR := user/smp
smpperf_PROGS := test_perf_inherit
smpperf_CFLAGS := -Wno-unused-parameter -Iuser/lib -Iuser/perf -Iuser/smp \
                  -Ikernel/include/uapi -Ilib/include -pthread
smpperf_COMMON := user/perf/perf_util.c lib/perf_reader.c
smpperf_DEPS := user/perf/perf_util.h
