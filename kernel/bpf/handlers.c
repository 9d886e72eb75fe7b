/* Ringtail's built-in BPF handlers; see handlers.h. */
#include <lib/errno.h>
#include <ringtail/bpf_handlers.h>
#include "handlers.h"

int rt_unlink_log_run(struct bpf_ringbuf *rb, s32 pid, const char comm[16],
		      const char *filename, size_t len)
{
	u64 avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);
	u64 size = bpf_ringbuf_query(rb, BPF_RB_RING_SIZE);
	struct rt_unlink_event *e = bpf_ringbuf_reserve(rb, sizeof(*e), 0);
	size_t i;

	if (!e)
		return -EAGAIN;
	e->pid = pid;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	for (i = 0; i < len && i < sizeof(e->filename) - 1 && filename[i]; i++)
		e->filename[i] = filename[i];
	__builtin_memset(e->filename + i, 0, sizeof(e->filename) - i);
	/* Sampled wakeups (the AVAIL_DATA check): forced while a quarter of
	 * the ring or more is waiting; below that, only if the consumer waits
	 * at this very record (the default). */
	bpf_ringbuf_submit(e, avail + sizeof(*e) >= size / 4 ? BPF_RB_FORCE_WAKEUP : 0);
	return 0;
}

struct kill_ctx {
	struct bpf_ringbuf *out;
	s32 pid;
	const char *comm;
};

static int kill_one(const void *data, u32 size, void *arg)
{
	struct kill_ctx *k = arg;
	struct rt_kill_event *e = bpf_ringbuf_reserve(k->out, sizeof(*e), 0);
	u64 cookie = 0;

	if (!e)
		return 0;    /* counted by out's drop counter; go on draining */
	if (size >= sizeof(cookie))
		__builtin_memcpy(&cookie, data, sizeof(cookie));   /* user memory: once */
	e->pid = k->pid;
	__builtin_memcpy(e->comm, k->comm, sizeof(e->comm));
	e->cookie = cookie;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

long rt_kill_drain_run(struct bpf_ringbuf *in, struct bpf_ringbuf *out, s32 pid,
		       const char comm[16])
{
	struct kill_ctx k = { out, pid, comm };

	return bpf_user_ringbuf_drain(in, kill_one, &k, 0);
}
