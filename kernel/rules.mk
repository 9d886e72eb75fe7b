# kernel/: generic kernel code (calls arch_* below it).
KERNEL_C += kernel/main.c kernel/init.c kernel/percpu.c kernel/printk.c \
            kernel/panic.c kernel/cmdline.c kernel/ksyms.c kernel/pmm.c \
            kernel/vmap.c kernel/heap.c kernel/irq_work.c kernel/time.c \
            kernel/ktest.c kernel/sched.c kernel/usermem_stub.c
KERNEL_C += kernel/tests/mm_test.c kernel/tests/core_test.c
