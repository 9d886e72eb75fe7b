# kernel/tty: the serial console terminal (line discipline, termios and its ioctls, sessions).
KERNEL_C += kernel/tty/tty.c kernel/tty/tty_ioctl.c
