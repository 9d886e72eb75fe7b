/* Shared by the BPF ring buffer demos: load a built-in handler with its
 * maps and attach it to a tracepoint, the Linux way (see
 * <ringtail/bpf_handlers.h>). Returns the perf event fd, or exits. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <ringtail/tracepoints.h>
#include <ringtail/bpf_handlers.h>
#include <bpf/libbpf.h>

static inline void die(const char *what, int err)
{
	printf("%s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static inline int attach_handler(const char *name, int *maps, unsigned int nmaps, int tp_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .fd_array = maps, .fd_array_cnt = nmaps);
	struct perf_event_attr attr;
	int prog, pfd;

	prog = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, name, "GPL", NULL, 0, &o);
	if (prog < 0)
		die("bpf(BPF_PROG_LOAD)", prog);
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (__u64)tp_id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	/* All tasks, CPU 0: the program runs wherever the tracepoint fires. */
	pfd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		die("perf_event_open(tracepoint)", errno);
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) < 0)
		die("ioctl(PERF_EVENT_IOC_SET_BPF)", errno);
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		die("ioctl(PERF_EVENT_IOC_ENABLE)", errno);
	return pfd;
}
