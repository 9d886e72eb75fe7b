# user/tests: static x86_64 Linux test programs, unmodified Linux binaries
# that Ringtail runs from /bin in its image (run=prog1,prog2:sig=11). Every one is
# also an ordinary Linux program: compare_host.py runs it on the host and
# compares the output. Add a program: NAME.c here, NAME below, a line in
# user.plan.
USER_GROUPS += utests
utests_DIR := user/tests
utests_PROGS := test_startup test_syscalls test_sysbasic test_libc test_mm \
                test_signals test_threads test_exit_group \
                fault_write_ro fault_kernel_addr fault_bad_insn fuzz_syscalls \
                usertests test_lifecycle test_badinput
utests_CFLAGS := -Iuser/lib
TEST_PLANS += user/tests/user.plan
