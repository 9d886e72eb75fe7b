# user/rtperf: rtperf, a small perf(1) (record, stat, report) whose
# perf.data Linux's perf reads, built with its perf.data library
# (user/lib/perf_data*.c); rtsend; their tests (rtperf.plan). See rtperf.h.
RTPERF_SRCS := user/rtperf/events.c user/rtperf/record.c user/rtperf/synth.c \
               user/rtperf/tracing.c user/rtperf/symbols.c user/rtperf/session.c \
               user/rtperf/report.c user/rtperf/stat.c \
               user/lib/perf_data.c user/lib/perf_data_read.c lib/perf_reader.c
RTPERF_CFLAGS := -D_GNU_SOURCE -Iuser/rtperf -Iuser/lib -Ikernel/include/uapi -Ilib/include
RTPERF_DEPS := user/rtperf/rtperf.h user/lib/perf_data.h lib/include/lib/perf_reader.h \
               kernel/include/uapi/linux/perf_event.h

USER_GROUPS += rtperf
rtperf_DIR := user/rtperf
rtperf_PROGS := rtperf
rtperf_CFLAGS := $(RTPERF_CFLAGS)
rtperf_COMMON := $(RTPERF_SRCS)
rtperf_DEPS := $(RTPERF_DEPS)
# rtsend: copies a file out through /dev/ttyS1 (make record), a busybox script.
IMAGE_PROGS += user/rtperf/rtsend
TEST_PLANS += user/rtperf/rtperf.plan

# test_rtperf: rtperf in the guest (rtperf.plan), checked against the raw
# records with the perf.data reader.
USER_GROUPS += rtperftest
rtperftest_DIR := user/rtperf
rtperftest_PROGS := test_rtperf
rtperftest_CFLAGS := $(RTPERF_CFLAGS)
rtperftest_COMMON := user/lib/perf_data_read.c
rtperftest_DEPS := $(RTPERF_DEPS) user/lib/ktap.h
