# user/smp: the SMP test programs (issue D); run with smp >= 2.
SMP_TEST_NAMES := test_smp_nmi test_smp_percpu test_smp_mm test_smp_mmap test_smp_time
SMP_TEST_BINS := $(addprefix $(BUILD)/user/,$(SMP_TEST_NAMES))
SMP_CFLAGS := -static -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter \
              -D_GNU_SOURCE -Iuser/lib -Iuser/smp \
              -Ikernel/include/uapi -Ilib/include -Iarch/x86_64/include -pthread

USER_PROGS += $(SMP_TEST_BINS)
ISO_MODULES += $(SMP_TEST_BINS)

$(SMP_TEST_BINS): $(BUILD)/user/%: user/smp/%.c user/smp/smp_util.h lib/perf_reader.c
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSLCC) $(SMP_CFLAGS) $< lib/perf_reader.c -o $@

# attr.inherit across threads: uses the perf programs' helpers (user/perf).
INHERIT_TEST := $(BUILD)/user/test_perf_inherit
USER_PROGS += $(INHERIT_TEST)
ISO_MODULES += $(INHERIT_TEST)

$(INHERIT_TEST): user/smp/test_perf_inherit.c user/perf/perf_util.c user/perf/perf_util.h \
		 lib/perf_reader.c $(wildcard user/lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSLCC) $(filter-out -D_GNU_SOURCE,$(SMP_CFLAGS)) -Iuser/perf $< user/perf/perf_util.c lib/perf_reader.c -o $@
