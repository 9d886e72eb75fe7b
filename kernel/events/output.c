/* Building records: PERF_RECORD_SAMPLE with the fields sample_type asks
 * for, in the ABI's order, plus THROTTLE/UNTHROTTLE and SWITCH records
 * with the sample_id_all trailer. Everything here runs in any context
 * (task, IRQ, NMI): no locks, no faults, fixed-size stack buffers. */
#include <lib/string.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/proc.h>
#include <kernel/usermem.h>
#include "internal.h"
#include "output_fast.h"
#include <kernel/arch/cpu.h>
#include <kernel/arch/perf.h>
#include <arch/string.h>

#define ID_FIELDS (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
		   PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER)
/* Fields that are one u64 each (or two u32) in a sample. */
#define FIXED_FIELDS (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
		      PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | \
		      PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | \
		      PERF_SAMPLE_WEIGHT | PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_TRANSACTION | \
		      PERF_SAMPLE_PHYS_ADDR | PERF_SAMPLE_CGROUP | \
		      PERF_SAMPLE_DATA_PAGE_SIZE | PERF_SAMPLE_CODE_PAGE_SIZE)
/* Fixed fields Ringtail cannot know: reported as zero, as Linux does for
 * events that cannot know them. In the record they sit on either side of
 * REGS_INTR (ZERO_A before it, ZERO_B after). */
#define ZERO_A (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_TRANSACTION)
#define ZERO_B (PERF_SAMPLE_PHYS_ADDR | PERF_SAMPLE_CGROUP | PERF_SAMPLE_DATA_PAGE_SIZE | \
		PERF_SAMPLE_CODE_PAGE_SIZE)
/* Samples of only these fields (most tracepoint and software samples)
 * take output_fast(). */
#define FAST_FIELDS (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
		     PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | \
		     PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW)
#define REGS_ABI_NONE 0
#define REGS_ABI_64   2

/* No libgcc in the kernel, so no __builtin_popcountll without POPCNT. */
static int bits_set(u64 v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

void perf_compute_sizes(struct perf_event *e)
{
	u64 st = e->attr.sample_type;
	e->id_size = (u16)(bits_set(st & ID_FIELDS) * 8);
	e->sample_size = (u16)(sizeof(struct perf_event_header) +
			       bits_set(st & FIXED_FIELDS) * 8);
	e->zero_a = (u8)bits_set(st & ZERO_A);
	e->fast_sample = !(st & ~(u64)FAST_FIELDS);
	e->plain = e->fast_sample && !e->attr.sigtrap && !e->attr.freq;
	e->zero_b = (u8)bits_set(st & ZERO_B);
	e->tp_fast_id = perf_tp_fast_id(e);
	/* 0 with a byte watermark: only the watermark wakes (Linux). */
	e->sample_wakeup = e->attr.watermark ? 0 : e->attr.wakeup_events;
}

/* The sample_id_all trailer, in Linux's order. Returns words written. */
static int fill_id(const struct perf_event *e, u64 *w, u64 now)
{
	u64 st = e->attr.sample_type;
	struct thread *t = current_thread();
	int n = 0;
	if (st & PERF_SAMPLE_TID)
		w[n++] = t && t->proc ? ((u64)t->tid << 32) | (u32)t->proc->pid : 0;
	if (st & PERF_SAMPLE_TIME)
		w[n++] = now;
	if (st & PERF_SAMPLE_ID)
		w[n++] = perf_primary_id(e);
	if (st & PERF_SAMPLE_STREAM_ID)
		w[n++] = e->id;
	if (st & PERF_SAMPLE_CPU)
		w[n++] = this_cpu_id();
	if (st & PERF_SAMPLE_IDENTIFIER)
		w[n++] = perf_primary_id(e);
	return n;
}

static void output_ctx(const struct perf_event *e, struct perf_output_ctx *ctx, u64 *idbuf,
		       bool sample)
{
	ctx->id = perf_primary_id(e);
	ctx->sample_id = NULL;
	ctx->sample_id_size = 0;
	if (e->attr.sample_id_all) {
		ctx->sample_id = idbuf;
		ctx->sample_id_size = (u32)fill_id(e, idbuf, clock_ns()) * 8;
	}
	ctx->wakeup_events = 0;
	if (sample && !e->attr.watermark)       /* 0: only the watermark wakes (Linux) */
		ctx->wakeup_events = e->attr.wakeup_events;
	ctx->lost_samples = (local_t *)&e->lost_samples;
}

/* Callchain: kernel frames (if the sample hit the kernel), then the user
 * frames of the current thread, each part behind its context marker. */
static int build_callchain(const struct perf_event *e, const struct perf_sample *s, u64 *ips)
{
	int max = e->attr.sample_max_stack ? e->attr.sample_max_stack
					    : READ_ONCE(sysctl_perf_event_max_stack);
	int n = 0;
	const struct trap_frame *r = s->regs;
	if (!e->attr.exclude_callchain_kernel && r && !trap_from_user(r) && n + 1 < max) {
		ips[n++] = PERF_CONTEXT_KERNEL;
		n += arch_backtrace_from(r->rip, r->rbp, ips + n, max - n);
	}
	struct thread *t = current_thread();
	const struct trap_frame *u = r && trap_from_user(r) ? r : (t && t->proc ? t->uframe : NULL);
	if (!e->attr.exclude_callchain_user && u && n + 2 < max) {
		ips[n++] = PERF_CONTEXT_USER;
		ips[n++] = u->rip;
		u64 fp = u->rbp;
		/* User frames are read without faulting (NMI context). */
		while (n < max && fp && !(fp & 7)) {
			u64 fr[2];
			if (copy_from_user_nofault(fr, fp, sizeof(fr)) || !fr[1])
				break;
			ips[n++] = fr[1];
			if (fr[0] <= fp)
				break;
			fp = fr[0];
		}
	}
	return n;
}

/* An event's enabled and running times at now, without writing them (a
 * sample may be written in an NMI that interrupted their update; then
 * this sample's times may be off by the interrupted interval, never the
 * event's own totals). */
static void times_at(const struct perf_event *e, u64 now, u64 *enabled, u64 *running)
{
	u64 te = READ_ONCE(e->tstamp_enabled), tr = READ_ONCE(e->tstamp_running);
	*enabled = READ_ONCE(e->time_enabled);
	*running = READ_ONCE(e->time_running);
	if (READ_ONCE(e->state) == PERF_ON && te && now > te)
		*enabled += now - te;
	if (READ_ONCE(e->active) && tr && now > tr)
		*running += now - tr;
}

/* The read words of a sample (PERF_SAMPLE_READ) or READ record: exactly
 * words of them (perf_read_words, just before, in the same context; the
 * member list cannot change in between, see group.c). */
static void output_read(struct perf_output_handle *h, const struct perf_event *e, u64 now,
			u32 words)
{
	u64 f = e->attr.read_format, w[4], en, run;
	u32 n = 0, put = 0;
	const struct perf_event *l = READ_ONCE(e->leader);
	const struct perf_event *m = f & PERF_FORMAT_GROUP ? l : e;
	times_at(m, now, &en, &run);
	/* Alone: the value first; a group: the count of members. */
	w[n++] = f & PERF_FORMAT_GROUP
		? (words - 1 - !!(f & PERF_FORMAT_TOTAL_TIME_ENABLED) -
		   !!(f & PERF_FORMAT_TOTAL_TIME_RUNNING)) /
		  (1 + !!(f & PERF_FORMAT_ID) + !!(f & PERF_FORMAT_LOST))
		: local_read((local_t *)&e->count);
	if (f & PERF_FORMAT_TOTAL_TIME_ENABLED)
		w[n++] = en;
	if (f & PERF_FORMAT_TOTAL_TIME_RUNNING)
		w[n++] = run;
	perf_output_copy(h, w, n * 8);
	put += n;
	const struct list_node *pos = &l->siblings;
	while (put < words) {
		n = 0;
		if (f & PERF_FORMAT_GROUP)
			w[n++] = local_read((local_t *)&m->count);
		if (f & PERF_FORMAT_ID)
			w[n++] = perf_primary_id(m);
		if (f & PERF_FORMAT_LOST)
			w[n++] = local_read((local_t *)&m->lost_samples);
		perf_output_copy(h, w, n * 8);
		put += n;
		pos = READ_ONCE(pos->next);
		if (pos == &l->siblings)
			break;
		m = list_entry(pos, struct perf_event, sibling_node);
	}
	static const u64 zero;
	for (; put < words; put++)      /* never: the list cannot shrink here */
		perf_output_copy(h, &zero, 8);
}

/* PERF_RECORD_READ { pid, tid, the read values, sample_id }: what an
 * inherited copy counted in its own task, written as the task exits
 * (attr.inherit_stat, Linux's sync_child_event). */
void perf_output_read_record(struct perf_event *e, const struct thread *t)
{
	struct perf_mmap *pm = perf_event_out(e);
	if (!pm || !t->proc)
		return;
	u32 words = perf_read_words(e);
	u64 idbuf[8];
	int nid = perf_sample_id(e, idbuf);
	u32 size = 16 + words * 8 + (u32)nid * 8;
	struct perf_event_header hdr = { .type = PERF_RECORD_READ, .size = (u16)size };
	u32 ids[2] = { (u32)t->proc->pid, (u32)t->tid };
	struct perf_output_ctx ctx;
	u64 lostid[8];
	perf_side_output_ctx(e, &ctx, lostid);
	struct perf_output_handle h;
	if (size > 0xffff || perf_output_begin(&h, &pm->core, &ctx, size))
		return;
	perf_output_copy(&h, &hdr, sizeof(hdr));
	perf_output_copy(&h, ids, sizeof(ids));
	output_read(&h, e, clock_ns(), words);
	perf_output_copy(&h, idbuf, (u32)nid * 8);
	perf_output_end(&h);
}

/* The user registers of the moment: the interrupted ones if the sample
 * hit user mode, else the task's saved user frame; none in a kernel
 * thread (ABI_NONE). */
static const struct trap_frame *user_regs(const struct perf_sample *s)
{
	struct thread *t = current_thread();
	if (s->regs && trap_from_user(s->regs))
		return s->regs;
	return t && t->proc ? t->uframe : NULL;
}

static void output_regs(struct perf_output_handle *h, const struct trap_frame *r, u64 mask)
{
	u64 abi = r ? REGS_ABI_64 : REGS_ABI_NONE;
	perf_output_copy(h, &abi, 8);
	for (int i = 0; r && i < 64; i++) {
		if (mask & (1ull << i)) {
			u64 v = arch_perf_reg_value(r, i);
			perf_output_copy(h, &v, 8);
		}
	}
}

/* PERF_SAMPLE_STACK_USER's size for this sample: what was asked, no more
 * than the record can hold, 0 without user registers (Linux's
 * perf_sample_ustack_size). */
static u64 ustack_size(const struct perf_event *e, const struct trap_frame *ur, u32 fixed)
{
	if (!ur)
		return 0;
	u64 size = e->attr.sample_stack_user;
	u64 room = 0xffff - fixed - 16;
	return ALIGN_DOWN(MIN(size, room), 8);
}

/* size bytes of user stack from sp, copied without faulting (NMI
 * context); what could not be read is zeros. Returns the bytes read
 * (dyn_size). */
static u64 output_ustack(struct perf_output_handle *h, u64 sp, u64 size)
{
	u8 buf[256];
	u64 done = 0, good = 0;
	bool faulted = false;
	while (done < size) {
		u64 n = MIN(size - done, (u64)sizeof(buf));
		if (faulted || copy_from_user_nofault(buf, sp + done, n)) {
			faulted = true;
			__builtin_memset(buf, 0, n);
		} else {
			good += n;
		}
		perf_output_copy(h, buf, (u32)n);
		done += n;
	}
	return good;
}

/* output_fast's record when its buffer needs the general begin (backward,
 * paused, a LOST record owed first): staged, then copied. */
/* output_fast's record through a handle, piece by piece: records of any
 * size, across page and buffer ends. */
static void output_fast_pieces(struct perf_output_handle *h, const struct perf_event *e,
			       const struct perf_sample *s, u32 size, u32 raw_size, u64 now,
			       perf_raw_fill_fn raw_fill, const void *raw_ctx)
{
	static const u8 zero[8];
	u64 fixed[16];
	u64 *end = fill_fixed(e, s, fixed, size, now);
	perf_output_copy(h, fixed, (u32)(end - fixed) * 8);
	if (!(e->attr.sample_type & PERF_SAMPLE_RAW))
		return;
	perf_output_copy(h, &raw_size, 4);
	if (raw_fill) {
		u64 tmp[PERF_RAW_FILL_MAX / 8];
		raw_fill(tmp, raw_ctx);
		perf_output_copy(h, tmp, MIN(s->raw_size, (u32)sizeof(tmp)));
	} else {
		perf_output_copy(h, s->raw, s->raw_size);
	}
	perf_output_copy(h, zero, raw_size - s->raw_size);
}

void perf_output_fast_staged(struct perf_event *e, struct perf_mmap *pm,
			     const struct perf_sample *s, u32 size, u32 raw_size, u64 now,
			     perf_raw_fill_fn raw_fill, const void *raw_ctx)
{
	u64 idbuf[8];
	struct perf_output_ctx ctx;
	output_ctx(e, &ctx, idbuf, true);
	struct perf_output_handle h;
	if (perf_output_begin(&h, &pm->core, &ctx, size))
		return;                 /* no room: counted lost by the core */
	output_fast_pieces(&h, e, s, size, raw_size, now, raw_fill, raw_ctx);
	perf_output_end(&h);
}

void perf_output_fast_at(struct perf_mmap *pm, unsigned long off, const struct perf_event *e,
			 const struct perf_sample *s, u32 size, u32 raw_size, u64 now,
			 perf_raw_fill_fn raw_fill, const void *raw_ctx)
{
	struct perf_output_handle h;
	rb_copy_handle(&h, &pm->core, off, size);
	output_fast_pieces(&h, e, s, size, raw_size, now, raw_fill, raw_ctx);
}

void perf_output_sample_record(struct perf_event *e, const struct perf_sample *s)
{
	struct perf_mmap *pm = perf_event_out(e);
	if (!pm)
		return;                 /* not mapped: nowhere to record (as Linux) */
	if (e->fast_sample) {
		output_fast(e, pm, s, NULL, NULL);
		return;
	}
	u64 st = e->attr.sample_type;
	u64 now = clock_ns();
	u64 chain[PERF_MAX_STACK + 4];
	int nchain = (st & PERF_SAMPLE_CALLCHAIN) ? build_callchain(e, s, chain) : 0;
	u32 nread = (st & PERF_SAMPLE_READ) ? perf_read_words(e) : 0;
	u32 raw_size = 0;
	if (st & PERF_SAMPLE_RAW)       /* size field + data, padded to 8 */
		raw_size = (u32)ALIGN_UP(s->raw_size + 4, 8) - 4;

	u32 size = e->sample_size + nread * 8;
	if (st & PERF_SAMPLE_CALLCHAIN)
		size += 8 + nchain * 8;
	if (st & PERF_SAMPLE_RAW)
		size += 4 + raw_size;
	const struct trap_frame *ur = NULL, *ir = NULL;
	struct trap_frame kregs;
	if (st & (PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER))
		ur = user_regs(s);
	if (st & PERF_SAMPLE_REGS_USER)
		size += 8 + (ur ? (u32)bits_set(e->attr.sample_regs_user) * 8 : 0);
	if (st & PERF_SAMPLE_REGS_INTR) {
		ir = s->regs;
		if (!ir) {
			trap_capture_kernel(&kregs);
			ir = &kregs;
		}
		size += 8 + (u32)bits_set(e->attr.sample_regs_intr) * 8;
	}
	u64 ustack = 0;
	if (st & PERF_SAMPLE_STACK_USER) {
		ustack = ustack_size(e, ur, size);
		size += 8 + (ustack ? (u32)ustack + 8 : 0);
	}
	if (size > 0xffff)
		return;
	struct perf_event_header hdr = {
		.type = PERF_RECORD_SAMPLE,
		.misc = s->user ? PERF_RECORD_MISC_USER : PERF_RECORD_MISC_KERNEL,
		.size = (u16)size,
	};
	u64 idbuf[8];
	struct perf_output_ctx ctx;
	output_ctx(e, &ctx, idbuf, true);
	struct perf_output_handle h;
	if (perf_output_begin(&h, &pm->core, &ctx, size))
		return;                 /* no room: counted lost by the core */

	/* The header and the fixed fields, in ABI order, gathered for one
	 * copy; the variable parts follow as they are. */
	u64 w[24];
	int n = 0;
	__builtin_memcpy(&w[n++], &hdr, sizeof(hdr));
	struct thread *t = current_thread();
	if (st & PERF_SAMPLE_IDENTIFIER)
		w[n++] = perf_primary_id(e);
	if (st & PERF_SAMPLE_IP)
		w[n++] = s->ip;
	if (st & PERF_SAMPLE_TID)
		w[n++] = t && t->proc ? ((u64)t->tid << 32) | (u32)t->proc->pid : 0;
	if (st & PERF_SAMPLE_TIME)
		w[n++] = now;
	if (st & PERF_SAMPLE_ADDR)
		w[n++] = s->addr;
	if (st & PERF_SAMPLE_ID)
		w[n++] = perf_primary_id(e);
	if (st & PERF_SAMPLE_STREAM_ID)
		w[n++] = e->id;
	if (st & PERF_SAMPLE_CPU)
		w[n++] = this_cpu_id();
	if (st & PERF_SAMPLE_PERIOD)
		w[n++] = s->period;
	perf_output_copy(&h, w, n * 8);
	if (st & PERF_SAMPLE_READ)
		output_read(&h, e, now, nread);
	if (st & PERF_SAMPLE_CALLCHAIN) {
		u64 nr = (u64)nchain;
		perf_output_copy(&h, &nr, 8);
		perf_output_copy(&h, chain, nchain * 8);
	}
	if (st & PERF_SAMPLE_RAW) {
		static const u8 zero[8];
		perf_output_copy(&h, &raw_size, 4);
		perf_output_copy(&h, s->raw, s->raw_size);
		if (raw_size > s->raw_size)
			perf_output_copy(&h, zero, raw_size - s->raw_size);
	}
	static const u64 zeros[7];
	if (st & PERF_SAMPLE_REGS_USER)
		output_regs(&h, ur, e->attr.sample_regs_user);
	if (st & PERF_SAMPLE_STACK_USER) {
		perf_output_copy(&h, &ustack, 8);
		if (ustack) {
			u64 dyn = output_ustack(&h, arch_perf_user_sp(ur), ustack);
			perf_output_copy(&h, &dyn, 8);
		}
	}
	perf_output_copy(&h, zeros, e->zero_a * 8u);
	if (st & PERF_SAMPLE_REGS_INTR)
		output_regs(&h, ir, e->attr.sample_regs_intr);
	perf_output_copy(&h, zeros, e->zero_b * 8u);
	perf_output_end(&h);
}

int perf_sample_id(const struct perf_event *e, u64 *w)
{
	return e->attr.sample_id_all ? fill_id(e, w, clock_ns()) : 0;
}

void perf_side_output_ctx(const struct perf_event *e, struct perf_output_ctx *ctx, u64 *idbuf)
{
	output_ctx(e, ctx, idbuf, false);
}

/* A record that is only a header, a few words and the sample_id trailer. */
static void output_simple(struct perf_event *e, u32 type, u16 misc, const u64 *words, int n)
{
	struct perf_mmap *pm = perf_event_out(e);
	if (!pm)
		return;
	u64 idbuf[8];
	int nid = e->attr.sample_id_all ? fill_id(e, idbuf, clock_ns()) : 0;
	struct perf_event_header hdr = {
		.type = type, .misc = misc, .size = (u16)(8 + n * 8 + nid * 8),
	};
	struct perf_output_ctx ctx;
	u64 lostid[8];
	output_ctx(e, &ctx, lostid, false);
	struct perf_output_handle h;
	if (perf_output_begin(&h, &pm->core, &ctx, hdr.size))
		return;
	perf_output_copy(&h, &hdr, sizeof(hdr));
	perf_output_copy(&h, words, n * 8);
	perf_output_copy(&h, idbuf, nid * 8);
	perf_output_end(&h);
}

/* { header; u64 time; u64 id; u64 stream_id; sample_id } */
void perf_output_throttle(struct perf_event *e, bool throttle)
{
	u64 w[3] = { clock_ns(), perf_primary_id(e), e->id };
	output_simple(e, throttle ? PERF_RECORD_THROTTLE : PERF_RECORD_UNTHROTTLE, 0, w, 3);
}

/* PERF_RECORD_SWITCH { header; sample_id } for per-task events, and
 * PERF_RECORD_SWITCH_CPU_WIDE { header; u32 pid, tid of the other task;
 * sample_id } for per-CPU ones. */
void perf_output_switch(struct perf_event *e, bool out, bool preempt, struct thread *other)
{
	u16 misc = out ? PERF_RECORD_MISC_SWITCH_OUT : 0;
	if (out && preempt)
		misc |= PERF_RECORD_MISC_SWITCH_OUT_PREEMPT;
	if (e->task) {          /* a task's event, whatever its cpu */
		output_simple(e, PERF_RECORD_SWITCH, misc, NULL, 0);
	} else {
		u64 w = 0;
		if (other && other->proc)
			w = ((u64)other->tid << 32) | (u32)other->proc->pid;
		output_simple(e, PERF_RECORD_SWITCH_CPU_WIDE, misc, &w, 1);
	}
}
