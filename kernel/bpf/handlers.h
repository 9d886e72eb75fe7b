/* The bodies of Ringtail's built-in BPF handlers (records and map order in
 * <ringtail/bpf_handlers.h>). The tracepoint glue calls them with the maps
 * from the program's fd_array and what it knows of the current task; they
 * only use the ring buffer core, so they run in any context the core
 * does and are tested on the host (user/libbpf/tests/test_bpf_lib.c). */
#pragma once
#include <lib/types.h>
#include "ringbuf.h"

/* rt_unlink_log: 0, or -EAGAIN if the ring had no room (counted in its
 * drop counter). filename: a kernel copy, at most len bytes used. */
int rt_unlink_log_run(struct bpf_ringbuf *rb, s32 pid, const char comm[16],
		      const char *filename, size_t len);

/* rt_kill_drain: the drain's result (samples, or -errno). */
long rt_kill_drain_run(struct bpf_ringbuf *in, struct bpf_ringbuf *out, s32 pid,
		       const char comm[16]);
