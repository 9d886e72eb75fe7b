/* The implemented system calls (X-macro list): adding a line here and a
 * SYSCALL_DEFINE(name) somewhere is all a new system call needs. */
X(read) X(write) X(close) X(fstat) X(poll) X(lseek) X(mmap) X(mprotect)
X(munmap) X(brk) X(rt_sigaction) X(rt_sigprocmask) X(rt_sigreturn) X(ioctl)
X(readv) X(writev) X(sched_yield) X(mremap) X(madvise) X(dup) X(dup2)
X(nanosleep) X(getpid) X(clone) X(exit) X(kill) X(uname) X(fcntl)
X(gettimeofday) X(getrusage) X(getuid) X(getgid) X(geteuid) X(getegid)
X(getppid) X(getpgrp) X(getpgid) X(getsid) X(sigaltstack) X(prctl)
X(arch_prctl) X(gettid) X(time) X(futex) X(sched_setaffinity)
X(sched_getaffinity) X(set_tid_address) X(clock_gettime) X(clock_getres)
X(clock_nanosleep) X(exit_group) X(tgkill) X(ppoll) X(set_robust_list)
X(get_robust_list) X(dup3) X(getcpu) X(getrandom) X(perf_event_open)
X(open) X(openat) X(epoll_create) X(epoll_create1) X(epoll_ctl)
X(epoll_wait) X(epoll_pwait) X(bpf) X(unlink) X(unlinkat) X(rmdir)
