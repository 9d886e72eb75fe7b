/* Demo of the BPF rings, flow 2: this program writes samples into a user ring
 * buffer with user_ring_buffer__reserve/submit; at every kill() exit the
 * built-in handler "rt_kill_drain" drains them and, per sample, writes a
 * {pid, comm, cookie} record into a kernel ring, which this program reads
 * back with ring_buffer__poll. Exits 0 if every cookie came back once, in
 * order, ROUNDS times. */
#include <signal.h>
#include "bpf_demo.h"

#define ROUNDS 3
#define PER_ROUND 8

static __u64 next_cookie = 1;
static int bad;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct rt_kill_event *e = data;

	if (size != sizeof(*e) || e->pid != getpid() || e->cookie != next_cookie)
		bad++;
	printf("kill: pid %d comm %.16s cookie %llu\n", e->pid, e->comm,
	       (unsigned long long)e->cookie);
	next_cookie++;
	return 0;
}

int main(void)
{
	int maps[2], got = 0;
	struct user_ring_buffer *ur;
	struct ring_buffer *rb;
	__u64 sent = 0;

	maps[0] = bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, "kill_in", 0, 0, 4096, NULL);
	maps[1] = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "kill_out", 0, 0, 4096, NULL);
	if (maps[0] < 0 || maps[1] < 0)
		die("bpf(BPF_MAP_CREATE)", maps[0] < 0 ? maps[0] : maps[1]);
	attach_handler(RT_HANDLER_KILL_DRAIN, maps, 2, RT_TP_SYS_EXIT_KILL);
	ur = user_ring_buffer__new(maps[0], NULL);
	rb = ring_buffer__new(maps[1], on_event, NULL, NULL);
	if (!ur || !rb)
		die("user_ring_buffer__new/ring_buffer__new", errno);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < PER_ROUND; i++) {
			__u64 *s = user_ring_buffer__reserve_blocking(ur, sizeof(*s), 1000);

			if (!s)
				die("user_ring_buffer__reserve_blocking", errno);
			*s = ++sent;
			user_ring_buffer__submit(ur, s);
		}
		kill(getpid(), 0);      /* the handler drains at syscall exit */
		for (int tries = 0; got < (r + 1) * PER_ROUND && tries < 20; tries++) {
			int n = ring_buffer__poll(rb, 100);

			if (n < 0)
				die("ring_buffer__poll", n);
			got += n;
		}
	}
	printf("%d of %llu samples came back, %d out of order\n", got, (unsigned long long)sent, bad);
	user_ring_buffer__free(ur);
	ring_buffer__free(rb);
	return got == (int)sent && !bad ? 0 : 1;
}
