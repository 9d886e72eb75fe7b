/* The seed flow "unlink log" as real BPF: at sys_enter_unlinkat, check the
 * ring has room (bpf_ringbuf_query), reserve a record, fill {pid, comm,
 * filename} and submit it. Built with clang -target bpf; user/bpf/
 * seed_flows.c loads it through a bpftool skeleton and Debian's libbpf. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "seed.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SEED_RING_BYTES);
} unlink_events SEC(".maps");

/* Linux's syscall entry record (format file of sys_enter_unlinkat). */
struct sys_enter_args {
	unsigned long long common;
	long syscall_nr;
	unsigned long args[6];
};

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int log_unlinkat(struct sys_enter_args *ctx)
{
	if (bpf_ringbuf_query(&unlink_events, BPF_RB_AVAIL_DATA) >
	    SEED_RING_BYTES - 2 * sizeof(struct seed_unlink))
		return 0;               /* nearly full: leave room, count nothing */
	struct seed_unlink *e = bpf_ringbuf_reserve(&unlink_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const void *)ctx->args[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
