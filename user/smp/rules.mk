# user/smp: the SMP test programs; run with smp >= 2 (tests/plans/smp.plan).
USER_GROUPS += smp
smp_DIR := user/smp
smp_PROGS := test_smp_nmi test_smp_percpu test_smp_mm test_smp_mmap test_smp_time \
             test_perf_inherit test_perf_group_churn
smp_CFLAGS := $(PERF_TEST_CFLAGS) -Wno-unused-parameter -pthread
smp_COMMON := $(PERF_TEST_SRCS)
smp_DEPS := $(PERF_TEST_DEPS)
