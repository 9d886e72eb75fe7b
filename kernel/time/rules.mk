# kernel/time: clocks, the tick, kernel timers, the time syscalls.
KERNEL_C += kernel/time/time.c kernel/time/ktimer.c kernel/time/sys_time.c kernel/time/itimer.c
