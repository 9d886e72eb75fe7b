# lib/: freestanding code shared by the kernel, user programs and host tests.
KERNEL_C += lib/fmt.c lib/string.c lib/perf_reader.c

HOST_TESTS += test_fmt
test_fmt_SRCS := lib/tests/test_fmt.c lib/fmt.c
test_fmt_CFLAGS := -Wno-format  # edge cases libc itself warns about
TEST_PLANS += lib/tests/lib.plan
