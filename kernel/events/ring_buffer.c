/* The perf ring buffer core; API and usage in ring_buffer.h, the hot path
 * (rb_reserve, rb_begin, rb_begin_fast, rb_put_handle, rb_end) inline in
 * ring_buffer_inline.h.
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
#include "ring_buffer_inline.h"

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

void rb_copy_handle(struct perf_output_handle *h, struct perf_buffer *rb, unsigned long offset,
		    unsigned long size)
{
	unsigned long in = offset & (PERF_RB_PAGE_SIZE - 1);

	*h = (struct perf_output_handle){ .rb = rb, .left = size };
	h->page = (offset >> PERF_RB_PAGE_SHIFT) & (rb->nr_pages - 1);
	h->addr = (u8 *)rb->data_pages[h->page] + in;
	h->size = PERF_RB_PAGE_SIZE - in;
}

void rb_write_at(struct perf_buffer *rb, unsigned long offset, const void *src,
		 unsigned long size)
{
	struct perf_output_handle h;

	rb_copy_handle(&h, rb, offset, size);
	__perf_output_copy(&h, src, (unsigned int)size);
}

void perf_output_end(struct perf_output_handle *h)
{
	rb_end(h);
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
		.data_twice = cfg->nr_pages ? cfg->data_twice : NULL,
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
