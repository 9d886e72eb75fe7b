/* BPF ring buffers from user space, libbpf's API on Linux's ABI:
 * ring_buffer (consume what kernel producers wrote) and user_ring_buffer
 * (produce for a kernel consumer). The mapping of either is
 *	offset 0       consumer page: consumer_pos
 *	offset 1 page  producer page: producer_pos (then overwrite_pos)
 *	offset 2 pages the data, mapped twice back to back by the kernel,
 * so a record is always contiguous. Barrier pairs, named as in
 * kernel/bpf/ringbuf.c: here are C, F, D for kernel rings and, for user
 * rings, the producer side of G, H, I. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "libbpf_internal.h"

#define BUSY BPF_RINGBUF_BUSY_BIT
#define DISCARD BPF_RINGBUF_DISCARD_BIT

static unsigned long load_acquire(const unsigned long *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void store_release(unsigned long *p, unsigned long v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/* Bytes a record takes: header plus sample, rounded up to 8. */
static unsigned long rec_bytes(__u32 len)
{
	return ((unsigned long)(len & ~(BUSY | DISCARD)) + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
}

static void *err_ptr(int err)
{
	errno = err;
	return NULL;
}

/* A caller's opts struct may be newer (larger) than ours: fine if what
 * we do not know is zero. */
static bool opts_ok(const void *opts, size_t known)
{
	const unsigned char *p = opts;
	size_t sz;

	if (!opts)
		return true;
	sz = *(const size_t *)opts;
	if (sz < sizeof(size_t))
		return false;
	for (size_t i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}

static int map_info(int map_fd, __u32 type, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);
	int err;

	memset(info, 0, sizeof(*info));
	err = bpf_map_get_info_by_fd(map_fd, info, &len);
	if (err)
		return err;
	if (info->type != type || !info->max_entries || (info->max_entries & (info->max_entries - 1)))
		return -EINVAL;
	return 0;
}

/* --- ring_buffer -------------------------------------------------------- */

void ring__init_mem(struct ring *r, void *cons_page, void *prod_page, unsigned long size,
		    bool overwrite, ring_buffer_sample_fn cb, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->sample_cb = cb;
	r->ctx = ctx;
	r->consumer_pos = cons_page;
	r->producer_pos = prod_page;
	r->page_size = (size_t)getpagesize();
	r->data = (unsigned char *)prod_page + r->page_size;
	r->mask = size - 1;
	r->map_fd = -1;
	r->overwrite = overwrite;
}

int ringbuf_process_ring(struct ring *r, size_t n)
{
	unsigned long cons = load_acquire(r->consumer_pos), prod;
	long long cnt = 0;
	bool progress;

	if (r->overwrite) {
		/* Older records were overwritten: start at the oldest kept. */
		unsigned long over = load_acquire(r->producer_pos + 1);

		if ((long)(over - cons) > 0)
			cons = over;
	}
	do {
		progress = false;
		/* (RC): the headers below producer_pos are written. */
		prod = load_acquire(r->producer_pos);
		while (cons < prod) {
			__u32 *hdr = (__u32 *)(r->data + (cons & r->mask));
			/* (RF): the sample is complete once BUSY is clear. */
			__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & BUSY)
				goto out;     /* not committed yet: later records wait */
			progress = true;
			cons += rec_bytes(len);
			if (!(len & DISCARD)) {
				int err = r->sample_cb(r->ctx, hdr + 2, len);

				if (err < 0) {
					/* (RD), counting this record as consumed. */
					store_release(r->consumer_pos, cons);
					return err;
				}
				cnt++;
			}
			/* (RD): done with the bytes; the kernel may reuse them. */
			store_release(r->consumer_pos, cons);
			if ((size_t)cnt >= n)
				goto out;
		}
	} while (progress);
out:
	return cnt > INT_MAX ? INT_MAX : (int)cnt;
}

struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void *ctx,
				     const struct ring_buffer_opts *opts)
{
	struct ring_buffer *rb;
	int err;

	if (!opts_ok(opts, sizeof(*opts)))
		return err_ptr(EINVAL);
	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return err_ptr(ENOMEM);
	rb->page_size = (size_t)getpagesize();
	rb->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (rb->epoll_fd < 0) {
		err = errno;
		free(rb);
		return err_ptr(err);
	}
	err = ring_buffer__add(rb, map_fd, sample_cb, ctx);
	if (err) {
		ring_buffer__free(rb);
		return err_ptr(-err);
	}
	return rb;
}

int ring_buffer__add(struct ring_buffer *rb, int map_fd, ring_buffer_sample_fn sample_cb, void *ctx)
{
	struct epoll_event *ev;
	struct bpf_map_info info;
	struct ring **rings, *r;
	size_t data_sz;
	void *p;
	int err;

	err = map_info(map_fd, BPF_MAP_TYPE_RINGBUF, &info);
	if (err)
		goto out;
	rings = realloc(rb->rings, (rb->ring_cnt + 1) * sizeof(*rings));
	if (!rings)
		return -(errno = ENOMEM);
	rb->rings = rings;
	ev = realloc(rb->events, (rb->ring_cnt + 1) * sizeof(*ev));
	if (!ev)
		return -(errno = ENOMEM);
	rb->events = ev;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -(errno = ENOMEM);

	/* Only consumer_pos is ours to write; the rest is read-only. */
	p = mmap(NULL, rb->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		goto fail_errno;
	data_sz = (size_t)info.max_entries;
	ring__init_mem(r, p, NULL, data_sz, info.map_flags & BPF_F_RB_OVERWRITE, sample_cb, ctx);
	p = mmap(NULL, rb->page_size + 2 * data_sz, PROT_READ, MAP_SHARED, map_fd, (off_t)rb->page_size);
	if (p == MAP_FAILED) {
		err = -errno;
		munmap(r->consumer_pos, rb->page_size);
		goto fail;
	}
	r->producer_pos = p;
	r->data = (unsigned char *)p + rb->page_size;
	r->map_fd = map_fd;

	ev = &rb->events[rb->ring_cnt];
	memset(ev, 0, sizeof(*ev));
	ev->events = EPOLLIN;
	ev->data.fd = rb->ring_cnt;
	if (epoll_ctl(rb->epoll_fd, EPOLL_CTL_ADD, map_fd, ev) < 0) {
		err = -errno;
		munmap(r->consumer_pos, rb->page_size);
		munmap(r->producer_pos, rb->page_size + 2 * data_sz);
		goto fail;
	}
	rb->rings[rb->ring_cnt++] = r;
	return 0;

fail_errno:
	err = -errno;
fail:
	free(r);
out:
	errno = -err;
	return err;
}

void ring_buffer__free(struct ring_buffer *rb)
{
	if (!rb)
		return;
	for (int i = 0; i < rb->ring_cnt; i++) {
		struct ring *r = rb->rings[i];

		munmap(r->consumer_pos, rb->page_size);
		munmap(r->producer_pos, rb->page_size + 2 * (r->mask + 1));
		free(r);
	}
	if (rb->epoll_fd >= 0)
		close(rb->epoll_fd);
	free(rb->events);
	free(rb->rings);
	free(rb);
}

int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms)
{
	long long res = 0;
	int cnt = epoll_wait(rb->epoll_fd, rb->events, rb->ring_cnt, timeout_ms);

	if (cnt < 0)
		return -errno;
	for (int i = 0; i < cnt; i++) {
		int err = ringbuf_process_ring(rb->rings[rb->events[i].data.fd], INT_MAX);

		if (err < 0)
			return err;
		res += err;
	}
	return res > INT_MAX ? INT_MAX : (int)res;
}

int ring_buffer__consume_n(struct ring_buffer *rb, size_t n)
{
	long long res = 0;

	for (int i = 0; i < rb->ring_cnt && (size_t)res < n; i++) {
		int err = ringbuf_process_ring(rb->rings[i], n - (size_t)res);

		if (err < 0)
			return err;
		res += err;
	}
	return res > INT_MAX ? INT_MAX : (int)res;
}

int ring_buffer__consume(struct ring_buffer *rb) { return ring_buffer__consume_n(rb, INT_MAX); }
int ring_buffer__epoll_fd(const struct ring_buffer *rb) { return rb->epoll_fd; }

struct ring *ring_buffer__ring(struct ring_buffer *rb, unsigned int idx)
{
	if (idx >= (unsigned int)rb->ring_cnt)
		return err_ptr(ERANGE);
	return rb->rings[idx];
}

unsigned long ring__consumer_pos(const struct ring *r) { return load_acquire(r->consumer_pos); }
unsigned long ring__producer_pos(const struct ring *r) { return load_acquire(r->producer_pos); }
size_t ring__size(const struct ring *r) { return r->mask + 1; }
int ring__map_fd(const struct ring *r) { return r->map_fd; }
int ring__consume(struct ring *r) { return ringbuf_process_ring(r, INT_MAX); }
int ring__consume_n(struct ring *r, size_t n) { return ringbuf_process_ring(r, n); }

size_t ring__avail_data_size(const struct ring *r)
{
	unsigned long cons = ring__consumer_pos(r);

	return ring__producer_pos(r) - cons;
}

unsigned long ring__rt_dropped(const struct ring *r)
{
	return __atomic_load_n(r->producer_pos + RT_BPF_RB_DROPPED_OFF / sizeof(long), __ATOMIC_RELAXED);
}

/* --- user_ring_buffer --------------------------------------------------- */

void user_ring_buffer__init_mem(struct user_ring_buffer *rb, void *cons_page, void *prod_page,
				unsigned long size, int epoll_fd)
{
	memset(rb, 0, sizeof(*rb));
	rb->consumer_pos = cons_page;
	rb->producer_pos = prod_page;
	rb->page_size = (size_t)getpagesize();
	rb->data = (unsigned char *)prod_page + rb->page_size;
	rb->mask = size - 1;
	rb->map_fd = -1;
	rb->epoll_fd = epoll_fd;
}

struct user_ring_buffer *user_ring_buffer__new(int map_fd, const struct user_ring_buffer_opts *opts)
{
	struct user_ring_buffer *rb;
	struct bpf_map_info info;
	size_t data_sz;
	void *cons, *prod;
	int err;

	if (!opts_ok(opts, sizeof(*opts)))
		return err_ptr(EINVAL);
	err = map_info(map_fd, BPF_MAP_TYPE_USER_RINGBUF, &info);
	if (err)
		return err_ptr(-err);
	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return err_ptr(ENOMEM);
	data_sz = (size_t)info.max_entries;
	/* consumer_pos is the kernel's: read-only here. */
	cons = mmap(NULL, (size_t)getpagesize(), PROT_READ, MAP_SHARED, map_fd, 0);
	if (cons == MAP_FAILED)
		goto fail_free;
	prod = mmap(NULL, (size_t)getpagesize() + 2 * data_sz, PROT_READ | PROT_WRITE, MAP_SHARED,
		    map_fd, getpagesize());
	if (prod == MAP_FAILED)
		goto fail_cons;
	user_ring_buffer__init_mem(rb, cons, prod, data_sz, -1);
	rb->map_fd = map_fd;
	rb->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (rb->epoll_fd < 0)
		goto fail_prod;
	rb->event.events = EPOLLOUT;
	if (epoll_ctl(rb->epoll_fd, EPOLL_CTL_ADD, map_fd, &rb->event) < 0)
		goto fail_prod;
	return rb;

fail_prod:
	err = errno;
	if (rb->epoll_fd >= 0)
		close(rb->epoll_fd);
	munmap(prod, (size_t)getpagesize() + 2 * data_sz);
	errno = err;
fail_cons:
	err = errno;
	munmap(cons, (size_t)getpagesize());
	errno = err;
fail_free:
	err = errno;
	free(rb);
	return err_ptr(err);
}

void user_ring_buffer__free(struct user_ring_buffer *rb)
{
	if (!rb)
		return;
	munmap(rb->consumer_pos, rb->page_size);
	munmap(rb->producer_pos, rb->page_size + 2 * (rb->mask + 1));
	if (rb->epoll_fd >= 0)
		close(rb->epoll_fd);
	free(rb);
}

void *user_ring_buffer__reserve(struct user_ring_buffer *rb, __u32 size)
{
	unsigned long cons, prod, total, room;
	__u32 *hdr;

	if (size & (BUSY | DISCARD))
		return err_ptr(E2BIG);   /* the top two bits are the flags */
	/* (RI): the kernel has finished reading what it gave back. */
	cons = load_acquire(rb->consumer_pos);
	prod = load_acquire(rb->producer_pos);   /* ours: only we write it */
	total = rec_bytes(size);
	if (total > rb->mask + 1)
		return err_ptr(E2BIG);
	room = rb->mask + 1 - (prod - cons);
	if (room < total)
		return err_ptr(ENOSPC);
	hdr = (__u32 *)(rb->data + (prod & rb->mask));
	hdr[0] = size | BUSY;
	hdr[1] = 0;
	/* (RG): the BUSY header before the producer_pos covering it. */
	store_release(rb->producer_pos, prod + total);
	return hdr + 2;
}

static void user_ringbuf_commit(struct user_ring_buffer *rb, void *sample, bool discard)
{
	/* Back to the header; the sample may sit in the second mapping. */
	unsigned long off = ((unsigned char *)sample - rb->data - BPF_RINGBUF_HDR_SZ) & rb->mask;
	__u32 *hdr = (__u32 *)(rb->data + off);
	__u32 len = hdr[0] & ~BUSY;

	if (discard)
		len |= DISCARD;
	/* (RH): the sample bytes before the cleared BUSY bit. */
	__atomic_exchange_n(hdr, len, __ATOMIC_ACQ_REL);
}

void user_ring_buffer__submit(struct user_ring_buffer *rb, void *sample)
{
	user_ringbuf_commit(rb, sample, false);
}

void user_ring_buffer__discard(struct user_ring_buffer *rb, void *sample)
{
	user_ringbuf_commit(rb, sample, true);
}

static long long ns_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec);
}

void *user_ring_buffer__reserve_blocking(struct user_ring_buffer *rb, __u32 size, int timeout_ms)
{
	long long left = (long long)timeout_ms * 1000000;
	struct timespec t0;

	if (timeout_ms < -1)
		return err_ptr(EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		void *sample = user_ring_buffer__reserve(rb, size);
		int ms;

		if (sample || errno != ENOSPC)
			return sample;
		if (timeout_ms != -1 && left <= 0)
			return err_ptr(ENOSPC);
		/* A drain that consumed something wakes us (POLLOUT). */
		ms = timeout_ms == -1 ? -1 : (int)((left + 999999) / 1000000);
		if (epoll_wait(rb->epoll_fd, &rb->event, 1, ms) < 0 && errno != EINTR)
			return NULL;
		if (timeout_ms != -1)
			left = (long long)timeout_ms * 1000000 - ns_since(&t0);
	}
}
