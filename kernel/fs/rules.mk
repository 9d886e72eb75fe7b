# kernel/fs: open files and descriptors, poll and epoll, /proc, the I/O
# syscalls.
KERNEL_C += kernel/fs/file.c kernel/fs/poll.c kernel/fs/epoll.c kernel/fs/procfs.c \
            kernel/fs/sys_io.c
