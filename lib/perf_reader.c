/* Reader side of the perf ring buffer; see lib/include/lib/perf_reader.h.
 * Barrier pairing (A with D, B with C) is described at the top of
 * kernel/events/ring_buffer.c. data_head and every header are treated as
 * untrusted: all reads are masked into the data area and bounded by the
 * window, so a corrupt buffer ends a pass early but never reads outside. */
#include <lib/types.h>
#include <arch/barrier.h>
#include <linux/perf_event.h>
#include <lib/perf_reader.h>

void perf_reader_init(struct perf_reader *r, struct perf_event_mmap_page *up, const void *data,
		      u64 data_size, unsigned int flags, void *scratch, u32 scratch_size)
{
	r->up = up;
	r->data = data;
	r->size = data_size;
	r->mask = data_size - 1;
	r->flags = flags;
	r->prev = READ_ONCE(up->data_tail);
	r->head = r->start = r->end = r->prev;
	r->scratch = scratch;
	r->scratch_size = scratch_size;
	r->overrun = false;
	r->error = PERF_READER_OK;
}

/* Copy len bytes at position pos, across the end of the data area. */
static void rd_copy(const struct perf_reader *r, u64 pos, void *dst, u64 len)
{
	u64 off = pos & r->mask;
	u64 first = r->size - off;

	if (first >= len) {
		__builtin_memcpy(dst, r->data + off, len);
	} else {
		__builtin_memcpy(dst, r->data + off, first);
		__builtin_memcpy((u8 *)dst + first, r->data, len - first);
	}
}

static u16 rd_size(const struct perf_reader *r, u64 pos)
{
	u64 off = pos & r->mask;
	struct perf_event_header h;

	/* Records are multiples of 8 bytes, so a header never crosses the
	 * end of the data area unless the position is not a record's. */
	if (off + sizeof(h) <= r->size)
		__builtin_memcpy(&h, r->data + off, sizeof(h));
	else
		rd_copy(r, pos, &h, sizeof(h));
	return h.size;
}

/* Backward window longer than the buffer: keep the newest whole records
 * that fit in one buffer length, stopping at never-written (zero) space. */
static u64 rd_backward_range(const struct perf_reader *r, u64 start)
{
	u64 pos = start;

	for (;;) {
		u16 sz = rd_size(r, pos);

		if (sz < sizeof(struct perf_event_header) || (sz & 7) || pos + sz - start > r->size)
			return pos;
		pos += sz;
	}
}

u64 perf_reader_begin(struct perf_reader *r)
{
	/* (C): record bytes are loaded only after data_head; pairs with (B)
	 * in rb_put_handle(). */
	u64 head = smp_load_acquire(&r->up->data_head);

	r->head = head;
	r->overrun = false;
	r->error = PERF_READER_OK;
	if (!(r->flags & PERF_READER_BACKWARD)) {
		r->start = r->prev;
		r->end = head;
		if (head - r->prev > r->size) {
			/* Overwritten before we got here: no record boundary is
			 * known any more, so resynchronise at head. */
			r->overrun = true;
			r->start = head;
			r->prev = head;
			/* (D), as in perf_reader_consume(); pairs with (A)
			 * in rb_reserve(). */
			if (!(r->flags & PERF_READER_OVERWRITE))
				smp_store_release(&r->up->data_tail, head);
		}
	} else {
		r->start = head;
		r->end = r->prev;
		if (r->prev - head > r->size) {
			r->overrun = true;
			r->end = rd_backward_range(r, head);
		}
	}
	return r->end - r->start;
}

const struct perf_event_header *perf_reader_next(struct perf_reader *r)
{
	u64 avail = r->end - r->start;
	u64 off = r->start & r->mask;
	u16 sz;

	if (avail < sizeof(struct perf_event_header))
		return NULL;
	sz = rd_size(r, r->start);
	if (sz < sizeof(struct perf_event_header) || (sz & 7) || sz > avail) {
		/* Backward windows end at never-written space, which reads as
		 * zero; anything else is a broken record. */
		if (!(sz == 0 && (r->flags & PERF_READER_BACKWARD)))
			r->error = PERF_READER_BAD_HEADER;
		r->end = r->start;
		return NULL;
	}
	if (off + sz <= r->size) {
		r->start += sz;
		return (const struct perf_event_header *)(r->data + off);
	}
	if (sz > r->scratch_size) {
		r->error = PERF_READER_NO_SCRATCH;
		return NULL;
	}
	rd_copy(r, r->start, r->scratch, sz);
	r->start += sz;
	return (const struct perf_event_header *)r->scratch;
}

void perf_reader_consume(struct perf_reader *r)
{
	u64 pos = (r->flags & PERF_READER_BACKWARD) ? r->head : r->start;

	r->prev = pos;
	/* (D): our loads of the records are done before the writer may reuse
	 * their space; pairs with (A) in rb_reserve(). */
	if (!(r->flags & PERF_READER_OVERWRITE))
		smp_store_release(&r->up->data_tail, pos);
}
