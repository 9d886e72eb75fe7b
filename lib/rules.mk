# lib/: freestanding code shared by the kernel, user programs and host tests.
KERNEL_C += lib/fmt.c lib/string.c
