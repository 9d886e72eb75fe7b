# kernel/include/uapi: the Linux user ABI headers Ringtail shares with user
# programs. perf_event.h and bpf.h are checked in kernel/events/tests and
# kernel/bpf/tests; mman, time and eventpoll here, against the system's
# headers. No -Ikernel/include/uapi: each side includes its own explicitly.
HOST_TESTS += test_uapi_misc
test_uapi_misc_SRCS := kernel/include/uapi/tests/test_uapi_misc.c \
                       kernel/include/uapi/tests/uapi_misc_ours.c \
                       kernel/include/uapi/tests/uapi_misc_sys.c
TEST_PLANS += kernel/include/uapi/tests/uapi.plan
