/* The perf ring buffer core; API and usage in ring_buffer.h.
 *
 * Positions
 *   head (reserved), data_head (published) and data_tail (consumed, written
 *   by user space) are byte counts that never wrap: position p is byte
 *   p & mask of the data area. Forward buffers count up from 0. Backward
 *   buffers count down from 0 (so positions look negative) and a record
 *   starts at the new, lower head, which makes the newest record the first
 *   one a reader finds at data_head. Normal mode only reserves what fits
 *   before data_tail, leaving one byte unused so that equal positions can
 *   only mean "empty"; overwrite mode never reads data_tail.
 *
 * Nesting
 *   Writers on one CPU nest: task, then IRQ, then NMI. Each begin takes a
 *   nest level and reserves with a cmpxchg on head, retried when a nested
 *   writer moved head in between. Only the writer holding the outermost
 *   level publishes data_head, so data_head covers only complete records.
 *   The outermost end publishes head, *then* drops the level, then checks
 *   whether head moved since it read it: an interrupt that reserved after
 *   that read could not publish (we held the level), so we take the level
 *   back and publish again. Dropping the level before publishing (Linux
 *   before 2019) lets an interrupt publish a newer head that we then
 *   overwrite with our older one: data_head goes backwards for a moment.
 *   kernel/events/tests/spin/perf_rb.pml checks both orders.
 *
 * Barriers against the reader (another CPU, or user space)
 *
 *   writer (this file)                      reader (lib/perf_reader.c)
 *   tail = LOAD data_tail                   head = LOAD data_head
 *   if (room before tail) {   (A)           (C)
 *           STORE record bytes              LOAD record bytes
 *           (B)                             (D)
 *           STORE data_head                 STORE data_tail
 *   }
 *
 *   A pairs with D: the reader has finished loading the bytes it gives
 *   back before it stores data_tail, and the writer stores into that space
 *   only after it has seen that data_tail.
 *   B pairs with C: a record's bytes are visible before the data_head that
 *   covers them, and the reader loads them only after loading data_head.
 *
 * What they cost on x86_64 (TSO; arch/x86_64/include/arch/barrier.h)
 *   Loads are not reordered with later loads or stores, and stores are not
 *   reordered with earlier stores, so all four are compiler barriers only:
 *   (A) READ_ONCE_CTRL: a plain load whose branch decides the stores. The
 *       host build makes it an acquire load, because C11 gives no ordering
 *       by control dependency.
 *   (B) smp_store_release(data_head): compiler barrier + plain store, the
 *       same code as Linux's smp_wmb + WRITE_ONCE; release is the C11
 *       spelling of it that TSan can check.
 *   (C) smp_load_acquire(data_head): plain load + compiler barrier.
 *   (D) smp_store_release(data_tail): compiler barrier + plain store.
 *       Linux tells user space to use smp_mb; a release store orders the
 *       earlier loads of record bytes before it, which is all A relies on.
 *   On this CPU the only other party is an interrupt, which sees program
 *   order, so the nest/head ordering in put_handle needs only barrier(),
 *   and local_try_cmpxchg is itself a compiler barrier, keeping record
 *   stores below the reservation.
 */
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

static void rb_count_lost(struct perf_buffer *rb, const struct perf_output_ctx *ctx)
{
	local_inc(&rb->lost);
	local_inc(&rb->lost_total);
	if (ctx->lost_samples)
		local_inc(ctx->lost_samples);
}

static __always_inline void rb_get_handle(struct perf_output_handle *h, struct perf_buffer *rb)
{
	preempt_disable();
	WRITE_ONCE(rb->nest, READ_ONCE(rb->nest) + 1);
	/* A nested writer may move wakeup from here on; end compares. */
	h->wakeup = local_read(&rb->wakeup);
}

static void rb_put_handle(struct perf_output_handle *h)
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
	preempt_enable();
}

static __always_inline int rb_begin(struct perf_output_handle *h, struct perf_buffer *rb,
				    const struct perf_output_ctx *ctx, unsigned long size,
				    bool backward)
{
	unsigned long offset, head, lost_size = 0;

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

	offset = local_read(&rb->head);
	do {
		head = offset;
		if (!rb->overwrite) {
			/* (A): the stores below happen only if this load of
			 * data_tail allowed them; pairs with (D) in
			 * perf_reader_consume(). */
			unsigned long tail = READ_ONCE_CTRL(rb->user_page->data_tail);

			if (unlikely(!rb_has_space(rb, head, tail, size, backward)))
				goto fail;
		}
		head = backward ? head - size : head + size;
		rb_test_hook(rb, RB_STEP_BEGIN_RESERVE);
		/* On failure offset is reloaded with the head a nested writer
		 * left, and the space check is redone from there. */
	} while (!local_try_cmpxchg(&rb->head, &offset, head));
	rb_test_hook(rb, RB_STEP_BEGIN_RESERVED);

	if (backward) {
		/* The record sits at the new head; wakeups count bytes. */
		offset = head;
		head = -head;
	}
	if (unlikely(head - local_read(&rb->wakeup) > rb->watermark))
		local_add(rb->watermark, &rb->wakeup);

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

int perf_output_begin(struct perf_output_handle *h, struct perf_buffer *rb,
		      const struct perf_output_ctx *ctx, unsigned int size)
{
	/* Two copies with the direction a constant keep the hot path lean. */
	if (rb->backward)
		return rb_begin(h, rb, ctx, size, true);
	return rb_begin(h, rb, ctx, size, false);
}

unsigned int __perf_output_copy(struct perf_output_handle *h, const void *buf, unsigned int len)
{
	struct perf_buffer *rb = h->rb;
	const u8 *src = buf;
	/* Never past the reservation: it may end right below a nested
	 * writer's record. */
	unsigned long todo = MIN((unsigned long)len, h->left);
	unsigned long done = todo;

	while (todo) {
		unsigned long n = MIN(todo, h->size);

		if (src) {
			__builtin_memcpy(h->addr, src, n);
			src += n;
		}
		h->addr += n;
		h->size -= n;
		h->left -= n;
		todo -= n;
		if (!h->size) {
			/* Masked, so a record may run off the end of the
			 * buffer and on at its start. */
			h->page = (h->page + 1) & (rb->nr_pages - 1);
			h->addr = rb->data_pages[h->page];
			h->size = PERF_RB_PAGE_SIZE;
			rb_test_hook(rb, RB_STEP_COPY_PAGE);
		}
	}
	rb_test_hook(rb, RB_STEP_COPY);
	return len - done;
}

void perf_output_end(struct perf_output_handle *h)
{
	if (unlikely(h->wakeup_events)) {
		struct perf_buffer *rb = h->rb;

		/* attr.wakeup_events: owe a wakeup every n samples, by moving
		 * wakeup as the watermark check does. */
		if (local_inc_return(&rb->events) >= h->wakeup_events) {
			local_sub(h->wakeup_events, &rb->events);
			local_inc(&rb->wakeup);
		}
	}
	rb_put_handle(h);
}

int perf_output(struct perf_buffer *rb, const struct perf_output_ctx *ctx,
		const void *data, unsigned int size)
{
	struct perf_output_handle h;
	int ret = perf_output_begin(&h, rb, ctx, size);

	if (ret)
		return ret;
	perf_output_copy(&h, data, size);
	perf_output_end(&h);
	return 0;
}

int perf_buffer_init(struct perf_buffer *rb, const struct perf_buffer_config *cfg)
{
	unsigned long data_size = (unsigned long)cfg->nr_pages << PERF_RB_PAGE_SHIFT;
	struct perf_event_mmap_page *up = cfg->user_page;

	if (!up || cfg->nr_pages > PERF_RB_MAX_PAGES)
		return -EINVAL;
	if (cfg->nr_pages && (!IS_POW2(cfg->nr_pages) || !cfg->data_pages))
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->nr_pages; i++)
		if (!cfg->data_pages[i])
			return -EINVAL;

	*rb = (struct perf_buffer){
		.overwrite = cfg->overwrite,
		.backward = cfg->backward,
		.nr_pages = cfg->nr_pages,
		.mask = data_size - 1,
		.watermark = cfg->watermark ? MIN(cfg->watermark, data_size) : 0,
		.user_page = up,
		.data_pages = cfg->data_pages,
		.wakeup_fn = cfg->wakeup,
		.wakeup_arg = cfg->wakeup_arg,
	};
	if (!rb->watermark)
		rb->watermark = data_size / 2;
	/* begin only looks at paused, so a buffer with nowhere to write must
	 * be paused for good. */
	rb->paused = !cfg->nr_pages;

	/* What user space learns from page 0 (Linux sets the same fields). */
	up->cap_bit0_is_deprecated = 1;
	up->size = __builtin_offsetof(struct perf_event_mmap_page, __reserved);
	up->data_offset = PERF_RB_PAGE_SIZE;
	up->data_size = data_size;
	return 0;
}

void perf_buffer_set_paused(struct perf_buffer *rb, bool pause)
{
	if (pause)
		WRITE_ONCE(rb->paused, 1);
	else if (rb->nr_pages)
		WRITE_ONCE(rb->paused, 0);
}

void perf_buffer_reset(struct perf_buffer *rb, unsigned long pos)
{
	local_set(&rb->head, pos);
	/* Wakeup arithmetic runs on byte counts, which backward is -pos. */
	local_set(&rb->wakeup, rb->backward ? -pos : pos);
	local_set(&rb->events, 0);
	local_set(&rb->lost, 0);
	local_set(&rb->lost_total, 0);
	rb->nest = 0;
	rb->paused = !rb->nr_pages;
	WRITE_ONCE(rb->user_page->data_head, pos);
	WRITE_ONCE(rb->user_page->data_tail, pos);
}
