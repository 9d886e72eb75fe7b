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
