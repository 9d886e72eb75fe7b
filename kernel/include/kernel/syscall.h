/* System calls: Linux x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl)
 * for everything Ringtail implements. kernel/syscall.c has the table. */
#pragma once
#include <lib/types.h>

#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_fstat 5
#define SYS_poll 7
#define SYS_lseek 8
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_ioctl 16
#define SYS_readv 19
#define SYS_writev 20
#define SYS_sched_yield 24
#define SYS_mremap 25
#define SYS_madvise 28
#define SYS_dup 32
#define SYS_dup2 33
#define SYS_nanosleep 35
#define SYS_getpid 39
#define SYS_clone 56
#define SYS_fork 57
#define SYS_vfork 58
#define SYS_exit 60
#define SYS_kill 62
#define SYS_uname 63
#define SYS_fcntl 72
#define SYS_gettimeofday 96
#define SYS_getrusage 98
#define SYS_getuid 102
#define SYS_getgid 104
#define SYS_geteuid 107
#define SYS_getegid 108
#define SYS_getppid 110
#define SYS_getpgrp 111
#define SYS_getpgid 121
#define SYS_getsid 124
#define SYS_sigaltstack 131
#define SYS_prctl 157
#define SYS_arch_prctl 158
#define SYS_gettid 186
#define SYS_time 201
#define SYS_futex 202
#define SYS_sched_setaffinity 203
#define SYS_sched_getaffinity 204
#define SYS_set_tid_address 218
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_clock_nanosleep 230
#define SYS_exit_group 231
#define SYS_tgkill 234
#define SYS_ppoll 271
#define SYS_set_robust_list 273
#define SYS_get_robust_list 274
#define SYS_dup3 292
#define SYS_perf_event_open 298
#define SYS_getcpu 309
#define SYS_getrandom 318
#define SYS_bpf 321
#define SYS_epoll_create1 291
#define SYS_epoll_ctl 233
#define SYS_epoll_wait 232
#define SYS_epoll_pwait 281
#define SYS_epoll_create 213
#define SYS_openat 257
#define SYS_unlinkat 263
#define SYS_unlink 87
#define SYS_rmdir 84
#define SYS_getrlimit 97
#define SYS_setrlimit 160
#define SYS_prlimit64 302

#define NR_SYSCALLS 464

typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);
/* How many arguments system call nr takes; -1 if Ringtail has none. */
int syscall_nargs(long nr);

struct trap_frame;
/* Work before returning to user mode: reschedule, signals, kill. */
void exit_to_user(struct trap_frame *f);

/* Syscall tracepoint hooks (kernel/events): called only while enabled. */
extern bool syscall_trace_enabled;
void trace_sys_enter(struct trap_frame *f, long nr);
void trace_sys_exit(struct trap_frame *f, long nr, long ret);

/* Every system call has this shape; arguments arrive as raw registers and
 * each implementation converts (and checks) them. */
#define SYSCALL_DECLARE(name) long sys_##name(u64, u64, u64, u64, u64, u64)
#define SYSCALL_DEFINE(name) \
	SYSCALL_DECLARE(name);  \
	long sys_##name(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
