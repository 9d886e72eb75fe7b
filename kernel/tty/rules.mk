# kernel/tty: the serial console terminal (line discipline, termios, sessions).
KERNEL_C += kernel/tty/tty.c
