/* Demo of the BPF rings, flow 1: the built-in handler "rt_unlink_log" logs every
 * unlinkat() into a BPF ring buffer; this program reads the records with
 * ring_buffer__new/ring_buffer__poll and prints them. Exits 0 when it got
 * one record for each of its own N unlinkat calls (argv[1], default 5). */
#include <fcntl.h>
#include "bpf_demo.h"

static int seen;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct rt_unlink_event *e = data;

	if (size != sizeof(*e))
		return -EINVAL;
	printf("unlink: pid %d comm %.16s file %.256s\n", e->pid, e->comm, e->filename);
	if (e->pid == getpid() && !strncmp(e->filename, "/tmp/ringtail-demo-", 19))
		seen++;
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5, fd, err;
	struct ring_buffer *rb;
	char path[64];

	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "unlink_log", 0, 0, 64 * 1024, NULL);
	if (fd < 0)
		die("bpf(BPF_MAP_CREATE)", fd);
	attach_handler(RT_HANDLER_UNLINK_LOG, &fd, 1, RT_TP_SYS_ENTER_UNLINKAT);
	rb = ring_buffer__new(fd, on_event, NULL, NULL);
	if (!rb)
		die("ring_buffer__new", errno);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/tmp/ringtail-demo-%d", i);
		syscall(__NR_unlinkat, AT_FDCWD, path, 0);   /* ENOENT is fine */
	}
	for (int tries = 0; seen < n && tries < 20; tries++) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0)
			die("ring_buffer__poll", err);
		if (!err)   /* sampled wakeups: collect what did not wake us */
			ring_buffer__consume(rb);
	}
	printf("%d of %d unlinkat calls logged, %lu dropped\n", seen, n,
	       ring__rt_dropped(ring_buffer__ring(rb, 0)));
	ring_buffer__free(rb);
	return seen == n ? 0 : 1;
}
