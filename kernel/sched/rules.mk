# kernel/sched: threads, the scheduler and wait queues, sleeping mutexes.
KERNEL_C += kernel/sched/sched.c kernel/sched/thread.c kernel/sched/mutex.c
