/* Ringtail's libbpf: ring buffers, user ring buffers and perf buffers with
 * libbpf's names, signatures and semantics. Pointer-returning functions
 * return NULL and set errno on failure; int-returning ones return a
 * negative errno. A ring_buffer or perf_buffer may be polled from one
 * thread at a time; a user_ring_buffer has one producer (callers lock).
 * Built with musl-gcc -static for Ringtail, and natively for Linux. */
#ifndef __RT_LIBBPF_LIBBPF_H
#define __RT_LIBBPF_LIBBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "libbpf_common.h"
#include "bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- BPF ring buffer (kernel producers, user consumer) --------------- */

struct ring_buffer;
struct ring;

/* Return 0 to go on, a negative value to stop: consuming stops and the
 * value is returned (the record counts as consumed). */
typedef int (*ring_buffer_sample_fn)(void *ctx, void *data, size_t size);

struct ring_buffer_opts {
	size_t sz;
};

LIBBPF_API struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb,
						void *ctx, const struct ring_buffer_opts *opts);
LIBBPF_API void ring_buffer__free(struct ring_buffer *rb);
LIBBPF_API int ring_buffer__add(struct ring_buffer *rb, int map_fd,
				ring_buffer_sample_fn sample_cb, void *ctx);
/* Wait up to timeout_ms (-1: forever) for data, then consume it: the
 * number of records consumed, or a negative error. */
LIBBPF_API int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms);
LIBBPF_API int ring_buffer__consume(struct ring_buffer *rb);
LIBBPF_API int ring_buffer__consume_n(struct ring_buffer *rb, size_t n);
LIBBPF_API int ring_buffer__epoll_fd(const struct ring_buffer *rb);
LIBBPF_API struct ring *ring_buffer__ring(struct ring_buffer *rb, unsigned int idx);

LIBBPF_API unsigned long ring__consumer_pos(const struct ring *r);
LIBBPF_API unsigned long ring__producer_pos(const struct ring *r);
LIBBPF_API size_t ring__avail_data_size(const struct ring *r);
LIBBPF_API size_t ring__size(const struct ring *r);
LIBBPF_API int ring__map_fd(const struct ring *r);
LIBBPF_API int ring__consume(struct ring *r);
LIBBPF_API int ring__consume_n(struct ring *r, size_t n);
/* Ringtail extension: records the kernel refused on this ring (its drop
 * counter, RT_BPF_RB_DROPPED_OFF in the producer page; 0 on Linux). */
LIBBPF_API unsigned long ring__rt_dropped(const struct ring *r);

/* --- user ring buffer (user producer, kernel consumer) --------------- */

struct user_ring_buffer;

struct user_ring_buffer_opts {
	size_t sz;
};

LIBBPF_API struct user_ring_buffer *user_ring_buffer__new(int map_fd,
							  const struct user_ring_buffer_opts *opts);
/* A sample of size bytes, or NULL with errno E2BIG (never fits) or
 * ENOSPC (not now). Submit or discard every sample, in any order. */
LIBBPF_API void *user_ring_buffer__reserve(struct user_ring_buffer *rb, __u32 size);
/* Wait up to timeout_ms (-1: forever) for room; NULL with errno on
 * failure (ENOSPC when the time ran out). */
LIBBPF_API void *user_ring_buffer__reserve_blocking(struct user_ring_buffer *rb, __u32 size,
						    int timeout_ms);
LIBBPF_API void user_ring_buffer__submit(struct user_ring_buffer *rb, void *sample);
LIBBPF_API void user_ring_buffer__discard(struct user_ring_buffer *rb, void *sample);
LIBBPF_API void user_ring_buffer__free(struct user_ring_buffer *rb);

/* --- perf buffer (per-CPU perf events, PERF_COUNT_SW_BPF_OUTPUT) ------ */

struct perf_buffer;

typedef void (*perf_buffer_sample_fn)(void *ctx, int cpu, void *data, __u32 size);
typedef void (*perf_buffer_lost_fn)(void *ctx, int cpu, __u64 cnt);

struct perf_buffer_opts {
	size_t sz;
	__u32 sample_period;          /* wake every this many samples; 0 means 1 */
};

/* map_fd: a BPF_MAP_TYPE_PERF_EVENT_ARRAY; one event per online CPU,
 * page_cnt (a power of two) data pages each, stored at key = CPU. */
LIBBPF_API struct perf_buffer *perf_buffer__new(int map_fd, size_t page_cnt,
						perf_buffer_sample_fn sample_cb,
						perf_buffer_lost_fn lost_cb, void *ctx,
						const struct perf_buffer_opts *opts);
LIBBPF_API void perf_buffer__free(struct perf_buffer *pb);
/* The number of buffers that had data, or a negative error. */
LIBBPF_API int perf_buffer__poll(struct perf_buffer *pb, int timeout_ms);
LIBBPF_API int perf_buffer__consume(struct perf_buffer *pb);
LIBBPF_API int perf_buffer__consume_buffer(struct perf_buffer *pb, size_t buf_idx);
LIBBPF_API int perf_buffer__epoll_fd(const struct perf_buffer *pb);
LIBBPF_API size_t perf_buffer__buffer_cnt(const struct perf_buffer *pb);
LIBBPF_API int perf_buffer__buffer_fd(const struct perf_buffer *pb, size_t buf_idx);

LIBBPF_API int libbpf_num_possible_cpus(void);

#ifdef __cplusplus
}
#endif
#endif
