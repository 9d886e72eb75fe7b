# user/smp: the SMP test programs (issue D); run with smp >= 2.
SMP_TEST_NAMES := test_smp_nmi test_smp_percpu test_smp_mm test_smp_time
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
