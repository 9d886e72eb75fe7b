# arch/x86_64: everything that knows it runs on an x86_64 PC.
KERNEL_ASM += arch/x86_64/boot.asm
KERNEL_C +=
