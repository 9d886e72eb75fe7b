# kernel/fs: the VFS (inodes, lookup, mounts), tmpfs and the initramfs,
# pseudo file systems (proc, sysfs, tracefs), open files and descriptors,
# pipes, devices, poll and epoll, and the file syscalls.
KERNEL_C += kernel/fs/vfs.c kernel/fs/lookup.c kernel/fs/mount.c kernel/fs/ramfs.c \
            kernel/fs/ramfs_file.c kernel/fs/initramfs.c \
            kernel/fs/file.c kernel/fs/async.c kernel/fs/open.c kernel/fs/namei.c kernel/fs/stat.c \
            kernel/fs/sys_io.c kernel/fs/pipe.c kernel/fs/dev.c kernel/fs/poll.c \
            kernel/fs/epoll.c kernel/fs/pseudofs.c kernel/fs/procfs.c kernel/fs/proc_pid.c \
            kernel/fs/sysfs.c kernel/fs/tracefs.c
