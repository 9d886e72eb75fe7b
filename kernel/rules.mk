# kernel/: the generic core: start-up, printk and panic, the command line,
# symbols, per-CPU state and cross-CPU calls, the syscall table, in-kernel
# tests and benchmarks. Subsystems have folders of their own (mm, sched,
# time, proc, fs, tty, events, bpf).
KERNEL_C += kernel/main.c kernel/init.c kernel/percpu.c kernel/printk.c \
            kernel/panic.c kernel/spinlock.c kernel/cmdline.c kernel/ksyms.c kernel/irq_work.c \
            kernel/ktest.c kernel/syscall.c kernel/kbench.c kernel/smp.c \
            kernel/nmistorm.c
KERNEL_C += kernel/tests/core_test.c kernel/tests/smp_test.c
