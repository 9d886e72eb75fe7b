/* Ringtail's built-in BPF handlers: C programs in the kernel, a fast path
 * kept beside BPF bytecode (which BPF_PROG_LOAD verifies and interprets).
 *
 * Load one with bpf(BPF_PROG_LOAD): prog_type BPF_PROG_TYPE_TRACEPOINT,
 * prog_name = the handler's name, insn_cnt 0, fd_array = the maps it uses
 * in the order given below, fd_array_cnt = their number. Attach the
 * program fd as on Linux: perf_event_open(PERF_TYPE_TRACEPOINT, config =
 * a tracepoint id of <ringtail/tracepoints.h>), then
 * ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, prog_fd). The handler then runs
 * at every hit of that tracepoint, in the context of the task that hit it.
 * Records are what the handler writes into its kernel ring. */
#ifndef _UAPI_RINGTAIL_BPF_HANDLERS_H
#define _UAPI_RINGTAIL_BPF_HANDLERS_H

#include <linux/types.h>

/* "rt_unlink_log": fd_array[0] a BPF_MAP_TYPE_RINGBUF. Attach to
 * RT_TP_SYS_ENTER_UNLINKAT (or the unlink one). Per hit: one record of
 * the caller and the path it asked for (truncated, NUL-terminated). The
 * wakeup is adaptive on BPF_RB_AVAIL_DATA: forced once a quarter of the
 * ring is waiting, left to the consumer's position otherwise. */
#define RT_HANDLER_UNLINK_LOG "rt_unlink_log"
struct rt_unlink_event {
	__s32 pid;
	char comm[16];
	char filename[256];
};

/* "rt_kill_drain": fd_array[0] a BPF_MAP_TYPE_USER_RINGBUF (samples in),
 * fd_array[1] a BPF_MAP_TYPE_RINGBUF (records out). Attach to
 * RT_TP_SYS_EXIT_KILL. Per hit: drains the user ring and, per sample,
 * writes one record of the caller; cookie is the sample's first 8 bytes
 * (0 if shorter), so a program can match what it sent. */
#define RT_HANDLER_KILL_DRAIN "rt_kill_drain"
struct rt_kill_event {
	__s32 pid;
	char comm[16];
	__u64 cookie;
};

/* "rt_unlink_perf": fd_array[0] a BPF_MAP_TYPE_PERF_EVENT_ARRAY (key = CPU,
 * value = a PERF_COUNT_SW_BPF_OUTPUT event of that CPU, as libbpf's
 * perf_buffer__new fills it). Attach as rt_unlink_log. Per hit: the same
 * struct rt_unlink_event, as the PERF_SAMPLE_RAW of a sample written to
 * the event of the CPU the hit ran on (bpf_perf_event_output with
 * BPF_F_CURRENT_CPU); a full perf buffer counts it in PERF_RECORD_LOST. */
#define RT_HANDLER_UNLINK_PERF "rt_unlink_perf"

/* Benchmark producers, Linux bench_ringbufs' BPF side. Attach to
 * RT_TP_SYS_ENTER_GETPGID; call syscall(SYS_getpgid, batch, wakeup) to
 * make batch records (1..RT_BENCH_MAX_BATCH). "rt_bench_rb": fd_array[0]
 * a BPF_MAP_TYPE_RINGBUF; wakeup 0 submits with default flags, nonzero
 * samples wakeups (FORCE_WAKEUP once that many bytes wait, NO_WAKEUP
 * before). "rt_bench_pb": fd_array[0] a perf event array as
 * rt_unlink_perf's; the record goes out as PERF_SAMPLE_RAW. */
#define RT_HANDLER_BENCH_RB "rt_bench_rb"
#define RT_HANDLER_BENCH_PB "rt_bench_pb"
#define RT_BENCH_MAX_BATCH 1000
struct rt_bench_event {
	__s32 pid;
	__s32 seq;
	__s64 value;
	char comm[16];
};

#endif
