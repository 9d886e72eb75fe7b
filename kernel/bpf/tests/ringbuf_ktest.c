/* bpf_ringbuf: the BPF ring buffer core inside the real kernel, on real
 * CPUs, with real NMIs.
 *
 *   test_mpsc_exact            one producer kthread pinned per online CPU
 *                              plus an NMI producer per CPU, one consumer
 *                              reading like libbpf; exact accounting
 *   test_mpsc_overwrite        the same on a BPF_F_RB_OVERWRITE ring, with
 *                              a consumer that validates every copy
 *   test_user_ring_hostile     bpf_user_ringbuf_drain against a producer
 *                              that lies (fixed cases, EBUSY from NMI, and
 *                              a concurrent random mutator)
 *   test_wakeup_from_nmi       a waiter on the map's waitq is woken by a
 *                              submit made in NMI context
 *
 * NMIs come from three places during the stress: producers send themselves
 * one every few dozen records, the consumer sends them to random CPUs (on
 * smp=1 to itself), and the PIT is turned into a periodic NMI source for
 * every CPU (the perf cycles mechanism, arch_perf_nmi_source), so NMIs also
 * land at arbitrary points of reserve and submit, on smp=1 too.
 *
 * (No perf cycles event may be active meanwhile: the PIT source is shared
 * with it, and it is switched off again at the end.)
 *
 * Records carry (producer id, seq), a tag derived from both and a fill
 * pattern; their size, whether they are discarded and their wakeup flags
 * are functions of (id, seq), so the consumer can check everything it
 * reads. Checked exactly, once producers and NMIs have stopped and the
 * consumer has drained:
 *   - per producer: submitted + discarded + dropped == produced, and
 *     (normal mode) delivered == submitted, discards seen == discarded;
 *   - the ring's drop counter == the reserve failures producers saw;
 *   - producer_pos == bytes of successful reservations == bytes the
 *     consumer passed (+ bytes it skipped by jumping to overwrite_pos);
 *   - overwrite mode: the records never read are exactly those skipped,
 *     byte for byte; overwrite_pos <= producer_pos <= overwrite_pos + size;
 *   - seqs strictly increase per producer, no record is seen twice, no
 *     dropped record is seen, every payload is intact.
 * Every test checks that frames and heap are as before. */
#include <lib/errno.h>
#include <lib/rand.h>
#include <lib/string.h>
#include <arch/barrier.h>
#include <arch/preempt.h>
#include <kernel/clock.h>
#include <kernel/heap.h>
#include <kernel/ksyms.h>
#include <kernel/ktest.h>
#include <kernel/nmi.h>
#include <kernel/percpu.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>
#include <kernel/thread.h>
#include <kernel/vm.h>
#include <arch/trap.h>
#include <kernel/arch/irq.h>
#include <kernel/arch/perf.h>
#include "../bpf.h"

#define RB_FLAG_BITS (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)
#define MAXP (2 * MAX_CPUS)           /* producers: threads, then NMIs (by CPU) */
#define SEQ_MAX (1u << 18)            /* records per producer, at most */
#define REC_MIN 16u
#define REC_MAX 80u                   /* sample bytes */
#define REC_MAGIC 0x52425400u         /* "RBT\0" | producer id */
#define PIT_NMI_HZ 10000u

/* --- helpers ---------------------------------------------------------- */

static size_t frames_and_heap(size_t *blocks)
{
	struct heap_stats hs;
	heap_get_stats(&hs);
	*blocks = hs.allocations;
	return frame_free_count() + hs.frames + vm_kernel_table_frames();
}

/* Dead kthreads are freed by the reaper: give it up to two seconds. */
static void settle(int threads)
{
	u64 t0 = clock_ns();
	while (thread_count() > threads && clock_ns() - t0 < 2 * NSEC_PER_SEC)
		sched_yield();
}

struct leak_mark {
	int threads;
	size_t blocks, total;
};

static void leak_begin(struct leak_mark *lm)
{
	lm->threads = thread_count();
	lm->total = frames_and_heap(&lm->blocks);
}

static void leak_end(struct ktest *t, struct leak_mark *lm)
{
	size_t blocks;
	settle(lm->threads);
	KT_EXPECT_EQ(t, thread_count(), lm->threads);
	KT_EXPECT_EQ(t, frames_and_heap(&blocks), lm->total);
	KT_EXPECT_EQ(t, blocks, lm->blocks);
}

static struct bpf_map *ring_map(u32 type, u32 size, u32 flags, long *err)
{
	union bpf_attr attr;
	char name[BPF_OBJ_NAME_LEN] = "ktest_ring";
	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.max_entries = size;
	attr.map_flags = flags;
	return bpf_map_alloc(&attr, name, err);
}

static u64 mix64(u64 x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static u64 rec_tag(u32 id, u32 seq) { return mix64(((u64)id << 32) | seq); }
/* 16..80 bytes, most not a multiple of 8. */
static u32 rec_size(u32 id, u32 seq) { return REC_MIN + (u32)(rec_tag(id, seq) % (REC_MAX - REC_MIN + 1)); }
static bool rec_discard(u32 id, u32 seq) { return (rec_tag(id, seq) >> 20) % 7 == 0; }
static u64 rec_flags(u32 id, u32 seq)
{
	static const u64 f[3] = { 0, BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP };
	return f[(rec_tag(id, seq) >> 40) % 3];
}
static u32 rec_bytes(u32 size) { return ALIGN_UP(size + BPF_RINGBUF_HDR_SZ, 8); }

struct rec {
	u32 magic_id;
	u32 seq;
	u64 tag;
	u8 fill[];
};

static void set_bit_(unsigned long *map, u32 n) { map[n / 64] |= 1UL << (n % 64); }
static bool test_bit_(const unsigned long *map, u32 n) { return map[n / 64] & (1UL << (n % 64)); }

static bool cpu_online_(unsigned int c) { return c < MAX_CPUS && cpu_table[c] && cpu_table[c]->online; }

/* --- the MPSC stress ---------------------------------------------------- */

struct prod {
	/* Written by the producer (its thread, or NMIs on its CPU). */
	u32 id;
	u32 next_seq;                   /* records attempted */
	u32 dropped, discarded, submitted;
	u64 bytes;                      /* of successful reservations */
	unsigned long *drop_map;        /* seqs whose reserve failed */
	bool in_use;
	/* Written by the consumer. */
	unsigned long *seen_map __aligned(64);   /* seqs read (sample or discard) */
	long last_seq;
	u32 delivered, discard_seen, order_errs, corrupt;
};

struct stress {
	struct bpf_map *m;
	struct bpf_ringbuf *rb;
	bool overwrite;
	u32 nrec;                       /* per producer thread */
	u64 stop_at;                    /* producers stop at this time */
	int nthreads;
	int threads_done;
	int go;
	struct prod p[MAXP];
	/* Consumer. */
	u64 cons_bytes, jumped_bytes, jumps, sleeps, woken, nmis_sent;
	int errors_reported;
};

static struct stress S;

/* What the NMI handler does: set while armed (see nmi_arm / nmi_disarm). */
enum { NMI_OFF, NMI_STRESS, NMI_WAKE, NMI_UR_BUSY };
static int nmi_mode;
static int nmi_inflight;
static bool nmi_registered;
/* Where stress NMIs landed: inside reserve (nested producers) or commit. */
static u64 reserve_lo, reserve_hi, commit_lo, commit_hi;
static u64 nmi_in_reserve, nmi_in_commit;

static void code_range(void *fn, u64 *lo, u64 *hi)
{
	u64 off = 0, size = 0;
	*lo = (u64)fn;
	*hi = ksym_lookup(*lo, &off, &size) && off == 0 ? *lo + size : *lo;
}

static void fill_rec(struct rec *r, u32 id, u32 seq, u32 size)
{
	u64 tag = rec_tag(id, seq);
	r->magic_id = REC_MAGIC | id;
	r->seq = seq;
	r->tag = tag;
	for (u32 i = 0; i < size - sizeof(*r); i++)
		r->fill[i] = (u8)(tag >> ((i & 7) * 8)) ^ (u8)i;
}

/* One record from producer p: reserve, fill, submit or discard. */
static bool produce_one(struct stress *s, struct prod *p)
{
	u32 seq = p->next_seq;
	if (seq >= SEQ_MAX)
		return false;
	u32 size = rec_size(p->id, seq);
	p->next_seq = seq + 1;
	struct rec *r = bpf_ringbuf_reserve(s->rb, size, 0);
	if (!r) {
		p->dropped++;
		set_bit_(p->drop_map, seq);
		return false;
	}
	fill_rec(r, p->id, seq, size);
	p->bytes += rec_bytes(size);
	if (rec_discard(p->id, seq)) {
		p->discarded++;
		bpf_ringbuf_discard(r, rec_flags(p->id, seq));
	} else {
		p->submitted++;
		bpf_ringbuf_submit(r, rec_flags(p->id, seq));
	}
	return true;
}

/* --- NMI handler ------------------------------------------------------ */

static struct {
	struct bpf_ringbuf *rb;
	u64 flags;
	unsigned int cpu;
	bool fired;
	bool was_nmi;
	long ret;
} wake_nmi;

static struct {
	struct bpf_ringbuf *rb;
	bool fired;
	long ret;
} ur_nmi;

static int ur_count_cb(const void *data, u32 size, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static void rbt_nmi(struct trap_frame *f)
{
	if (!__atomic_load_n(&nmi_mode, __ATOMIC_SEQ_CST))
		return;
	/* Dekker with nmi_disarm: inflight up, then re-check the mode. */
	__atomic_fetch_add(&nmi_inflight, 1, __ATOMIC_SEQ_CST);
	int mode = __atomic_load_n(&nmi_mode, __ATOMIC_SEQ_CST);
	unsigned int cpu = this_cpu_id();
	if (mode == NMI_STRESS) {
		struct prod *p = &S.p[MAX_CPUS + cpu];
		u64 ip = f->rip;
		if (ip >= reserve_lo && ip < reserve_hi)
			__atomic_fetch_add(&nmi_in_reserve, 1, __ATOMIC_RELAXED);
		else if (ip >= commit_lo && ip < commit_hi)
			__atomic_fetch_add(&nmi_in_commit, 1, __ATOMIC_RELAXED);
		if (p->in_use) {
			produce_one(&S, p);
			if (p->next_seq & 1)
				produce_one(&S, p);
		}
	} else if (mode == NMI_WAKE) {
		if (cpu == wake_nmi.cpu && !wake_nmi.fired) {
			u64 rec[2] = { 0x4e4d4977616b65ull, cpu };
			wake_nmi.was_nmi = in_nmi_ctx();
			wake_nmi.ret = bpf_ringbuf_output(wake_nmi.rb, rec, sizeof(rec), wake_nmi.flags);
			__atomic_store_n(&wake_nmi.fired, true, __ATOMIC_SEQ_CST);
		}
	} else if (mode == NMI_UR_BUSY) {
		if (!ur_nmi.fired) {
			int n = 0;
			ur_nmi.ret = bpf_user_ringbuf_drain(ur_nmi.rb, ur_count_cb, &n, 0);
			__atomic_store_n(&ur_nmi.fired, true, __ATOMIC_SEQ_CST);
		}
	}
	__atomic_fetch_sub(&nmi_inflight, 1, __ATOMIC_SEQ_CST);
}

static bool nmi_arm(struct ktest *t, int mode)
{
	if (!nmi_registered) {
		if (nmi_register(rbt_nmi)) {
			ktest_diag(t, "NMI handler table full");
			KT_EXPECT(t, nmi_registered);
			return false;
		}
		nmi_registered = true;
	}
	__atomic_store_n(&nmi_mode, mode, __ATOMIC_SEQ_CST);
	return true;
}

/* After this, no NMI handler touches the test's state (or its map). */
static void nmi_disarm(void)
{
	__atomic_store_n(&nmi_mode, NMI_OFF, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&nmi_inflight, __ATOMIC_SEQ_CST))
		cpu_relax();
}

static void nmi_release(void)
{
	nmi_disarm();
	if (nmi_registered)
		nmi_unregister(rbt_nmi);
	nmi_registered = false;
}

/* --- producer threads and the consumer -------------------------------- */

static void producer_main(void *arg)
{
	struct prod *p = arg;
	struct stress *s = &S;
	while (!smp_load_acquire(&s->go))
		sched_yield();
	for (u32 i = 0; i < s->nrec; i++) {
		if ((i & 63) == 0 && clock_ns() > s->stop_at)
			break;
		bool ok = produce_one(s, p);
		if (i % 41 == 7)
			arch_send_nmi(this_cpu_id());   /* lands right here */
		if (!ok)
			sched_yield();  /* full: let a consumer on this CPU run */
	}
	__atomic_fetch_add(&s->threads_done, 1, __ATOMIC_RELEASE);
}

static void bad_record(struct ktest *t, struct stress *s, const char *what, u32 id, u32 seq,
		       unsigned long pos)
{
	if (s->errors_reported++ < 8)
		ktest_diag(t, "record at pos %lu (producer %u seq %u): %s", pos, id, seq, what);
}

/* A record copy the consumer holds: check it and account for it. */
static void check_record(struct ktest *t, struct stress *s, const u8 *data, u32 size,
			 bool discarded, unsigned long pos)
{
	const struct rec *r = (const struct rec *)data;
	u32 id = r->magic_id & 0xff, seq = r->seq;
	if ((r->magic_id & ~0xffu) != REC_MAGIC || id >= MAXP || !s->p[id].in_use ||
	    seq >= SEQ_MAX) {
		if (s->errors_reported++ < 8)
			ktest_diag(t, "record at pos %lu: bad magic/id %#x seq %u size %u", pos,
				   r->magic_id, seq, size);
		s->p[0].corrupt++;
		return;
	}
	struct prod *p = &s->p[id];
	bool ok = size == rec_size(id, seq) && r->tag == rec_tag(id, seq) &&
		  discarded == rec_discard(id, seq);
	for (u32 i = 0; ok && i < size - sizeof(*r); i++)
		ok = r->fill[i] == ((u8)(r->tag >> ((i & 7) * 8)) ^ (u8)i);
	if (!ok) {
		p->corrupt++;
		bad_record(t, s, "corrupted payload/size/discard", id, seq, pos);
		return;
	}
	if ((long)seq <= p->last_seq) {
		p->order_errs++;
		bad_record(t, s, "out of order or duplicate", id, seq, pos);
	}
	if (test_bit_(p->seen_map, seq)) {
		p->order_errs++;
		bad_record(t, s, "seen twice", id, seq, pos);
	}
	set_bit_(p->seen_map, seq);
	p->last_seq = seq;
	if (discarded)
		p->discard_seen++;
	else
		p->delivered++;
}

/* libbpf's ring__consume: acquire producer_pos and each header len, stop
 * at BUSY, skip DISCARD, release consumer_pos after each record. In
 * overwrite mode the oldest kept record is overwrite_pos, and a copy is
 * only trusted if overwrite_pos has not passed it after the copy (the
 * producer moves overwrite_pos before writing the space it takes over).
 * Returns the records read, or -1 on a record that cannot be parsed. */
static long consume(struct ktest *t, struct stress *s)
{
	struct bpf_ringbuf *rb = s->rb;
	struct bpf_ringbuf_prod *pp = bpf_ringbuf_producer(rb);
	unsigned long *consp = bpf_ringbuf_consumer(rb);
	u8 *data = bpf_ringbuf_data(rb);
	unsigned long mask = rb->mask;
	unsigned long cons = smp_load_acquire(consp);
	long n = 0;
	u8 copy[REC_MAX];

	for (;;) {
		unsigned long prod = smp_load_acquire(&pp->producer_pos);
		if (s->overwrite) {
			unsigned long over = smp_load_acquire(&pp->overwrite_pos);
			if ((long)(over - cons) > 0) {
				s->jumped_bytes += over - cons;
				s->jumps++;
				cons = over;
				smp_store_release(consp, cons);
				continue;
			}
		}
		if ((long)(prod - cons) <= 0)
			break;
		u32 *hdr = (u32 *)(data + (cons & mask));
		u32 len = smp_load_acquire(hdr);
		u32 size = len & ~RB_FLAG_BITS;
		bool busy = len & BPF_RINGBUF_BUSY_BIT;
		if (!busy && size <= REC_MAX)
			memcpy(copy, hdr + 2, size);
		if (s->overwrite) {
			/* Seqlock-style validation: loads stay in order on x86
			 * (TSO), the compiler is kept from moving them. */
			smp_rmb();
			unsigned long over = smp_load_acquire(&pp->overwrite_pos);
			if ((long)(over - cons) > 0)
				continue;       /* overwritten under us: jump there */
		}
		if (busy)
			break;
		if (size < REC_MIN || size > REC_MAX) {
			if (s->errors_reported++ < 8)
				ktest_diag(t, "header at pos %lu: len %#x", cons, len);
			s->p[0].corrupt++;
			return -1;
		}
		check_record(t, s, copy, size, len & BPF_RINGBUF_DISCARD_BIT, cons);
		cons += rec_bytes(size);
		s->cons_bytes += rec_bytes(size);
		smp_store_release(consp, cons);
		n++;
	}
	return n;
}

static unsigned int pick_cpu(struct rng *r)
{
	for (;;) {
		unsigned int c = (unsigned int)rng_below(r, MAX_CPUS);
		if (cpu_online_(c))
			return c;
	}
}

static void run_stress(struct ktest *t, bool overwrite, u32 ring_size, u64 run_ns)
{
	struct stress *s = &S;
	struct leak_mark lm;
	long err = 0;

	leak_begin(&lm);
	memset(s, 0, sizeof(*s));
	s->overwrite = overwrite;
	s->m = ring_map(BPF_MAP_TYPE_RINGBUF, ring_size, overwrite ? BPF_F_RB_OVERWRITE : 0, &err);
	if (!KT_EXPECT(t, s->m != NULL)) {
		ktest_diag(t, "bpf_map_alloc: %ld", err);
		return;
	}
	s->rb = s->m->rb;
	s->nrec = 250000;
	bool alloc_ok = true;
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!cpu_online_(c))
			continue;
		for (int k = 0; k < 2; k++) {
			struct prod *p = &s->p[c + k * MAX_CPUS];
			p->id = c + k * MAX_CPUS;
			p->last_seq = -1;
			p->drop_map = kzalloc(SEQ_MAX / 8);
			p->seen_map = kzalloc(SEQ_MAX / 8);
			alloc_ok &= p->drop_map && p->seen_map;
			p->in_use = true;
		}
	}
	KT_EXPECT(t, alloc_ok);

	struct rng r;
	rng_seed(&r, overwrite ? 0x6f766572ull : 0x6d707363ull);
	/* rb_publish and rb_advance_* are inlined into reserve; submit and
	 * discard are thin wrappers around rb_commit. */
	code_range((void *)bpf_ringbuf_reserve, &reserve_lo, &reserve_hi);
	u64 commit = ksym_address("rb_commit");
	code_range(commit ? (void *)commit : (void *)bpf_ringbuf_submit, &commit_lo, &commit_hi);
	nmi_in_reserve = nmi_in_commit = 0;
	if (alloc_ok && nmi_arm(t, NMI_STRESS)) {
		u64 cpu_nmis0 = 0;
		for (unsigned int c = 0; c < MAX_CPUS; c++)
			if (cpu_online_(c))
				cpu_nmis0 += cpu_table[c]->nmi_count;
		for (unsigned int c = 0; c < MAX_CPUS; c++) {
			if (!cpu_online_(c))
				continue;
			if (kthread_create_on("rbt-producer", producer_main, &s->p[c], c))
				s->nthreads++;
		}
		KT_EXPECT_EQ(t, s->nthreads, (int)nr_cpus_online);
		arch_perf_nmi_source(PIT_NMI_HZ);
		u64 t0 = clock_ns();
		s->stop_at = t0 + run_ns;
		smp_store_release(&s->go, 1);
		u64 next_nmi = t0;
		unsigned int idle = 0;
		bool broken = false;
		while (smp_load_acquire(&s->threads_done) < s->nthreads) {
			long n = consume(t, s);
			if (n < 0) {
				broken = true;
				break;
			}
			u64 now = clock_ns();
			if (now >= next_nmi) {
				arch_send_nmi(pick_cpu(&r));
				s->nmis_sent++;
				next_nmi = now + 20000 + rng_below(&r, 180000);
			}
			if (now > t0 + run_ns + 20 * NSEC_PER_SEC) {
				ktest_diag(t, "producers did not finish");
				broken = true;
				break;
			}
			if (n)
				continue;
			if (++idle % 4)
				sched_yield();  /* smp=1: the producers run */
			else {
				/* Sleep like ring_buffer__poll; NO_WAKEUP records
				 * make the timeout necessary. */
				struct waiter w;
				waitq_add(&s->m->wait, &w);
				if (!bpf_ringbuf_query(s->rb, BPF_RB_AVAIL_DATA)) {
					s->sleeps++;
					if (sched_sleep(now + NSEC_PER_MSEC) == WAKE_NORMAL)
						s->woken++;
				}
				waitq_remove(&s->m->wait, &w);
			}
		}
		arch_perf_nmi_source(0);
		nmi_disarm();
		if (broken) {
			/* Let the producers finish before the ring goes away. */
			s->stop_at = 0;
			while (smp_load_acquire(&s->threads_done) < s->nthreads)
				sched_yield();
		} else {
			while (consume(t, s) > 0)
				;
		}
		u64 ms = (clock_ns() - t0) / NSEC_PER_MSEC;
		u64 cpu_nmis = 0;
		for (unsigned int c = 0; c < MAX_CPUS; c++)
			if (cpu_online_(c))
				cpu_nmis += cpu_table[c]->nmi_count;

		/* --- exact accounting ---------------------------------------- */
		u64 produced = 0, dropped = 0, bytes = 0, delivered = 0, discarded = 0;
		u64 nmi_recs = 0, lost = 0, lost_bytes = 0;
		for (u32 id = 0; id < MAXP; id++) {
			struct prod *p = &s->p[id];
			if (!p->in_use)
				continue;
			produced += p->next_seq;
			dropped += p->dropped;
			bytes += p->bytes;
			delivered += p->delivered;
			discarded += p->discarded;
			if (id >= MAX_CPUS)
				nmi_recs += p->next_seq;
			KT_EXPECT_EQ(t, p->submitted + p->discarded + p->dropped, p->next_seq);
			KT_EXPECT_EQ(t, p->corrupt, 0);
			KT_EXPECT_EQ(t, p->order_errs, 0);
			u32 plost = 0;
			for (u32 q = 0; q < p->next_seq; q++) {
				bool d = test_bit_(p->drop_map, q), seen = test_bit_(p->seen_map, q);
				if (d && seen)
					KT_EXPECT(t, !(d && seen));   /* a dropped record arrived */
				if (!d && !seen) {
					plost++;
					lost_bytes += rec_bytes(rec_size(id, q));
				}
			}
			lost += plost;
			if (!overwrite) {
				/* delivered + discarded + dropped == produced */
				if (!KT_EXPECT_EQ(t, p->delivered, p->submitted) ||
				    !KT_EXPECT_EQ(t, p->discard_seen, p->discarded) ||
				    !KT_EXPECT_EQ(t, plost, 0))
					ktest_diag(t, "producer %u: produced %u dropped %u", id,
						   p->next_seq, p->dropped);
			} else {
				KT_EXPECT_EQ(t, p->delivered + p->discard_seen + plost,
					     p->submitted + p->discarded);
			}
		}
		u64 rb_dropped = bpf_ringbuf_query(s->rb, RT_BPF_RB_DROPPED);
		u64 prod_pos = bpf_ringbuf_query(s->rb, BPF_RB_PROD_POS);
		u64 cons_pos = bpf_ringbuf_query(s->rb, BPF_RB_CONS_POS);
		KT_EXPECT_EQ(t, rb_dropped, dropped);
		KT_EXPECT_EQ(t, prod_pos, bytes);
		KT_EXPECT_EQ(t, cons_pos, prod_pos);
		KT_EXPECT_EQ(t, bpf_ringbuf_query(s->rb, BPF_RB_AVAIL_DATA), 0);
		KT_EXPECT_EQ(t, s->cons_bytes + s->jumped_bytes, bytes);
		KT_EXPECT_EQ(t, lost_bytes, s->jumped_bytes);
		if (overwrite) {
			u64 over = bpf_ringbuf_query(s->rb, BPF_RB_OVERWRITE_POS);
			KT_EXPECT_LE(t, over, prod_pos);
			KT_EXPECT_LE(t, prod_pos - over, ring_size);
		} else {
			KT_EXPECT_EQ(t, s->jumped_bytes, 0);
			KT_EXPECT_EQ(t, bpf_ringbuf_query(s->rb, BPF_RB_OVERWRITE_POS), 0);
		}
		KT_EXPECT_GT(t, nmi_recs, 0);      /* the NMI producers ran */
		KT_EXPECT_GT(t, delivered, 0);
		ktest_diag(t, "%u CPUs, %llu ms: %llu records (%llu from NMIs), %llu delivered, "
			   "%llu discarded, %llu dropped, %llu overwritten",
			   nr_cpus_online, ms, produced, nmi_recs, delivered, discarded, dropped, lost);
		ktest_diag(t, "NMIs: %llu taken (%llu inside reserve, %llu inside commit), %llu "
			   "sent by the consumer", cpu_nmis - cpu_nmis0, nmi_in_reserve,
			   nmi_in_commit, s->nmis_sent);
		ktest_diag(t, "consumer slept %llu times (%llu woken); ring %u bytes, %llu bytes "
			   "passed, %llu jumps", s->sleeps, s->woken, ring_size, prod_pos, s->jumps);
	}
	nmi_release();
	bpf_map_put(s->m);
	for (u32 id = 0; id < MAXP; id++) {
		kfree(s->p[id].drop_map);
		kfree(s->p[id].seen_map);
	}
	memset(s, 0, sizeof(*s));
	leak_end(t, &lm);
}

static void test_mpsc_exact(struct ktest *t)
{
	run_stress(t, false, 16384, 2000 * NSEC_PER_MSEC);
}

static void test_mpsc_overwrite(struct ktest *t)
{
	run_stress(t, true, 8192, 1500 * NSEC_PER_MSEC);
}

/* --- user ring: a hostile producer ------------------------------------ */

#define UR_SIZE 4096u

struct ur_ctx {
	const u8 *lo, *hi;              /* where samples may be */
	u32 calls, bad;
	u32 last_size;
	u8 first[8];
	bool nmi_busy_probe;
};

static int ur_cb(const void *data, u32 size, void *arg)
{
	struct ur_ctx *c = arg;
	const u8 *d = data;
	c->calls++;
	c->last_size = size;
	if (d < c->lo || d > c->hi || size > (u32)(c->hi - d) || size > UR_SIZE - 8)
		c->bad++;
	else if (size)
		memcpy(c->first, d, MIN(size, 8u));
	if (c->nmi_busy_probe) {
		/* A drain from NMI context while this one runs: EBUSY. */
		c->nmi_busy_probe = false;
		arch_send_nmi(this_cpu_id());
		u64 t0 = clock_ns();
		while (!__atomic_load_n(&ur_nmi.fired, __ATOMIC_SEQ_CST) &&
		       clock_ns() - t0 < NSEC_PER_SEC)
			cpu_relax();
	}
	return 0;
}

static void ur_put(struct bpf_ringbuf *rb, unsigned long pos, u32 len, u8 fill)
{
	u8 *data = bpf_ringbuf_data(rb);
	u32 *hdr = (u32 *)(data + (pos & rb->mask));
	u32 n = len & ~RB_FLAG_BITS;
	hdr[1] = 0;
	/* Only a sample that fits after its header gets bytes: a lying
	 * header must not overwrite the samples before it. */
	for (u32 i = 0; n <= UR_SIZE - 8 && i < n; i++)
		data[(pos + 8 + i) & rb->mask] = (u8)(fill + i);
	smp_store_release(&hdr[0], len);
}

static void ur_set(struct bpf_ringbuf *rb, unsigned long cons, unsigned long prod)
{
	WRITE_ONCE(*bpf_ringbuf_consumer(rb), cons);
	smp_store_release(&bpf_ringbuf_producer(rb)->producer_pos, prod);
}

struct mutator {
	struct bpf_ringbuf *rb;
	int stop;
	int done;
	u64 writes;
};

static void ur_mutate(struct bpf_ringbuf *rb, struct rng *r)
{
	unsigned long cons = READ_ONCE(*bpf_ringbuf_consumer(rb));
	unsigned long prod;
	static const u32 lens[] = { 0, 1, 8, 13, UR_SIZE - 16, UR_SIZE - 8, UR_SIZE - 7, UR_SIZE,
				    0x00ffffff, 0x01000000, 0x3fffffff };
	switch (rng_below(r, 4)) {
	case 0:
		prod = cons + rng_below(r, 2 * UR_SIZE + 64);      /* any alignment */
		break;
	case 1:
		prod = cons - rng_below(r, 64);                     /* backwards */
		break;
	case 2:
		prod = rng_next(r);                                 /* anything */
		break;
	default:
		prod = cons + ALIGN_UP(rng_below(r, UR_SIZE + 16), 8);
		break;
	}
	u32 len = rng_below(r, 2) ? lens[rng_below(r, ARRAY_SIZE(lens))]
				  : (u32)rng_below(r, 200);
	len |= (u32)rng_below(r, 4) << 30;                          /* BUSY / DISCARD */
	unsigned long at = cons + 8 * rng_below(r, 4);
	u32 *hdr = (u32 *)(bpf_ringbuf_data(rb) + (at & rb->mask));
	smp_store_release(&hdr[0], len);
	smp_store_release(&bpf_ringbuf_producer(rb)->producer_pos, prod);
}

static void mutator_main(void *arg)
{
	struct mutator *mu = arg;
	struct rng r;
	rng_seed(&r, 0x686f7374ull);
	while (!smp_load_acquire(&mu->stop)) {
		ur_mutate(mu->rb, &r);
		mu->writes++;
		if ((mu->writes & 255) == 0)
			sched_yield();
	}
	smp_store_release(&mu->done, 1);
}

static void test_user_ring_hostile(struct ktest *t)
{
	struct leak_mark lm;
	long err = 0;
	leak_begin(&lm);
	struct bpf_map *m = ring_map(BPF_MAP_TYPE_USER_RINGBUF, UR_SIZE, 0, &err);
	if (!KT_EXPECT(t, m != NULL)) {
		ktest_diag(t, "bpf_map_alloc: %ld", err);
		return;
	}
	struct bpf_ringbuf *rb = m->rb;
	u8 *data = bpf_ringbuf_data(rb);
	unsigned long *consp = bpf_ringbuf_consumer(rb);
	struct ur_ctx c = { .lo = data, .hi = data + 2 * UR_SIZE };
	unsigned long base = 10 * UR_SIZE;   /* positions well into the stream */

	/* Misaligned producer_pos (Linux selftest: size 39). */
	ur_set(rb, base, base + 39);
	ur_put(rb, base, 31, 1);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), -EINVAL);
	KT_EXPECT_EQ(t, *consp, base);
	/* A header claiming more than was produced. */
	ur_set(rb, base, base + 16);
	ur_put(rb, base, 100, 1);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), -EINVAL);
	KT_EXPECT_EQ(t, *consp, base);
	/* A sample as large as the ring. */
	ur_set(rb, base, base + 2 * UR_SIZE);
	ur_put(rb, base, UR_SIZE, 1);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), -E2BIG);
	KT_EXPECT_EQ(t, *consp, base);
	/* Flags other than the wakeup bits. */
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 4), -EINVAL);
	KT_EXPECT_EQ(t, c.calls, 0);
	/* Busy forever: nothing, as often as asked; then committed. */
	ur_set(rb, base, base + 24);
	ur_put(rb, base, 16 | BPF_RINGBUF_BUSY_BIT, 7);
	for (int i = 0; i < 100; i++)
		KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), 0);
	KT_EXPECT_EQ(t, *consp, base);
	ur_put(rb, base, 16, 7);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), 1);
	KT_EXPECT_EQ(t, *consp, base + 24);
	KT_EXPECT_EQ(t, c.first[0], 7);
	/* A discarded sample, then one across the end of the data (contiguous
	 * through the second mapping), then a bad header: the good sample is
	 * consumed, the bad one stops the drain with EINVAL. */
	unsigned long p0 = 11 * UR_SIZE - 40;
	ur_set(rb, p0, p0 + 16 + 56 + 16);
	ur_put(rb, p0, 8 | BPF_RINGBUF_DISCARD_BIT, 0);
	ur_put(rb, p0 + 16, 45, 0x40);
	ur_put(rb, p0 + 16 + 56, 9000, 0);
	c.calls = 0;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), -EINVAL);
	KT_EXPECT_EQ(t, c.calls, 1);
	KT_EXPECT_EQ(t, c.last_size, 45);
	KT_EXPECT_EQ(t, c.first[0], 0x40);
	KT_EXPECT_EQ(t, *consp, p0 + 16 + 56);
	/* The largest sample (ring size - 8) is read as one. */
	ur_set(rb, base, base + UR_SIZE);
	ur_put(rb, base, UR_SIZE - 8, 3);
	c.calls = 0;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), 1);
	KT_EXPECT_EQ(t, c.last_size, UR_SIZE - 8);
	KT_EXPECT_EQ(t, *consp, base + UR_SIZE);

	/* A drain from NMI context while one runs here: EBUSY, and this one
	 * is unaffected. */
	if (nmi_arm(t, NMI_UR_BUSY)) {
		ur_nmi.rb = rb;
		ur_nmi.fired = false;
		ur_set(rb, base, base + 48);
		ur_put(rb, base, 16, 1);
		ur_put(rb, base + 24, 16, 2);
		c.calls = 0;
		c.nmi_busy_probe = true;
		KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(rb, ur_cb, &c, 0), 2);
		nmi_disarm();
		KT_EXPECT(t, ur_nmi.fired);
		KT_EXPECT_EQ(t, ur_nmi.ret, -EBUSY);
		KT_EXPECT_EQ(t, *consp, base + 48);
	}
	nmi_release();

	/* Random lies, from this thread between drains and from a thread
	 * rewriting positions and headers concurrently (on another CPU when
	 * there is one). Every drain answers a count or EINVAL/E2BIG, and
	 * every sample it shows lies inside the ring's double mapping. */
	struct mutator mu = { .rb = rb };
	unsigned int mcpu = nr_cpus_online > 1 ? 1 : 0;
	KT_ASSERT(t, kthread_create_on("rbt-hostile", mutator_main, &mu, mcpu) != NULL);
	struct rng r;
	rng_seed(&r, 0x6c696573ull);
	u64 t0 = clock_ns();
	u32 drains = 0, n_inval = 0, n_big = 0, n_other = 0, n_samples = 0;
	c.calls = 0;
	while (clock_ns() - t0 < 400 * NSEC_PER_MSEC) {
		if (drains & 1)
			ur_mutate(rb, &r);
		long ret = bpf_user_ringbuf_drain(rb, ur_cb, &c, drains & 2 ? BPF_RB_NO_WAKEUP : 0);
		drains++;
		if (ret >= 0)
			n_samples += (u32)ret;
		else if (ret == -EINVAL)
			n_inval++;
		else if (ret == -E2BIG)
			n_big++;
		else if (n_other++ < 4)
			ktest_diag(t, "drain returned %ld", ret);
		if ((drains & 63) == 0)
			sched_yield();
	}
	smp_store_release(&mu.stop, 1);
	while (!smp_load_acquire(&mu.done))
		sched_yield();
	KT_EXPECT_EQ(t, n_other, 0);
	KT_EXPECT_EQ(t, c.bad, 0);
	KT_EXPECT_GT(t, n_inval, 0);
	KT_EXPECT_GT(t, c.calls, 0);
	ktest_diag(t, "hostile: %u drains, %u samples, %u EINVAL, %u E2BIG, %llu mutations",
		   drains, n_samples, n_inval, n_big, mu.writes);
	bpf_map_put(m);
	leak_end(t, &lm);
}

/* --- wakeups from NMI context ----------------------------------------- */

struct waker {
	struct thread *sleeper;
	struct bpf_map *m;
	int state;                      /* 1: sent the NMI, 2: gave up */
};

/* Once the sleeper is queued and blocked, NMI ourselves: the handler
 * outputs a record, its wakeup goes irq_work -> waitq_wake_all. */
static void waker_main(void *arg)
{
	struct waker *w = arg;
	u64 t0 = clock_ns();
	while (list_empty(&w->m->wait.waiters) ||
	       READ_ONCE(w->sleeper->state) != THREAD_BLOCKED) {
		if (clock_ns() - t0 > 3 * NSEC_PER_SEC) {
			smp_store_release(&w->state, 2);
			return;
		}
		sched_yield();
	}
	wake_nmi.cpu = this_cpu_id();
	arch_send_nmi(this_cpu_id());
	smp_store_release(&w->state, 1);
}

static void wake_case(struct ktest *t, struct bpf_map *m, u64 flags, bool expect_wake)
{
	struct waker wk = { .sleeper = current_thread(), .m = m };
	wake_nmi.rb = m->rb;
	wake_nmi.flags = flags;
	wake_nmi.cpu = MAX_CPUS;
	wake_nmi.fired = false;
	wake_nmi.was_nmi = false;
	unsigned int cpu = 0;
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		if (cpu_online_(c))
			cpu = c;                /* the last one: not ours on smp >= 2 */
	KT_ASSERT(t, kthread_create_on("rbt-waker", waker_main, &wk, cpu) != NULL);
	u64 t0 = clock_ns();
	u64 limit = expect_wake ? 5 * NSEC_PER_SEC : 300 * NSEC_PER_MSEC;
	struct waiter w;
	int why = WAKE_NORMAL;
	/* ring_buffer__poll: wait until data or timeout, re-checking after
	 * each wakeup (another CPU's irq_work could wake us spuriously). */
	for (;;) {
		waitq_add(&m->wait, &w);
		if (bpf_ringbuf_query(m->rb, BPF_RB_AVAIL_DATA)) {
			waitq_remove(&m->wait, &w);
			break;
		}
		why = sched_sleep(t0 + limit);
		waitq_remove(&m->wait, &w);
		if (why == WAKE_TIMEOUT)
			break;
	}
	u64 waited = clock_ns() - t0;
	while (!smp_load_acquire(&wk.state))
		sched_yield();
	KT_EXPECT_EQ(t, wk.state, 1);
	u64 tw = clock_ns();
	while (!__atomic_load_n(&wake_nmi.fired, __ATOMIC_SEQ_CST) && clock_ns() - tw < NSEC_PER_SEC)
		sched_yield();
	KT_EXPECT(t, wake_nmi.fired);
	KT_EXPECT(t, wake_nmi.was_nmi);
	KT_EXPECT_EQ(t, wake_nmi.ret, 0);
	if (expect_wake) {
		if (!KT_EXPECT_EQ(t, why, WAKE_NORMAL))
			ktest_diag(t, "flags %llu: not woken", flags);
		KT_EXPECT_GT(t, bpf_ringbuf_query(m->rb, BPF_RB_AVAIL_DATA), 0);
	} else {
		KT_EXPECT_EQ(t, why, WAKE_TIMEOUT);   /* NO_WAKEUP: nobody woke us */
	}
	/* Consume it, so the next case starts with an empty ring. */
	KT_EXPECT_EQ(t, bpf_ringbuf_query(m->rb, BPF_RB_AVAIL_DATA), 24);
	u64 pos = bpf_ringbuf_query(m->rb, BPF_RB_PROD_POS);
	u32 *hdr = (u32 *)(bpf_ringbuf_data(m->rb) + ((pos - 24) & m->rb->mask));
	KT_EXPECT_EQ(t, hdr[0], 16);
	KT_EXPECT_EQ(t, ((u64 *)(hdr + 2))[0], 0x4e4d4977616b65ull);
	smp_store_release(bpf_ringbuf_consumer(m->rb), pos);
	ktest_diag(t, "flags %llu: NMI on CPU %u, %s after %llu us", flags, wake_nmi.cpu,
		   why == WAKE_NORMAL ? "woken" : "timed out", waited / 1000);
}

static void test_wakeup_from_nmi(struct ktest *t)
{
	struct leak_mark lm;
	long err = 0;
	leak_begin(&lm);
	struct bpf_map *m = ring_map(BPF_MAP_TYPE_RINGBUF, 8192, 0, &err);
	if (!KT_EXPECT(t, m != NULL)) {
		ktest_diag(t, "bpf_map_alloc: %ld", err);
		return;
	}
	if (nmi_arm(t, NMI_WAKE)) {
		wake_case(t, m, 0, true);      /* the consumer waits at this record */
		wake_case(t, m, BPF_RB_FORCE_WAKEUP, true);
		wake_case(t, m, BPF_RB_NO_WAKEUP, false);
	}
	nmi_release();
	bpf_map_put(m);
	leak_end(t, &lm);
}

static const struct ktest_case bpf_ringbuf_cases[] = {
	KTEST_CASE(test_mpsc_exact),
	KTEST_CASE(test_mpsc_overwrite),
	KTEST_CASE(test_user_ring_hostile),
	KTEST_CASE(test_wakeup_from_nmi),
	{ 0 },
};
KTEST_SUITE_ORDER(bpf_ringbuf, 60, bpf_ringbuf_cases, NULL);
