/* The BPF ring buffer core; API, memory layout and handler model in
 * ringbuf.h.
 *
 * Positions
 *   consumer_pos, producer_pos, pending_pos, overwrite_pos and rsv are byte
 *   counts that never wrap; position p is data byte p & mask. A record is an
 *   8-byte header {u32 len, u32 pg_off} and its sample, rounded up to 8.
 *   len carries BUSY until the record is submitted, then DISCARD if it was
 *   discarded. The consumer reads records from consumer_pos while below
 *   producer_pos and stops at the first BUSY one, so it always sees a prefix
 *   of the committed records, in reservation order.
 *
 * Reserving without a lock (Linux takes a spinlock, a trylock in NMI)
 *   rsv is the reservation point: a producer moves it from p to p + len
 *   with one cmpxchg, and then owns [p, p + len). producer_pos must not pass
 *   p before the BUSY header at p is written (the consumer would read stale
 *   bytes as a header), so it is published separately, in order:
 *   - the owner of p writes its header; if producer_pos == p already it
 *     stores producer_pos = p + len itself;
 *   - otherwise its predecessor is still between cmpxchg and publish: it
 *     sets its bit in the ready bitmap (one bit per 8 data bytes) and leaves
 *     (after re-checking, below); whoever publishes up to p next finds the
 *     bit, clears it, reads the header's length and publishes that record
 *     too, and so on down the chain.
 *   Nobody waits for anybody, so an NMI that interrupts a producer between
 *   its cmpxchg and its publish simply leaves its own record to it.
 *   Wakeups stay exact: a record is unpublished at its commit only while
 *   its predecessor is, so the consumer cannot be waiting at it; the
 *   predecessor publishes both before its own commit, which wakes it.
 *   Claiming a bit is an atomic test-and-clear, so of the owner (re-check)
 *   and the helper exactly one publishes a record. Bits cannot be stale from
 *   an older lap: a bit is cleared before producer_pos passes it, and only
 *   producers still inside reserve (so still BUSY, holding pending_pos at or
 *   below their record) look at bits, which keeps every later reservation
 *   below the next lap of the positions they look at.
 *
 * Space, and the pending_pos protection against a hostile consumer_pos
 *   A reservation fails (and counts a drop) if new_prod - consumer_pos >
 *   mask (not in overwrite mode) or new_prod - pending_pos > mask.
 *   consumer_pos is written by user space and may be anything; pending_pos
 *   is the kernel's own: it never passes a BUSY record, so no reservation
 *   can reach a record another producer is still writing, whatever
 *   consumer_pos says. It is a lower bound, advanced lazily: only when the
 *   check fails does a producer scan committed headers from pending_pos up
 *   to producer_pos and cmpxchg the result in. A scan that raced (with
 *   another scan, or with a producer already reusing that space, reading
 *   garbage like a seqlock reader) fails its cmpxchg and uses the winner's
 *   value; one that succeeds saw pending_pos unchanged, so nothing could
 *   have been reserved over the headers it read.
 *   Overwrite mode: the reservation moves overwrite_pos over whole old
 *   records until the new one fits (the same cmpxchg argument), before
 *   writing anything, and before publishing producer_pos.
 *
 * Barriers, labelled R.. to keep them apart from the perf ring's A-D
 * (x86-64 cost: loads and stores are plain MOVs, RMWs are locked)
 *
 *   producer (this file)                consumer (libbpf / user/libbpf)
 *   cons = LOAD consumer_pos     (RA)   prod = LOAD producer_pos     (RC)
 *   cmpxchg rsv; STORE header           len = LOAD header len        (RF)
 *   XCHG producer_pos            (RB)   LOAD sample bytes
 *   ...fill the sample...               STORE consumer_pos           (RD)
 *   XCHG header len (clear BUSY) (RE)
 *   LOAD consumer_pos (wakeup)
 *   (RE is a release store under NO_WAKEUP or FORCE_WAKEUP: no decision.)
 *
 *   RA pairs with RD: space is reused only after the consumer is done
 *   with its bytes. RB pairs with RC: headers below producer_pos are
 *   written. RE pairs with RF: a record's bytes are complete once BUSY is
 *   clear; RE is a full barrier so that the BUSY store is ordered before
 *   the load of consumer_pos deciding the wakeup (pairs with the
 *   consumer's store of consumer_pos before it re-checks for data and
 *   sleeps).
 *   (RP) RB is an xchg, a full barrier before reading rsv and the next
 *   ready bit; it pairs with the successor's locked bit set before it
 *   re-reads producer_pos: of the two, at least one sees the other, so no
 *   record is left unpublished. (RR) The bit set is a release and its
 *   claim an acquire: the helper reads a header written before the bit.
 *   (RE') The pending_pos and overwrite_pos scans load lengths with
 *   acquire (pairing with RE) and store their result with a release
 *   cmpxchg, which reserve loads with acquire: a producer reusing space is
 *   ordered after the producers of the records that were there.
 *
 *   User ring, the roles swap (user/libbpf/ringbuf.c is the producer):
 *   drain: prod = LOAD producer_pos (RG), len = LOAD header len (RH),
 *   read the sample, STORE consumer_pos (RI). RG pairs with the user's
 *   release of producer_pos, RH with its xchg at submit, RI with its acquire of
 *   consumer_pos before reusing space. Everything user space wrote is
 *   checked before use; reads are masked into the doubly mapped data.
 */
#include <lib/errno.h>
#include <arch/barrier.h>
#include <arch/preempt.h>
#include <kernel/test_hooks.h>
#include "ringbuf.h"

#define RB_PAGE BPF_RINGBUF_PAGE_SIZE
#define RB_FLAGS (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)
#define RB_WAKEUP_FLAGS (BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)
/* Pages before the data, as Linux's RINGBUF_PGOFF (1) + 2 on x86_64. */
#define RB_DATA_PGOFF 3

struct rb_hdr {
	u32 len;
	u32 pg_off;
};

static __always_inline struct rb_hdr *rb_hdr(const struct bpf_ringbuf *rb, unsigned long pos)
{
	return (struct rb_hdr *)(bpf_ringbuf_data(rb) + (pos & rb->mask));
}

/* Bytes a record occupies, from its header's len. */
static __always_inline u32 rb_rec_len(u32 len)
{
	return ALIGN_UP((len & ~RB_FLAGS) + BPF_RINGBUF_HDR_SZ, 8);
}

/* a is after b (positions never wrap, but compare like Linux's seqs). */
static __always_inline bool rb_after(unsigned long a, unsigned long b)
{
	return (long)(a - b) > 0;
}

static __always_inline unsigned long *rb_bit(const struct bpf_ringbuf *rb, unsigned long pos,
					     unsigned long *bit)
{
	unsigned long idx = (pos & rb->mask) >> 3;

	*bit = 1UL << (idx & 63);
	return &rb->ready[idx >> 6];
}

static void rb_drop(struct bpf_ringbuf *rb)
{
	__atomic_fetch_add(&bpf_ringbuf_producer(rb)->dropped, 1, __ATOMIC_RELAXED);
}

static void rb_wakeup(struct bpf_ringbuf *rb)
{
	if (rb->wakeup_fn)
		rb->wakeup_fn(rb, rb->wakeup_arg);
}

int bpf_ringbuf_check_attr(const union bpf_attr *attr)
{
	u32 type = attr->map_type, flags = attr->map_flags, size = attr->max_entries;

	if (type != BPF_MAP_TYPE_RINGBUF && type != BPF_MAP_TYPE_USER_RINGBUF)
		return -EINVAL;
	if (flags & ~(BPF_F_NUMA_NODE | BPF_F_RB_OVERWRITE))
		return -EINVAL;
	if ((flags & BPF_F_RB_OVERWRITE) && type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	if (attr->key_size || attr->value_size || !IS_POW2(size) || !IS_ALIGNED(size, RB_PAGE))
		return -EINVAL;
	/* One NUMA node (0); Linux's generic map_create checks. */
	if ((flags & BPF_F_NUMA_NODE) && attr->numa_node != 0)
		return -EINVAL;
	if (attr->map_extra || attr->btf_vmlinux_value_type_id)
		return -EINVAL;
	return 0;
}

struct bpf_ringbuf *bpf_ringbuf_init(void *area, u32 size, u32 map_type, u32 map_flags,
				     unsigned long *bitmap, bpf_ringbuf_wakeup_fn fn, void *arg)
{
	struct bpf_ringbuf *rb = area;
	bool kern = map_type == BPF_MAP_TYPE_RINGBUF;

	if (!area || !IS_POW2(size) || size < RB_PAGE || (kern && !bitmap) ||
	    (!kern && map_type != BPF_MAP_TYPE_USER_RINGBUF) ||
	    ((map_flags & BPF_F_RB_OVERWRITE) && !kern))
		return NULL;
	__builtin_memset(area, 0, 3 * RB_PAGE);
	rb->mask = size - 1;
	rb->map_type = map_type;
	rb->overwrite = map_flags & BPF_F_RB_OVERWRITE;
	rb->ready = bitmap;
	rb->wakeup_fn = fn;
	rb->wakeup_arg = arg;
	return rb;
}

/* --- kernel rings ------------------------------------------------------ */

/* Move pending_pos over committed records; returns a valid pending_pos. */
static unsigned long rb_advance_pending(struct bpf_ringbuf *rb)
{
	struct bpf_ringbuf_prod *pp = bpf_ringbuf_producer(rb);
	unsigned long pend = smp_load_acquire(&pp->pending_pos);
	/* (RC): every header below producer_pos is written; pairs with (RB). */
	unsigned long prod = smp_load_acquire(&pp->producer_pos);
	unsigned long pos = pend;

	/* Bounded: at most size / 8 kernel-written headers. Acquire (RE'):
	 * whoever reuses the space after this scan is ordered after the
	 * writers of these records, through pending_pos (release below,
	 * acquire in reserve). Plain loads on x86. */
	while (rb_after(prod, pos)) {
		u32 len = smp_load_acquire(&rb_hdr(rb, pos)->len);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		pos += rb_rec_len(len);
	}
	if (pos == pend)
		return pend;
	/* Success means pending_pos did not move while we read, so nothing
	 * was reserved over those headers; failure loads the winner's. */
	if (__atomic_compare_exchange_n(&pp->pending_pos, &pend, pos, false, __ATOMIC_RELEASE,
					__ATOMIC_ACQUIRE))
		return pos;
	return pend;
}

/* Overwrite mode: drop whole old records until [.., end) fits. */
static void rb_advance_overwrite(struct bpf_ringbuf *rb, unsigned long end)
{
	struct bpf_ringbuf_prod *pp = bpf_ringbuf_producer(rb);
	unsigned long over = smp_load_acquire(&pp->overwrite_pos);

	while ((long)(end - over) > (long)rb->mask) {
		unsigned long pos = over;

		/* Old records below pending_pos: committed, kernel-written;
		 * acquire as in rb_advance_pending. A walk that raced with a
		 * writer reads garbage but then fails the cmpxchg (see
		 * "Space" above); signed compare so garbage cannot run it
		 * past end. */
		while ((long)(end - pos) > (long)rb->mask)
			pos += rb_rec_len(smp_load_acquire(&rb_hdr(rb, pos)->len));
		/* Before producer_pos (RB), so a consumer that sees the new
		 * producer_pos also sees overwrite_pos. */
		if (__atomic_compare_exchange_n(&pp->overwrite_pos, &over, pos, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return;
	}
}

/* Room for a record ending at end? Linux's two checks; see "Space". */
static __always_inline bool rb_has_space(struct bpf_ringbuf *rb, unsigned long end,
					 unsigned long cons, unsigned long *pend)
{
	if (!rb->overwrite && end - cons > rb->mask)
		return false;   /* unsigned: a consumer_pos far ahead is "full" */
	/* Signed: a pend newer than a stale end must not fail us (the
	 * cmpxchg will); with the current pos, pend <= pos. */
	if ((long)(end - *pend) <= (long)rb->mask)
		return true;
	*pend = rb_advance_pending(rb);
	return (long)(end - *pend) <= (long)rb->mask;
}

/* Publish [pos, end), whose header is written, and every ready record
 * after it. See "Reserving without a lock" above. */
static void rb_publish(struct bpf_ringbuf *rb, unsigned long pos, unsigned long end)
{
	unsigned long *prod = &bpf_ringbuf_producer(rb)->producer_pos;
	unsigned long bit, *word;

	/* The loads of producer_pos, rsv and bits are seq_cst (plain MOVs on
	 * x86) so that C11, and TSan, also promise what (RP) relies on. */
	if (__atomic_load_n(prod, __ATOMIC_SEQ_CST) != pos) {
		/* Predecessor unpublished: hand over. (RR) release of our
		 * header, and (RP) a locked RMW before the re-check. */
		word = rb_bit(rb, pos, &bit);
		__atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
		bpf_rb_test_hook(rb, BPF_RB_STEP_BIT_SET);
		if (__atomic_load_n(prod, __ATOMIC_SEQ_CST) != pos)
			return;         /* it will see the bit (RP) */
		if (!(__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST) & bit))
			return;         /* it took the bit first */
	}
	for (;;) {
		/* (RB): headers below end are written; pairs with (RC). An
		 * xchg rather than a store, for (RP): producer_pos is stored
		 * before we look for a successor; pairs with the successor's
		 * bit set before its re-check. */
		__atomic_exchange_n(prod, end, __ATOMIC_SEQ_CST);
		bpf_rb_test_hook(rb, BPF_RB_STEP_PUBLISHED);
		if (__atomic_load_n(&rb->rsv, __ATOMIC_SEQ_CST) == end)
			return;         /* none yet: a later one sees prod == its pos */
		word = rb_bit(rb, end, &bit);
		if (!(__atomic_load_n(word, __ATOMIC_SEQ_CST) & bit))
			return;         /* not ready: it will see prod == its pos */
		/* (RR): acquire, pairs with the owner's release of the bit. */
		if (!(__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST) & bit))
			return;         /* the owner claimed it itself */
		pos = end;
		end = pos + rb_rec_len(READ_ONCE(rb_hdr(rb, pos)->len));
	}
}

void *bpf_ringbuf_reserve(struct bpf_ringbuf *rb, u64 size, u64 flags)
{
	struct bpf_ringbuf_prod *pp = bpf_ringbuf_producer(rb);
	unsigned long cons, pend, pos, end, len;
	struct rb_hdr *hdr;

	if (unlikely(flags || rb->map_type != BPF_MAP_TYPE_RINGBUF))
		return NULL;   /* misuse, not a drop */
	if (unlikely(size > BPF_RINGBUF_MAX_RECORD_SZ ||
		     ALIGN_UP(size + BPF_RINGBUF_HDR_SZ, 8) > rb->mask + 1)) {
		rb_drop(rb);
		return NULL;
	}
	len = ALIGN_UP(size + BPF_RINGBUF_HDR_SZ, 8);
	/* (RA): pairs with the consumer's (RD). Hostile: any value. */
	cons = smp_load_acquire(bpf_ringbuf_consumer(rb));
	pend = smp_load_acquire(&pp->pending_pos);   /* pairs with its cmpxchg */

	/* Only to keep a task from being preempted between cmpxchg and
	 * publish, which would hold back the records after it. */
	preempt_disable();
	pos = READ_ONCE(rb->rsv);
	for (;;) {
		end = pos + len;
		if (rb_has_space(rb, end, cons, &pend)) {
			if (__atomic_compare_exchange_n(&rb->rsv, &pos, end, false,
							__ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				break;
			continue;       /* another producer reserved: lock-free */
		}
		/* Judged with a pos others have moved on from? Then retry:
		 * a drop must mean the ring really was full. */
		unsigned long cur = READ_ONCE(rb->rsv);

		if (cur == pos)
			goto fail;
		pos = cur;
	}

	bpf_rb_test_hook(rb, BPF_RB_STEP_RESERVED);
	if (unlikely(rb->overwrite))
		rb_advance_overwrite(rb, end);
	hdr = rb_hdr(rb, pos);
	hdr->pg_off = RB_DATA_PGOFF + ((pos & rb->mask) >> 12);
	WRITE_ONCE(hdr->len, (u32)size | BPF_RINGBUF_BUSY_BIT);
	bpf_rb_test_hook(rb, BPF_RB_STEP_HEADER);
	rb_publish(rb, pos, end);
	preempt_enable();
	return hdr + 1;

fail:
	preempt_enable();
	rb_drop(rb);
	return NULL;
}

static void rb_commit(void *sample, u64 flags, bool discard)
{
	struct rb_hdr *hdr = (struct rb_hdr *)sample - 1;
	/* pg_off leads from the header back to page 0 (kernel-written;
	 * the data pages of a kernel ring are read-only to user space). */
	struct bpf_ringbuf *rb = (struct bpf_ringbuf *)(((unsigned long)hdr & ~(RB_PAGE - 1)) -
							(unsigned long)hdr->pg_off * RB_PAGE);
	u32 new_len = READ_ONCE(hdr->len) & ~BPF_RINGBUF_BUSY_BIT;
	unsigned long rec_pos, cons;

	if (discard)
		new_len |= BPF_RINGBUF_DISCARD_BIT;
	if (flags & (BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) {
		/* (RE) without the wakeup decision: a release is enough (a
		 * plain MOV on x86 instead of an XCHG). */
		smp_store_release(&hdr->len, new_len);
		if (flags & BPF_RB_FORCE_WAKEUP)
			rb_wakeup(rb);
		return;
	}
	/* (RE): the sample before the cleared BUSY bit, and that store before
	 * the consumer_pos load below; pairs with (RF) and (RD). */
	__atomic_exchange_n(&hdr->len, new_len, __ATOMIC_SEQ_CST);

	rec_pos = (u8 *)hdr - bpf_ringbuf_data(rb);
	cons = smp_load_acquire(bpf_ringbuf_consumer(rb)) & rb->mask;
	if (cons == rec_pos)
		rb_wakeup(rb);   /* the consumer is waiting at this record */
}

void bpf_ringbuf_submit(void *sample, u64 flags) { rb_commit(sample, flags, false); }
void bpf_ringbuf_discard(void *sample, u64 flags) { rb_commit(sample, flags, true); }

long bpf_ringbuf_output(struct bpf_ringbuf *rb, const void *data, u64 size, u64 flags)
{
	void *rec;

	if (unlikely(flags & ~RB_WAKEUP_FLAGS) || rb->map_type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rec = bpf_ringbuf_reserve(rb, size, 0);
	if (!rec)
		return -EAGAIN;
	__builtin_memcpy(rec, data, size);
	bpf_ringbuf_submit(rec, flags);
	return 0;
}

static unsigned long rb_avail(struct bpf_ringbuf *rb)
{
	struct bpf_ringbuf_prod *pp = bpf_ringbuf_producer(rb);
	unsigned long cons = smp_load_acquire(bpf_ringbuf_consumer(rb));

	if (unlikely(rb->overwrite)) {
		unsigned long over = smp_load_acquire(&pp->overwrite_pos);

		return smp_load_acquire(&pp->producer_pos) - MAX(cons, over);
	}
	return smp_load_acquire(&pp->producer_pos) - cons;
}

u64 bpf_ringbuf_query(struct bpf_ringbuf *rb, u64 flags)
{
	struct bpf_ringbuf_prod *pp = bpf_ringbuf_producer(rb);

	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return rb_avail(rb);
	case BPF_RB_RING_SIZE:
		return rb->mask + 1;
	case BPF_RB_CONS_POS:
		return smp_load_acquire(bpf_ringbuf_consumer(rb));
	case BPF_RB_PROD_POS:
		return smp_load_acquire(&pp->producer_pos);
	case BPF_RB_OVERWRITE_POS:
		return smp_load_acquire(&pp->overwrite_pos);
	case RT_BPF_RB_DROPPED:
		return READ_ONCE(pp->dropped);
	default:
		return 0;
	}
}

/* --- user rings -------------------------------------------------------- */

/* ur_peek's results besides 0 and Linux's errno for a bad header. */
#define UR_EMPTY 1   /* nothing committed at consumer_pos (or still BUSY) */
#define UR_SKIP  2   /* a discarded sample was consumed */

/* The sample at consumer_pos: 0, UR_EMPTY, UR_SKIP, or -errno. Every
 * value read from user memory is read once and checked. */
static int ur_peek(struct bpf_ringbuf *rb, const void **sample, u32 *size, u32 *total)
{
	unsigned long *consp = bpf_ringbuf_consumer(rb);
	/* (RG): pairs with the user's release of producer_pos. */
	unsigned long prod = smp_load_acquire(&bpf_ringbuf_producer(rb)->producer_pos);
	unsigned long cons = READ_ONCE(*consp);   /* ours: read-only to user */
	u32 len, sample_len;
	unsigned long tot;

	if (prod % 8)
		return -EINVAL;
	if (cons >= prod)
		return UR_EMPTY;   /* also a producer_pos moved backwards */
	/* (RH): pairs with the user's xchg at submit/discard. */
	len = smp_load_acquire(&rb_hdr(rb, cons)->len);
	sample_len = len & ~RB_FLAGS;
	tot = ALIGN_UP((unsigned long)sample_len + BPF_RINGBUF_HDR_SZ, 8);
	if (tot > prod - cons)
		return -EINVAL;
	if (tot > rb->mask + 1 || sample_len > BPF_RINGBUF_DYNPTR_MAX)
		return -E2BIG;
	if (len & BPF_RINGBUF_DISCARD_BIT) {
		/* (RI) as below: nothing of it was read. */
		smp_store_release(consp, cons + tot);
		return UR_SKIP;
	}
	if (len & BPF_RINGBUF_BUSY_BIT)
		return UR_EMPTY;
	/* Within the double mapping: offset < size, tot <= size. */
	*sample = bpf_ringbuf_data(rb) + ((cons + BPF_RINGBUF_HDR_SZ) & rb->mask);
	*size = sample_len;
	*total = (u32)tot;
	return 0;
}

long bpf_user_ringbuf_drain(struct bpf_ringbuf *rb, bpf_user_ringbuf_cb cb, void *ctx, u64 flags)
{
	unsigned long *consp = bpf_ringbuf_consumer(rb);
	long ret, samples = 0, freed = 0;
	int busy = 0;

	if (unlikely(flags & ~RB_WAKEUP_FLAGS) || rb->map_type != BPF_MAP_TYPE_USER_RINGBUF)
		return -EINVAL;
	/* One consumer at a time, never waiting (NMI-safe). */
	if (!__atomic_compare_exchange_n(&rb->busy, &busy, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -EBUSY;

	for (long i = 0; i < BPF_RINGBUF_MAX_DRAIN; i++) {
		const void *sample;
		u32 size, total;
		int err = ur_peek(rb, &sample, &size, &total), stop;

		if (err == UR_EMPTY)
			break;
		if (err == UR_SKIP) {
			freed++;
			continue;
		}
		if (err) {
			ret = err;
			goto out;
		}
		stop = cb(sample, size, ctx);
		/* (RI): the callback is done reading; pairs with the user's
		 * acquire of consumer_pos before it reuses the space. */
		smp_store_release(consp, READ_ONCE(*consp) + total);
		samples++;
		if (stop)
			break;
	}
	ret = samples;
out:
	/* Positions before the flag, so the next drain sees them. */
	smp_store_release(&rb->busy, 0);
	if ((flags & BPF_RB_FORCE_WAKEUP) || (!(flags & BPF_RB_NO_WAKEUP) && samples + freed))
		rb_wakeup(rb);
	return ret;
}

/* --- file operations --------------------------------------------------- */

int bpf_ringbuf_mmap_check(const struct bpf_ringbuf *rb, unsigned long pgoff,
			   unsigned long npages, bool writable, bool shared)
{
	unsigned long total = 2 + 2 * ((rb->mask + 1) / RB_PAGE);

	if (!shared)
		return -EINVAL;
	/* Permissions first, then the range, in Linux's order. */
	if (writable) {
		if (rb->map_type == BPF_MAP_TYPE_USER_RINGBUF) {
			if (pgoff == 0)
				return -EPERM;   /* consumer_pos is the kernel's */
		} else if (pgoff != 0 || npages != 1) {
			return -EPERM;           /* only consumer_pos is the user's */
		}
	}
	if (!npages || pgoff >= total || npages > total - pgoff)
		return -EINVAL;
	return 0;
}

unsigned int bpf_ringbuf_poll(struct bpf_ringbuf *rb)
{
	if (rb->map_type == BPF_MAP_TYPE_USER_RINGBUF)
		return rb_avail(rb) < rb->mask + 1 ? BPF_RINGBUF_POLLOUT : 0;
	return rb_avail(rb) ? BPF_RINGBUF_POLLIN : 0;
}
