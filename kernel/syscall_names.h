/* The implemented system calls (X-macro list): X(name, arguments). Adding
 * one here and a SYSCALL_DEFINE(name) somewhere is all a new system call
 * needs; the argument count shapes its syscalls:sys_enter_<name> record. */
X(read, 3) X(write, 3) X(close, 1) X(fstat, 2) X(poll, 3) X(lseek, 3)
X(mmap, 6) X(mprotect, 3) X(munmap, 2) X(brk, 1) X(rt_sigaction, 4)
X(rt_sigprocmask, 4) X(rt_sigreturn, 0) X(ioctl, 3) X(readv, 3) X(writev, 3)
X(sched_yield, 0) X(mremap, 5) X(madvise, 3) X(dup, 1) X(dup2, 2)
X(nanosleep, 2) X(getpid, 0) X(clone, 5) X(exit, 1) X(kill, 2) X(uname, 1)
X(fcntl, 3) X(gettimeofday, 2) X(getrusage, 2) X(getuid, 0) X(getgid, 0)
X(geteuid, 0) X(getegid, 0) X(getppid, 0) X(getpgrp, 0) X(getpgid, 1)
X(getsid, 1) X(sigaltstack, 2) X(prctl, 5) X(arch_prctl, 2) X(gettid, 0)
X(time, 1) X(futex, 6) X(sched_setaffinity, 3) X(sched_getaffinity, 3)
X(set_tid_address, 1) X(clock_gettime, 2) X(clock_getres, 2)
X(clock_nanosleep, 4) X(exit_group, 1) X(tgkill, 3) X(ppoll, 5)
X(set_robust_list, 2) X(get_robust_list, 3) X(dup3, 3) X(getcpu, 3)
X(getrandom, 3) X(perf_event_open, 5) X(open, 3) X(openat, 4)
X(epoll_create, 1) X(epoll_create1, 1) X(epoll_ctl, 4) X(epoll_wait, 4)
X(epoll_pwait, 6) X(bpf, 3) X(unlink, 1) X(unlinkat, 3) X(rmdir, 1)
X(getrlimit, 2) X(setrlimit, 2) X(prlimit64, 4)
