/* Ringtail tracepoints for PERF_TYPE_TRACEPOINT (attr.config).
 *
 * Linux numbers tracepoints at runtime and publishes the ids in tracefs
 * (/sys/kernel/tracing/events/<group>/<name>/id). Ringtail has no tracefs:
 * the ids are fixed here. Programs that must also run on Linux look the id
 * up in tracefs there and use these constants on Ringtail.
 *
 * PERF_SAMPLE_RAW payloads follow Linux's layout: an 8-byte common header
 *   u16 common_type (the id), u8 common_flags, u8 common_preempt_count,
 *   s32 common_pid
 * then the event's fields:
 *   raw_syscalls:sys_enter   s64 id; u64 args[6];              (64 bytes)
 *   raw_syscalls:sys_exit    s64 id; s64 ret;                  (24 bytes)
 *   syscalls:sys_enter_NAME  s32 __syscall_nr; u32 pad; u64 args[n];
 *                            (16 + 8n: n the syscall's own arguments)
 *   syscalls:sys_exit_NAME   s32 __syscall_nr; u32 pad; s64 ret;      (24)
 * As in Linux, the raw size field is padded so that size + data ends on an
 * 8-byte boundary: 68 for a 64-byte payload, 28 for a 24-byte one, 20 for
 * sys_enter_getppid's 16.
 */
#ifndef _UAPI_RINGTAIL_TRACEPOINTS_H
#define _UAPI_RINGTAIL_TRACEPOINTS_H

#define RT_TP_RAW_SYSCALLS_SYS_ENTER 1
#define RT_TP_RAW_SYSCALLS_SYS_EXIT  2

/* syscalls:sys_enter_<name> and sys_exit_<name> for every syscall number. */
#define RT_TP_SYS_ENTER_BASE 10000
#define RT_TP_SYS_EXIT_BASE  20000
#define RT_TP_SYS_ENTER(nr) (RT_TP_SYS_ENTER_BASE + (nr))
#define RT_TP_SYS_EXIT(nr)  (RT_TP_SYS_EXIT_BASE + (nr))

/* The ones Linux's own perf tests use, by name. */
#define RT_TP_SYS_ENTER_GETPID  RT_TP_SYS_ENTER(39)
#define RT_TP_SYS_ENTER_KILL    RT_TP_SYS_ENTER(62)
#define RT_TP_SYS_ENTER_GETPPID RT_TP_SYS_ENTER(110)
#define RT_TP_SYS_ENTER_GETPGID RT_TP_SYS_ENTER(121)
#define RT_TP_SYS_ENTER_PRCTL   RT_TP_SYS_ENTER(157)
#define RT_TP_SYS_EXIT_KILL     RT_TP_SYS_EXIT(62)
#define RT_TP_SYS_ENTER_UNLINKAT RT_TP_SYS_ENTER(263)

#define RT_TP_MAX_ID (RT_TP_SYS_EXIT_BASE + 1000)

#endif
