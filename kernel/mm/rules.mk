# kernel/mm: physical frames, kernel virtual memory and the heap, user
# address spaces (areas, faults, the memory syscalls), user copies.
KERNEL_C += kernel/mm/pmm.c kernel/mm/vmap.c kernel/mm/heap.c kernel/mm/mm.c kernel/mm/fork.c \
            kernel/mm/usermem.c
KERNEL_C += kernel/mm/tests/mm_test.c
