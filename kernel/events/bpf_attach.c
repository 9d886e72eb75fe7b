/* Built-in handlers attached to perf events (PERF_EVENT_IOC_SET_BPF).
 * Placeholder until the BPF ring buffer lands: nothing can be attached. */
#include <lib/errno.h>
#include "internal.h"

long perf_attach_bpf(struct perf_event *e, int prog_fd)
{
	return -EINVAL;
}

void perf_event_detach_bpf(struct perf_event *e)
{
}

bool perf_run_bpf(struct perf_event *e, const struct perf_sample *s)
{
	return false;
}

void perf_bpf_tracepoint(struct perf_event *e, const u64 *args)
{
}
