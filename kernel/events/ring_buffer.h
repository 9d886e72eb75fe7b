/* The perf ring buffer core: Linux's output algorithm on caller-provided
 * pages, without any knowledge of perf_event objects.
 *
 * The caller (kernel/events/ for perf_event_open, or a host test) owns the
 * memory: one user page (struct perf_event_mmap_page) plus a power-of-two
 * number of 4 KiB data pages, or none at all (then every output fails
 * without being counted, as Linux does for a user-page-only mapping).
 *
 * Writing a record:
 *
 *	struct perf_output_handle h;
 *	if (perf_output_begin(&h, rb, &ctx, size) == 0) {   // size includes header
 *		perf_output_copy(&h, &hdr, sizeof(hdr));
 *		perf_output_copy(&h, payload, size - sizeof(hdr));
 *		perf_output_end(&h);
 *	}                                                   // else: counted lost
 *
 * begin..end may nest: an interrupt or NMI on the same CPU may write its own
 * record between any two steps of an outer one. Only the outermost end
 * publishes data_head, so data_head never goes backwards and a reader never
 * sees a half-written record. No function here sleeps, locks or allocates;
 * all are NMI-safe. The algorithm and its barriers are described at the
 * top of ring_buffer.c.
 */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>
#include <arch/local.h>
#include <kernel/test_hooks.h>
#include <linux/perf_event.h>

#define PERF_RB_PAGE_SHIFT 12
#define PERF_RB_PAGE_SIZE  (1UL << PERF_RB_PAGE_SHIFT)
#define PERF_RB_MAX_PAGES  (1U << 20)   /* 4 GiB of data: far above any use */

struct perf_buffer;

/* Called by the outermost perf_output_end() when a wakeup is owed. It may
 * run in NMI context: it must only record the fact and defer the real work
 * (the kernel queues an irq_work). */
typedef void (*perf_wakeup_fn)(struct perf_buffer *rb, void *arg);

struct perf_buffer_config {
	struct perf_event_mmap_page *user_page;
	void **data_pages;         /* nr_pages pointers, PERF_RB_PAGE_SIZE each */
	/* Optional: the data pages mapped twice in a row, so that a record
	 * at any position is contiguous there (rb_record_at); NULL: none. */
	u8 *data_twice;
	unsigned int nr_pages;     /* 0 or a power of two */
	bool overwrite;            /* mapped without PROT_WRITE: data_tail ignored */
	bool backward;             /* attr.write_backward */
	unsigned long watermark;   /* wakeup every this many bytes; 0: half the data */
	perf_wakeup_fn wakeup;     /* may be NULL */
	void *wakeup_arg;
};

struct perf_buffer {
	/* Written on every record, by the owning CPU only. */
	local_t head;              /* reservation point; never wraps */
	unsigned int nest;         /* output handles open on this CPU */
	int paused;                /* PAUSE_OUTPUT, or no data pages */
	local_t wakeup;            /* position of the last wakeup owed */
	local_t events;            /* samples since the last wakeup_events wakeup */
	local_t lost;              /* lost since the last LOST record was written */
	local_t lost_total;        /* every record ever lost */

	/* Fixed after perf_buffer_init(). */
	bool overwrite;
	bool backward;
	unsigned int nr_pages;
	unsigned long mask;        /* data size - 1 */
	unsigned long watermark;
	struct perf_event_mmap_page *user_page;
	void **data_pages;
	u8 *data_twice;
	perf_wakeup_fn wakeup_fn;
	void *wakeup_arg;
};

/* What begin needs to know about the writer, instead of a perf_event. */
struct perf_output_ctx {
	u64 id;                    /* event id, for PERF_RECORD_LOST */
	const void *sample_id;     /* sample_id_all trailer for LOST, or NULL */
	u32 sample_id_size;        /* its size, a multiple of 8 */
	/* Nonzero for a PERF_RECORD_SAMPLE of an event woken every this many
	 * samples (attr.wakeup_events). Zero for other records, with
	 * attr.watermark, and for wakeup_events 0, which Linux takes as "no
	 * per-sample wakeups": only the watermark then wakes. */
	u32 wakeup_events;
	local_t *lost_samples;     /* optional per-event loss counter, or NULL */
};

struct perf_output_handle {
	struct perf_buffer *rb;
	unsigned long wakeup;      /* rb->wakeup when the handle was taken */
	u8 *addr;                  /* next byte to write */
	unsigned long size;        /* bytes left in the current page */
	unsigned long left;        /* bytes of the reservation not yet written */
	unsigned int page;         /* current page index */
	u32 wakeup_events;
};

/* Steps at which rb_test_hook() runs (host tests only; empty in the kernel). */
enum perf_rb_step {
	RB_STEP_BEGIN_NESTED,      /* nest taken, head not yet read */
	RB_STEP_BEGIN_RESERVE,     /* space checked, cmpxchg of head next */
	RB_STEP_BEGIN_RESERVED,    /* head moved, nothing written */
	RB_STEP_BEGIN_LOST,        /* LOST record written */
	RB_STEP_COPY,              /* one perf_output_copy/skip call done */
	RB_STEP_COPY_PAGE,         /* a copy moved on to the next page */
	RB_STEP_END_ENTER,         /* outermost end, head not yet read */
	RB_STEP_END_HEAD_READ,     /* head read, data_head not yet stored */
	RB_STEP_END_PUBLISHED,     /* data_head stored, nest still held */
	RB_STEP_END_NEST_DROPPED,  /* nest dropped, head not yet re-checked */
	RB_STEP_END_DONE,          /* all done but preempt_enable */
	RB_STEP_NR
};

/* Set up rb over the caller's pages and fill in the user page's
 * data_offset, data_size, size and capability bits. The caller zeroes the
 * user page and data pages first. Returns -EINVAL on a bad config. */
int perf_buffer_init(struct perf_buffer *rb, const struct perf_buffer_config *cfg);

/* PERF_EVENT_IOC_PAUSE_OUTPUT. While paused every output is counted lost
 * and reported by a LOST record at the first output after resuming. A
 * buffer without data pages stays paused. */
void perf_buffer_set_paused(struct perf_buffer *rb, bool pause);

/* Tests only, with no writer running: forget all records and counters and
 * restart at position pos (head, data_head and data_tail). */
void perf_buffer_reset(struct perf_buffer *rb, unsigned long pos);

static inline unsigned long perf_buffer_data_size(const struct perf_buffer *rb)
{
	return (unsigned long)rb->nr_pages << PERF_RB_PAGE_SHIFT;
}
/* Every output that failed since init (paused or no space). */
static inline u64 perf_buffer_lost_total(const struct perf_buffer *rb) { return local_read(&rb->lost_total); }
/* Lost but not yet reported in a LOST record. */
static inline u64 perf_buffer_lost_pending(const struct perf_buffer *rb) { return local_read(&rb->lost); }
/* The reservation head (data_head lags it while a record is being written). */
static inline unsigned long perf_buffer_head(const struct perf_buffer *rb) { return local_read(&rb->head); }

/* Reserve size bytes (header included; a multiple of 8) for one record,
 * after a LOST record if losses are pending. 0 on success; -ENOSPC if the
 * buffer is paused, has no data pages or lacks space (all but the no-pages
 * case count one lost record). On failure there is nothing to end. */
int perf_output_begin(struct perf_output_handle *h, struct perf_buffer *rb,
		      const struct perf_output_ctx *ctx, unsigned int size);

/* Copy len bytes into the reservation, across page and buffer ends. Never
 * writes past the reservation: returns the number of bytes not copied
 * (0 unless the caller overran its own size). */
unsigned int __perf_output_copy(struct perf_output_handle *h, const void *buf, unsigned int len);

static __always_inline unsigned int perf_output_copy(struct perf_output_handle *h,
						     const void *buf, unsigned int len)
{
	/* Fast path: the bytes fit in the current page and the reservation. */
	if (likely(len < h->size && len <= h->left)) {
		__builtin_memcpy(h->addr, buf, len);
		h->addr += len;
		h->size -= len;
		h->left -= len;
		rb_test_hook(h->rb, RB_STEP_COPY);
		return 0;
	}
	return __perf_output_copy(h, buf, len);
}

/* The next len bytes of the reservation, if they lie in the current page:
 * the caller stores the record there itself (one copy into the ring, not
 * two). NULL if they would cross a page end: then copy instead. The
 * stores are ordered like perf_output_copy's: after the reservation's
 * cmpxchg, before perf_output_end's (B). */
static __always_inline void *perf_output_contig(struct perf_output_handle *h, unsigned int len)
{
	if (unlikely(len >= h->size || len > h->left))
		return NULL;
	void *p = h->addr;
	h->addr += len;
	h->size -= len;
	h->left -= len;
	rb_test_hook(h->rb, RB_STEP_COPY);
	return p;
}

/* Leave len bytes of the reservation as they are. */
static inline unsigned int perf_output_skip(struct perf_output_handle *h, unsigned int len)
{
	return __perf_output_copy(h, NULL, len);
}

/* Copy a record laid out in src to its reservation at ring position
 * offset (rb_begin_fast), across page and buffer ends. */
void rb_write_at(struct perf_buffer *rb, unsigned long offset, const void *src,
		 unsigned long size);
/* A handle for perf_output_copy into size bytes reserved at offset
 * (rb_begin_fast's): copies only; the record ends with rb_end_fast on the
 * handle begin took. */
void rb_copy_handle(struct perf_output_handle *h, struct perf_buffer *rb, unsigned long offset,
		    unsigned long size);

/* Finish the record; the outermost end publishes data_head and calls the
 * wakeup function if a wakeup is owed. */
void perf_output_end(struct perf_output_handle *h);

/* begin + copy + end of one record already laid out in data. */
int perf_output(struct perf_buffer *rb, const struct perf_output_ctx *ctx,
		const void *data, unsigned int size);
