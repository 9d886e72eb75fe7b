# kernel/: generic kernel code (calls arch_* below it).
KERNEL_C += kernel/main.c kernel/init.c kernel/percpu.c kernel/printk.c \
            kernel/panic.c kernel/cmdline.c kernel/ksyms.c kernel/pmm.c \
            kernel/vmap.c kernel/heap.c kernel/irq_work.c kernel/time.c \
            kernel/ktimer.c kernel/ktest.c kernel/sched.c kernel/thread.c \
            kernel/usermem.c kernel/mm.c kernel/elf.c kernel/proc.c \
            kernel/file.c kernel/console.c kernel/poll.c kernel/syscall.c \
            kernel/sys_io.c kernel/sys_proc.c kernel/sys_time.c kernel/futex.c \
            kernel/signal.c kernel/procfs.c kernel/epoll.c kernel/kbench.c \
            kernel/smp.c kernel/nmistorm.c kernel/mutex.c
KERNEL_C += kernel/tests/mm_test.c kernel/tests/core_test.c kernel/tests/proc_test.c kernel/tests/smp_test.c
