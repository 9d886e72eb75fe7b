# kernel/: generic kernel code (calls arch_* below it).
KERNEL_C +=
