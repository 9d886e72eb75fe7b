# kernel/tty: the serial console as a file.
KERNEL_C += kernel/tty/console.c
