/* The seed flow "kill drain" as real BPF: at sys_exit_kill, drain the
 * user ring buffer with a callback (bpf_user_ringbuf_drain) that reads
 * each request through its dynptr and answers it in the kernel ring.
 * The answer's factor is a global constant user space sets before loading
 * (.rodata, frozen by libbpf) and the program counts what it drained in a
 * global (.bss, which user space reads through libbpf's mmap of it).
 * Built with clang -target bpf; loaded by user/bpf/seed_flows.c. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "seed.h"

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, SEED_RING_BYTES);
} requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SEED_RING_BYTES);
} replies SEC(".maps");

const volatile int factor = 1;
unsigned long long drained = 0;

static long answer(struct bpf_dynptr *sample, void *ctx)
{
	struct seed_req req;
	if (bpf_dynptr_read(&req, sizeof(req), sample, 0, 0))
		return 0;               /* too short: skip it */
	struct seed_reply *r = bpf_ringbuf_reserve(&replies, sizeof(*r), 0);
	if (!r)
		return 1;               /* no room: stop draining */
	r->seq = req.seq;
	r->value = req.value * factor;
	__sync_fetch_and_add(&drained, 1);
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_kill")
int drain_on_kill(void *ctx)
{
	bpf_user_ringbuf_drain(&requests, answer, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
