# user/perf: user-space side of perf_event_open (issue C2). Ordinary static
# Linux programs (musl-gcc -static) that run unchanged on a Linux host (the
# reference) and on Ringtail; tests/plans/perf.plan boots them.
# Each program is NAME.c + perf_util.c + lib/perf_reader.c (the project's
# ring reader, the same code the host tests check).
PERF_PROG_NAMES := test_perf_open test_perf_count test_perf_sample test_perf_tp \
                   test_perf_ring test_perf_mmap test_perf_poll test_perf_nmi \
                   perf_exit_mapped fuzz_perf perf_demo bench_syscall

PERF_CFLAGS := -static -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Iuser/lib -Iuser/perf \
               -Ikernel/include/uapi -Ilib/include -Iarch/x86_64/include
PERF_COMMON := user/perf/perf_util.c lib/perf_reader.c
PERF_HDRS := user/perf/perf_util.h $(wildcard user/lib/*.h) lib/include/lib/perf_reader.h \
             kernel/include/uapi/linux/perf_event.h kernel/include/uapi/ringtail/tracepoints.h
PERF_BINS := $(addprefix $(BUILD)/user/,$(PERF_PROG_NAMES))

USER_PROGS += $(PERF_BINS)
ISO_MODULES += $(PERF_BINS)

$(PERF_BINS): $(BUILD)/user/%: user/perf/%.c $(PERF_COMMON) $(PERF_HDRS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSLCC) $(PERF_CFLAGS) $< $(PERF_COMMON) -o $@ -lpthread
