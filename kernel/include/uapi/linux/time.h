/* Clock ids and flags of the Linux user ABI, as Linux's <linux/time.h>
 * (kernel/include/uapi/tests/test_uapi_misc.c checks them against the
 * system's). Only the constants: the kernel has its own structs, and C
 * libraries define timespec themselves. Guard as Linux's. */
#ifndef _LINUX_TIME_H
#define _LINUX_TIME_H

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define CLOCK_REALTIME_ALARM     8
#define CLOCK_BOOTTIME_ALARM     9
#define CLOCK_TAI                11

#define TIMER_ABSTIME 0x01

#endif /* _LINUX_TIME_H */
