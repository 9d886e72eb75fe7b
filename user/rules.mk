# user/: static x86_64 Linux test programs (musl-gcc -static), unmodified
# Linux binaries that Ringtail runs as GRUB modules (run=prog1,prog2:sig=11).
# Every program here is also an ordinary Linux program: user/tests/
# compare_host.py runs it on the host and compares the output.
#
# Add a program: put user/tests/NAME.c here and NAME in USER_TEST_NAMES,
# then list it in tests/plans/user.plan.
USER_TEST_NAMES := test_startup test_syscalls test_sysbasic test_libc test_mm \
                   test_signals test_threads test_exit_group \
                   fault_write_ro fault_kernel_addr fault_bad_insn \
                   fuzz_syscalls

USER_CFLAGS := -static -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Iuser/lib
USER_HDRS := $(wildcard user/lib/*.h)
USER_BINS := $(addprefix $(BUILD)/user/,$(USER_TEST_NAMES))

USER_PROGS += $(USER_BINS)
ISO_MODULES += $(USER_BINS)

$(USER_BINS): $(BUILD)/user/%: user/tests/%.c $(USER_HDRS)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSLCC) $(USER_CFLAGS) $< -o $@
