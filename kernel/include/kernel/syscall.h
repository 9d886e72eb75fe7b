/* System calls: Linux x86_64 numbers (syscall_nr.h, generated from Linux's
 * headers). kernel/syscall.c has the table of those Ringtail implements
 * (syscall_names.h). */
#pragma once
#include <lib/types.h>

#include <kernel/syscall_nr.h>

#define NR_SYSCALLS 464

typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);
/* How many arguments system call nr takes; -1 if Ringtail has none. */
int syscall_nargs(long nr);
/* Linux's name for system call nr ("openat"), NULL if none. */
const char *syscall_name(long nr);

struct trap_frame;
/* Work before returning to user mode: reschedule, signals, kill. */
void exit_to_user(struct trap_frame *f);

/* Syscall tracepoint hooks (kernel/events/tracepoint.c): called only while
 * enabled. syscall_tp_users: per syscall, enter then exit, the events on
 * raw_syscalls (low 32 bits) and on the syscall's own syscalls:*
 * tracepoint (high 32), so a syscall nobody traces costs one load. users
 * 0 in a hit: a number outside the table (the hit checks raw_syscalls). */
extern bool syscall_trace_enabled;
extern u64 syscall_tp_users[2][NR_SYSCALLS];
void trace_sys_enter_hit(struct trap_frame *f, long nr, u64 users);
void trace_sys_exit_hit(struct trap_frame *f, long nr, long ret, u64 users);

static inline void trace_sys_enter(struct trap_frame *f, long nr)
{
	u64 users = (u64)nr < NR_SYSCALLS ? __atomic_load_n(&syscall_tp_users[0][nr], __ATOMIC_RELAXED) : 0;
	if (users || (u64)nr >= NR_SYSCALLS)
		trace_sys_enter_hit(f, nr, users);
}

static inline void trace_sys_exit(struct trap_frame *f, long nr, long ret)
{
	u64 users = (u64)nr < NR_SYSCALLS ? __atomic_load_n(&syscall_tp_users[1][nr], __ATOMIC_RELAXED) : 0;
	if (users || (u64)nr >= NR_SYSCALLS)
		trace_sys_exit_hit(f, nr, ret, users);
}

/* Every system call has this shape; arguments arrive as raw registers and
 * each implementation converts (and checks) them. */
#define SYSCALL_DECLARE(name) long sys_##name(u64, u64, u64, u64, u64, u64)
#define SYSCALL_DEFINE(name) \
	SYSCALL_DECLARE(name);  \
	long sys_##name(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
