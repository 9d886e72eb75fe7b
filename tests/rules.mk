# tests/: host unit tests and the test plans read by tests/harness/run_tests.py.
#
# A host test is a program printing KTAP. Add one with
#   HOST_TESTS += name
#   name_SRCS  := tests/host/name.c ...      (ktest_host.c is added for you)
#   name_CFLAGS / name_LDFLAGS              (optional)
# and a line in a tests/plans/*.plan file that runs build/host/name.
TEST_PLANS += $(sort $(wildcard tests/plans/*.plan))

HOST_TESTS += test_fmt
test_fmt_SRCS := tests/host/test_fmt.c lib/fmt.c
test_fmt_CFLAGS := -Wno-format  # edge cases libc itself warns about

# Coarse but safe: any shared header change rebuilds the host tests.
HOST_HDRS = $(wildcard lib/include/lib/*.h arch/host/include/arch/*.h \
              kernel/include/kernel/*.h kernel/include/uapi/*/*.h \
              kernel/events/*.h tests/host/*.h)

define host_test_rule
$(BUILD)/host/$(1): $$($(1)_SRCS) tests/host/ktest_host.c $$(HOST_HDRS)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) $$($(1)_CFLAGS) $$($(1)_SRCS) \
		tests/host/ktest_host.c -o $$@ $$(HOST_LDFLAGS) $$($(1)_LDFLAGS)
endef
