/* perf_buffer: libbpf's per-CPU perf event buffers for samples that
 * kernel handlers write with a bpf_perf_event_output() equivalent. One
 * PERF_COUNT_SW_BPF_OUTPUT event per online CPU, PERF_SAMPLE_RAW, its fd
 * stored in the BPF_MAP_TYPE_PERF_EVENT_ARRAY at key = CPU, page_cnt + 1
 * pages mapped (the control page, then the data). Records are read with
 * lib/perf_reader.c, the reader of the perf ring buffer. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <lib/perf_reader.h>
#include "libbpf_internal.h"

#ifndef __NR_perf_event_open
#define __NR_perf_event_open 298   /* x86_64 */
#endif
#define SCRATCH_SZ 65536           /* a wrapped record is copied here whole */

struct perf_cpu_buf {
	struct perf_buffer *pb;
	void *base;                   /* control page, then data */
	struct perf_reader rd;
	unsigned char *scratch;
	int fd;
	int cpu;
	int map_key;
};

struct perf_buffer {
	perf_buffer_sample_fn sample_cb;
	perf_buffer_lost_fn lost_cb;
	void *ctx;
	size_t page_size, mmap_size;
	struct perf_cpu_buf **cpu_bufs;
	struct epoll_event *events;
	int cpu_cnt;                  /* cpu_bufs entries (online CPUs) */
	int epoll_fd;
	int map_fd;
};

struct raw_sample {                   /* PERF_RECORD_SAMPLE, PERF_SAMPLE_RAW */
	struct perf_event_header header;
	__u32 size;
	char data[];
};

struct lost_record {                  /* PERF_RECORD_LOST */
	struct perf_event_header header;
	__u64 id;
	__u64 lost;
};

int libbpf_parse_cpu_list(const char *s, bool *mask, int n)
{
	int max = 0;

	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			return -EINVAL;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -EINVAL;
		}
		for (long c = a; c <= b && c < n; c++)
			mask[c] = true;
		if (b + 1 > max)
			max = (int)(b + 1);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return max ? max : -EINVAL;
}

static int read_cpu_list(const char *path, bool *mask, int n)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC), len;

	if (fd < 0)
		return -errno;
	len = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EINVAL;
	buf[len] = 0;
	return libbpf_parse_cpu_list(buf, mask, n);
}

int libbpf_num_possible_cpus(void)
{
	static int cached;
	bool mask[1];
	cpu_set_t set;
	int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (n > 0)
		return n;
	/* Linux and Ringtail have this file; failing it, the affinity mask. */
	n = read_cpu_list("/sys/devices/system/cpu/possible", mask, 0);
	if (n <= 0 && sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = 1;
	__atomic_store_n(&cached, n, __ATOMIC_RELAXED);
	return n;
}

static void free_cpu_buf(struct perf_buffer *pb, struct perf_cpu_buf *b)
{
	if (!b)
		return;
	if (b->base && b->base != MAP_FAILED)
		munmap(b->base, pb->mmap_size);
	if (b->fd >= 0) {
		ioctl(b->fd, PERF_EVENT_IOC_DISABLE, 0);
		close(b->fd);
	}
	free(b->scratch);
	free(b);
}

void perf_buffer__free(struct perf_buffer *pb)
{
	if (!pb)
		return;
	for (int i = 0; pb->cpu_bufs && i < pb->cpu_cnt; i++) {
		if (pb->cpu_bufs[i])
			bpf_map_delete_elem(pb->map_fd, &pb->cpu_bufs[i]->map_key);
		free_cpu_buf(pb, pb->cpu_bufs[i]);
	}
	if (pb->epoll_fd >= 0)
		close(pb->epoll_fd);
	free(pb->cpu_bufs);
	free(pb->events);
	free(pb);
}

static struct perf_cpu_buf *open_cpu_buf(struct perf_buffer *pb, int cpu, __u32 period, int *err)
{
	struct perf_event_attr attr;
	struct perf_cpu_buf *b = calloc(1, sizeof(*b));

	if (!b || !(b->scratch = malloc(SCRATCH_SZ))) {
		free(b);
		*err = -ENOMEM;
		return NULL;
	}
	b->pb = pb;
	b->cpu = b->map_key = cpu;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_BPF_OUTPUT;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.sample_period = period;
	attr.wakeup_events = period;
	b->fd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (b->fd < 0)
		goto fail;
	b->base = mmap(NULL, pb->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->base == MAP_FAILED)
		goto fail;
	if (ioctl(b->fd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		goto fail;
	perf_reader_init(&b->rd, b->base, (unsigned char *)b->base + pb->page_size,
			 pb->mmap_size - pb->page_size, 0, b->scratch, SCRATCH_SZ);
	return b;
fail:
	*err = -errno;
	free_cpu_buf(pb, b);
	return NULL;
}

struct perf_buffer *perf_buffer__new(int map_fd, size_t page_cnt, perf_buffer_sample_fn sample_cb,
				     perf_buffer_lost_fn lost_cb, void *ctx,
				     const struct perf_buffer_opts *opts)
{
	struct bpf_map_info info;
	struct perf_buffer *pb;
	__u32 len = sizeof(info), period = 1;
	int err, ncpu;
	bool *online;

	if (!page_cnt || (page_cnt & (page_cnt - 1)))
		return errno = EINVAL, NULL;
	if (opts) {
		if (opts->sz < sizeof(size_t))
			return errno = EINVAL, NULL;
		if (opts->sz >= offsetof(struct perf_buffer_opts, sample_period) + sizeof(__u32) &&
		    opts->sample_period)
			period = opts->sample_period;
	}
	memset(&info, 0, sizeof(info));
	err = bpf_map_get_info_by_fd(map_fd, &info, &len);
	if (err)
		return errno = -err, NULL;
	if (info.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return errno = EINVAL, NULL;

	pb = calloc(1, sizeof(*pb));
	if (!pb)
		return errno = ENOMEM, NULL;
	pb->sample_cb = sample_cb;
	pb->lost_cb = lost_cb;
	pb->ctx = ctx;
	pb->map_fd = map_fd;
	pb->page_size = (size_t)getpagesize();
	pb->mmap_size = pb->page_size * (page_cnt + 1);
	pb->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (pb->epoll_fd < 0) {
		err = -errno;
		goto fail;
	}
	ncpu = libbpf_num_possible_cpus();
	if (info.max_entries && (int)info.max_entries < ncpu)
		ncpu = (int)info.max_entries;
	pb->cpu_bufs = calloc(ncpu, sizeof(*pb->cpu_bufs));
	pb->events = calloc(ncpu, sizeof(*pb->events));
	online = calloc(ncpu, sizeof(*online));
	if (!pb->cpu_bufs || !pb->events || !online) {
		free(online);
		err = -ENOMEM;
		goto fail;
	}
	/* Without that file, every possible CPU is online. */
	if (read_cpu_list("/sys/devices/system/cpu/online", online, ncpu) <= 0)
		memset(online, 1, ncpu * sizeof(*online));

	for (int cpu = 0; cpu < ncpu; cpu++) {
		struct perf_cpu_buf *b;
		struct epoll_event ev = { .events = EPOLLIN };

		if (!online[cpu])
			continue;
		b = open_cpu_buf(pb, cpu, period, &err);
		if (!b)
			break;
		pb->cpu_bufs[pb->cpu_cnt++] = b;
		err = bpf_map_update_elem(map_fd, &b->map_key, &b->fd, 0);
		if (err)
			break;
		ev.data.ptr = b;
		if (epoll_ctl(pb->epoll_fd, EPOLL_CTL_ADD, b->fd, &ev) < 0) {
			err = -errno;
			break;
		}
		err = 0;
	}
	free(online);
	if (err)
		goto fail;
	return pb;
fail:
	perf_buffer__free(pb);
	errno = -err;
	return NULL;
}

/* Everything this CPU's buffer holds now. */
static int process_cpu_buf(struct perf_buffer *pb, struct perf_cpu_buf *b)
{
	const struct perf_event_header *h;
	int err = 0;

	perf_reader_begin(&b->rd);
	while ((h = perf_reader_next(&b->rd))) {
		if (h->type == PERF_RECORD_SAMPLE) {
			const struct raw_sample *s = (const void *)h;

			/* A raw size past the record would read past it. */
			if (h->size < sizeof(*s) || s->size > h->size - sizeof(*s)) {
				err = -EINVAL;
				break;
			}
			if (pb->sample_cb)
				pb->sample_cb(pb->ctx, b->cpu, (void *)s->data, s->size);
		} else if (h->type == PERF_RECORD_LOST) {
			const struct lost_record *l = (const void *)h;

			if (h->size < sizeof(*l)) {
				err = -EINVAL;
				break;
			}
			if (pb->lost_cb)
				pb->lost_cb(pb->ctx, b->cpu, l->lost);
		} else {
			err = -EINVAL;   /* nothing else is asked for */
			break;
		}
	}
	if (b->rd.error && !err)
		err = -EINVAL;
	perf_reader_consume(&b->rd);
	return err;
}

int perf_buffer__poll(struct perf_buffer *pb, int timeout_ms)
{
	int cnt = epoll_wait(pb->epoll_fd, pb->events, pb->cpu_cnt, timeout_ms);

	if (cnt < 0)
		return -errno;
	for (int i = 0; i < cnt; i++) {
		int err = process_cpu_buf(pb, pb->events[i].data.ptr);

		if (err)
			return errno = -err, err;
	}
	return cnt;
}

int perf_buffer__consume(struct perf_buffer *pb)
{
	for (int i = 0; i < pb->cpu_cnt; i++) {
		int err = process_cpu_buf(pb, pb->cpu_bufs[i]);

		if (err)
			return errno = -err, err;
	}
	return 0;
}

int perf_buffer__consume_buffer(struct perf_buffer *pb, size_t buf_idx)
{
	if (buf_idx >= (size_t)pb->cpu_cnt)
		return errno = EINVAL, -EINVAL;
	return process_cpu_buf(pb, pb->cpu_bufs[buf_idx]);
}

int perf_buffer__epoll_fd(const struct perf_buffer *pb) { return pb->epoll_fd; }
size_t perf_buffer__buffer_cnt(const struct perf_buffer *pb) { return (size_t)pb->cpu_cnt; }

int perf_buffer__buffer_fd(const struct perf_buffer *pb, size_t buf_idx)
{
	if (buf_idx >= (size_t)pb->cpu_cnt)
		return errno = EINVAL, -EINVAL;
	return pb->cpu_bufs[buf_idx]->fd;
}
