/* The sample path's record writer, inline where samples are taken
 * (tracepoint.c, sources.c) so that a plain hit is one function: a
 * sample of the fixed fields and RAW only (an event's fast_sample),
 * laid out in place in the ring. Included after internal.h; everything
 * here runs in any context (task with interrupts off, IRQ, NMI). */
#pragma once
#include <kernel/clock.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/thread.h>
#include <arch/clock.h>
#include <arch/string.h>
#include "internal.h"
#include "ring_buffer_inline.h"

/* The header and fixed fields of a sample of FAST_FIELDS only (size
 * bytes in all), laid out at w; returns where RAW goes. */
static __always_inline u64 *fill_fixed(const struct perf_event *e, const struct perf_sample *s,
				       u64 *w, u32 size, u64 now)
{
	u64 st = e->attr.sample_type, id = perf_primary_id(e);
	struct perf_event_header hdr = {
		.type = PERF_RECORD_SAMPLE,
		.misc = s->user ? PERF_RECORD_MISC_USER : PERF_RECORD_MISC_KERNEL,
		.size = (u16)size,
	};
	__builtin_memcpy(w++, &hdr, sizeof(hdr));
	if (st & PERF_SAMPLE_IDENTIFIER)
		*w++ = id;
	if (st & PERF_SAMPLE_IP)
		*w++ = s->ip;
	if (st & PERF_SAMPLE_TID) {
		u64 v = s->pid_tid;
		if (!v) {
			struct thread *t = current_thread();
			v = t && t->proc ? ((u64)t->tid << 32) | (u32)t->proc->pid : 0;
		}
		*w++ = v;
	}
	if (st & PERF_SAMPLE_TIME)
		*w++ = now;
	if (st & PERF_SAMPLE_ADDR)
		*w++ = s->addr;
	if (st & PERF_SAMPLE_ID)
		*w++ = id;
	/* Rarer in these samples: one test when none is asked for. */
	if (st & (PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD)) {
		if (st & PERF_SAMPLE_STREAM_ID)
			*w++ = e->id;
		if (st & PERF_SAMPLE_CPU)
			*w++ = this_cpu_id();
		if (st & PERF_SAMPLE_PERIOD)
			*w++ = s->period;
	}
	return w;
}

/* A sample of FAST_FIELDS only (size bytes, raw_size as in the record),
 * laid out at w, all of it. */
static __always_inline void fill_fast(const struct perf_event *e, const struct perf_sample *s,
				      u64 *w, u32 size, u32 raw_size, u64 now,
				      perf_raw_fill_fn raw_fill, const void *raw_ctx)
{
	w = fill_fixed(e, s, w, size, now);
	if (e->attr.sample_type & PERF_SAMPLE_RAW) {
		/* u32 size, then the payload and zeros up to the next u64
		 * (raw_size is 4 below a multiple of 8: whole u32s). */
		u8 *d = (u8 *)w;
		const u8 *src = s->raw;
		/* The padding: zero the record's last u64 first, then write
		 * the payload over what of it is not padding. */
		*(u64 *)(d + 4 + raw_size - 8) = 0;
		*(u32 *)d = raw_size;
		d += 4;
		if (raw_fill) {
			raw_fill(d, raw_ctx);
		} else {
			arch_copy_quads(&d, &src, s->raw_size / 8);
			for (u32 b = s->raw_size & ~7u; b < s->raw_size; b++)
				*d++ = *src++;
		}
	}
}

/* A sample of FAST_FIELDS only: the same record as the general path
 * (output.c), laid out in place in the ring where rb_record_at allows
 * (always with the buffer mapped twice), else written piece by piece,
 * with the clock read once and the ring core inline (rb_begin_fast). */
static __always_inline void output_fast(struct perf_event *e, struct perf_mmap *pm,
					const struct perf_sample *s, perf_raw_fill_fn raw_fill,
					const void *raw_ctx)
{
	u64 st = e->attr.sample_type;
	u32 size = e->sample_size, raw_size = 0;
	if (st & PERF_SAMPLE_RAW) {     /* size field + data, padded to 8 */
		raw_size = (u32)ALIGN_UP(s->raw_size + 4, 8) - 4;
		size += 4 + raw_size;
	}
	u64 now = arch_clock_ns_inline();       /* clock_ns(), inline */
	struct perf_output_handle h;
	unsigned long off;
	int rc = rb_begin_fast(&h, &pm->core, (local_t *)&e->lost_samples,
			       e->sample_wakeup, size, &off);
	if (unlikely(rc)) {
		if (rc > 0) {
			/* A copy, so that s stays in registers on the hot
			 * path (its address never escapes). */
			struct perf_sample c = *s;
			perf_output_fast_staged(e, pm, &c, size, raw_size, now, raw_fill, raw_ctx);
		}
		return;                 /* else no room: counted lost by the core */
	}
	u64 *ring = rb_record_at(&pm->core, off, size);
	if (likely(ring)) {
		fill_fast(e, s, ring, size, raw_size, now, raw_fill, raw_ctx);
	} else {
		struct perf_sample c = *s;      /* as above */
		perf_output_fast_at(pm, off, e, &c, size, raw_size, now, raw_fill, raw_ctx);
	}
	rb_end_fast(&h);
}

/* One software or tracepoint hit on a plain event (perf_compute_sizes)
 * with nothing owed on overflow (no REFRESH limit, no O_ASYNC, not
 * throttled): count, and sample when a period ends, in a few dozen
 * instructions. o is e's original (e itself unless inherited);
 * known_plain: the caller checked e->plain (tp_fast_id). The tick's
 * overflow budget is not kept: these overflows never throttle (only timer
 * and NMI ones, and the second of one count, do). False: not plain now,
 * take the general path. */
static __always_inline bool perf_plain_hit_o(struct perf_event *e, const struct perf_event *o,
					     struct perf_sample *s, bool known_plain,
					     perf_raw_fill_fn raw_fill, const void *raw_ctx)
{
	if ((!known_plain && !e->plain) || READ_ONCE(e->event_limit) || READ_ONCE(e->pending_disable) ||
	    READ_ONCE(e->throttled) || READ_ONCE(o->fasync))
		return false;
	local_inc(&e->count);
	if (!e->period)
		return true;
	if (e->attr.sample_type & PERF_SAMPLE_PERIOD) {
		s->period = 1;          /* every hit samples (perf_sw_event) */
	} else {
		if (--e->period_left > 0)
			return true;
		e->period_left += (s64)e->period;
		s->period = e->period;
	}
	/* perf_event_out(e), with o known. */
	struct perf_mmap *pm = READ_ONCE(o->out);
	if (pm)
		output_fast(e, pm, s, raw_fill, raw_ctx);
	return true;
}

static __always_inline bool perf_plain_hit(struct perf_event *e, struct perf_sample *s)
{
	return perf_plain_hit_o(e, e->parent ? e->parent : e, s, false, NULL, NULL);
}
