/* The ring core's hot path, inline: reserve (rb_begin, both sharing
 * rb_reserve with rb_begin_fast) and finish (rb_end, rb_end_fast) a
 * record. ring_buffer.c wraps rb_begin and rb_end as perf_output_begin and
 * perf_output_end; the sample path (output_fast.h) inlines rb_begin_fast,
 * rb_record_at and rb_end_fast so one sample is one function. The
 * algorithm, the nesting rules and barriers (A)-(D) are described at the
 * top of ring_buffer.c. */
#pragma once
#include <lib/errno.h>
#include <arch/barrier.h>
#include <arch/preempt.h>
#include "ring_buffer.h"

struct lost_record {
	struct perf_event_header header;
	u64 id;
	u64 lost;
};

/* Bytes that may be written at head without reaching tail; one byte stays
 * free. Works for any tail a user wrote: the result is masked. */
static __always_inline unsigned long rb_space(unsigned long head, unsigned long tail,
					      unsigned long mask)
{
	return (tail - (head + 1)) & mask;
}

static __always_inline bool rb_has_space(const struct perf_buffer *rb, unsigned long head,
					 unsigned long tail, unsigned long size, bool backward)
{
	if (!backward)
		return rb_space(head, tail, rb->mask) >= size;
	/* Downwards the roles swap: free space runs from head down to tail. */
	return rb_space(tail, head, rb->mask) >= size;
}

static __always_inline void rb_count_lost(struct perf_buffer *rb, const struct perf_output_ctx *ctx)
{
	local_inc(&rb->lost);
	local_inc(&rb->lost_total);
	if (ctx->lost_samples)
		local_inc(ctx->lost_samples);
}

/* preempt: hold off preemption from here to the put (a caller with
 * interrupts off, or in NMI context, cannot be preempted anyway). */
static __always_inline void __rb_get_handle(struct perf_output_handle *h, struct perf_buffer *rb,
					    bool preempt)
{
	if (preempt)
		preempt_disable();
	WRITE_ONCE(rb->nest, READ_ONCE(rb->nest) + 1);
	/* A nested writer may move wakeup from here on; end compares. */
	h->wakeup = local_read(&rb->wakeup);
}

static __always_inline void rb_get_handle(struct perf_output_handle *h, struct perf_buffer *rb)
{
	__rb_get_handle(h, rb, true);
}

static __always_inline void __rb_put_handle(struct perf_output_handle *h, bool preempt)
{
	struct perf_buffer *rb = h->rb;
	unsigned int nest = READ_ONCE(rb->nest);
	unsigned long head;

	if (nest > 1) {
		/* Nested: the writer we interrupted publishes for us. */
		WRITE_ONCE(rb->nest, nest - 1);
		goto out;
	}
	rb_test_hook(rb, RB_STEP_END_ENTER);
again:
	/* Read head only while holding the level, or an interrupt's newer
	 * head could be published before our stale one. */
	barrier();
	head = local_read(&rb->head);
	rb_test_hook(rb, RB_STEP_END_HEAD_READ);

	/* (B): record bytes before data_head; pairs with (C) in
	 * perf_reader_begin(). */
	smp_store_release(&rb->user_page->data_head, head);
	rb_test_hook(rb, RB_STEP_END_PUBLISHED);

	/* Publish before dropping the level: see "Nesting" above. */
	barrier();
	WRITE_ONCE(rb->nest, 0);
	rb_test_hook(rb, RB_STEP_END_NEST_DROPPED);

	/* Re-read head only after dropping the level, so a writer that came
	 * in before the drop is seen here and one after it publishes itself. */
	barrier();
	if (unlikely(head != local_read(&rb->head))) {
		WRITE_ONCE(rb->nest, 1);
		goto again;
	}

	if (h->wakeup != local_read(&rb->wakeup) && rb->wakeup_fn)
		rb->wakeup_fn(rb, rb->wakeup_arg);
	rb_test_hook(rb, RB_STEP_END_DONE);
out:
	if (preempt)
		preempt_enable();
}

static __always_inline void rb_put_handle(struct perf_output_handle *h)
{
	__rb_put_handle(h, true);
}

/* The reservation rb_begin and rb_begin_fast share, with the handle
 * taken: move head by size if the reader left room, retrying when a
 * nested writer moved it first, and owe a wakeup past the watermark.
 * *offset is where the record starts. False: no room (nothing reserved). */
static __always_inline bool rb_reserve(struct perf_buffer *rb, unsigned long size, bool backward,
				       unsigned long *offset)
{
	unsigned long off = local_read(&rb->head), head;

	do {
		head = off;
		if (!rb->overwrite) {
			/* (A): the stores below happen only if this load of
			 * data_tail allowed them; pairs with (D) in
			 * perf_reader_consume(). */
			unsigned long tail = READ_ONCE_CTRL(rb->user_page->data_tail);

			if (unlikely(!rb_has_space(rb, head, tail, size, backward)))
				return false;
		}
		head = backward ? head - size : head + size;
		rb_test_hook(rb, RB_STEP_BEGIN_RESERVE);
		/* On failure off is reloaded with the head a nested writer
		 * left, and the space check is redone from there. */
	} while (!local_try_cmpxchg(&rb->head, &off, head));
	rb_test_hook(rb, RB_STEP_BEGIN_RESERVED);

	if (backward) {
		/* The record sits at the new head; wakeups count bytes. */
		off = head;
		head = -head;
	}
	if (unlikely(head - local_read(&rb->wakeup) > rb->watermark))
		local_add(rb->watermark, &rb->wakeup);
	*offset = off;
	return true;
}

static __always_inline int rb_begin(struct perf_output_handle *h, struct perf_buffer *rb,
				    const struct perf_output_ctx *ctx, unsigned long size,
				    bool backward)
{
	unsigned long offset, lost_size = 0;

	if (unlikely(READ_ONCE(rb->paused))) {
		/* Without data pages the buffer is always paused and nothing
		 * could ever be delivered, so nothing is counted (as Linux). */
		if (rb->nr_pages)
			rb_count_lost(rb, ctx);
		return -ENOSPC;
	}

	h->rb = rb;
	h->wakeup_events = ctx->wakeup_events;
	if (unlikely(local_read(&rb->lost))) {
		lost_size = sizeof(struct lost_record) + ctx->sample_id_size;
		size += lost_size;
	}

	rb_get_handle(h, rb);
	rb_test_hook(rb, RB_STEP_BEGIN_NESTED);
	if (unlikely(!rb_reserve(rb, size, backward, &offset)))
		goto fail;

	h->page = (offset >> PERF_RB_PAGE_SHIFT) & (rb->nr_pages - 1);
	offset &= PERF_RB_PAGE_SIZE - 1;
	h->addr = (u8 *)rb->data_pages[h->page] + offset;
	h->size = PERF_RB_PAGE_SIZE - offset;
	h->left = size;

	if (unlikely(lost_size)) {
		struct lost_record rec = {
			.header = { .type = PERF_RECORD_LOST, .misc = 0, .size = (u16)lost_size },
			.id = ctx->id,
			/* Take whatever is pending now, which includes losses
			 * after our check above. A nested writer may have taken
			 * it all first; then this record says 0, as in Linux. */
			.lost = local_xchg(&rb->lost, 0),
		};
		perf_output_copy(h, &rec, sizeof(rec));
		if (ctx->sample_id_size)
			perf_output_copy(h, ctx->sample_id, ctx->sample_id_size);
		rb_test_hook(rb, RB_STEP_BEGIN_LOST);
	}
	return 0;

fail:
	rb_count_lost(rb, ctx);
	rb_put_handle(h);
	return -ENOSPC;
}

/* rb_begin for a writer that lays its record out itself (the sample path,
 * output.c): a forward buffer with no LOST record owed and not paused;
 * anything else returns 1, for the caller to take rb_begin. 0: size bytes
 * reserved at ring position *offset (rb_record_at gives where to write,
 * rb_write_at copies a record that crosses a page end); finish with
 * rb_end_fast. -ENOSPC: no room, counted lost. The handle is taken and
 * dropped as in rb_begin, so nesting and barriers are the same; the
 * caller runs with interrupts off or in NMI context, so preemption needs
 * no holding off. */
static __always_inline int rb_begin_fast(struct perf_output_handle *h, struct perf_buffer *rb,
					 local_t *lost_samples, u32 wakeup_events,
					 unsigned long size, unsigned long *offset)
{
	if (unlikely(rb->backward || READ_ONCE(rb->paused) || local_read(&rb->lost)))
		return 1;
	h->rb = rb;
	h->wakeup_events = wakeup_events;
	__rb_get_handle(h, rb, false);
	rb_test_hook(rb, RB_STEP_BEGIN_NESTED);
	if (likely(rb_reserve(rb, size, false, offset)))
		return 0;
	const struct perf_output_ctx ctx = { .lost_samples = lost_samples };
	rb_count_lost(rb, &ctx);
	__rb_put_handle(h, false);
	return -ENOSPC;
}

/* Where a record of size bytes at ring position offset can be written in
 * place: always with the data mapped twice, else unless it crosses a page
 * end (NULL). */
static __always_inline void *rb_record_at(const struct perf_buffer *rb, unsigned long offset,
					  unsigned long size)
{
	if (likely(rb->data_twice))
		return rb->data_twice + (offset & rb->mask);
	unsigned long in = offset & (PERF_RB_PAGE_SIZE - 1);

	if (unlikely(in + size > PERF_RB_PAGE_SIZE))
		return NULL;
	return (u8 *)rb->data_pages[(offset >> PERF_RB_PAGE_SHIFT) & (rb->nr_pages - 1)] + in;
}

/* attr.wakeup_events: owe a wakeup every n samples, by moving wakeup as
 * the watermark check does. */
static __always_inline void rb_count_event(struct perf_output_handle *h)
{
	if (unlikely(h->wakeup_events)) {
		struct perf_buffer *rb = h->rb;

		if (local_inc_return(&rb->events) >= h->wakeup_events) {
			local_sub(h->wakeup_events, &rb->events);
			local_inc(&rb->wakeup);
		}
	}
}

static __always_inline void rb_end(struct perf_output_handle *h)
{
	rb_count_event(h);
	rb_put_handle(h);
}

/* The end of an rb_begin_fast record. */
static __always_inline void rb_end_fast(struct perf_output_handle *h)
{
	rb_count_event(h);
	__rb_put_handle(h, false);
}
