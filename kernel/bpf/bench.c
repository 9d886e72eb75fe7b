/* In-kernel benchmarks of the BPF ring buffer core (make bench).
 *
 *   bpf_core_{1,2,4}p_mrec_s   P producer kthreads, producer i pinned to
 *                              CPU (1 + i) % ncpus, output 16-byte records
 *                              back to back with BPF_RB_NO_WAKEUP; one
 *                              consumer kthread pinned to CPU 0 drains like
 *                              libbpf. Records consumed per second over a
 *                              fixed window; bpf_core_{1,2,4}p_drop_pct is
 *                              the share of outputs refused for lack of
 *                              room in that window.
 *   bpf_core_nmi_output_ns     one bpf_ringbuf_output of 16 bytes from NMI
 *                              context (self-NMIs; best round of 512).
 *
 * With fewer CPUs than producers + 1, threads share CPUs by time slice
 * (10 ms), which the numbers then include: the "# bpf_core" line says how
 * many CPUs there were. */
#include <lib/string.h>
#include <arch/barrier.h>
#include <arch/preempt.h>
#include <kernel/clock.h>
#include <kernel/kbench.h>
#include <kernel/nmi.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/thread.h>
#include "bpf.h"
#include <kernel/arch/irq.h>

#define BENCH_RING (128 * 1024)
#define WARMUP_NS (50 * NSEC_PER_MSEC)
#define WINDOW_NS (1000 * NSEC_PER_MSEC)
#define MAX_PRODUCERS 4

struct bench_prod {
	u64 ok, fail;
	unsigned int idx;
	struct bench_run *run;
} __aligned(64);

struct bench_run {
	struct bpf_ringbuf *rb;
	int go, stop, done;
	u64 consumed __aligned(64);
	struct bench_prod p[MAX_PRODUCERS];
};

static struct bpf_map *bench_map(u32 size)
{
	union bpf_attr attr;
	char name[BPF_OBJ_NAME_LEN] = "bench_ring";
	long err;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_RINGBUF;
	attr.max_entries = size;
	return bpf_map_alloc(&attr, name, &err);
}

static void bench_producer(void *arg)
{
	struct bench_prod *p = arg;
	struct bench_run *r = p->run;
	u64 rec[2] = { p->idx, 0 };
	while (!smp_load_acquire(&r->go))
		sched_yield();
	while (!READ_ONCE(r->stop)) {
		if (bpf_ringbuf_output(r->rb, rec, sizeof(rec), BPF_RB_NO_WAKEUP) == 0)
			WRITE_ONCE(p->ok, p->ok + 1);
		else
			WRITE_ONCE(p->fail, p->fail + 1);
		rec[1]++;
	}
	__atomic_fetch_add(&r->done, 1, __ATOMIC_RELEASE);
}

/* libbpf's consume loop: acquire producer_pos and each len, stop at BUSY,
 * release consumer_pos after each record. */
static void bench_consumer(void *arg)
{
	struct bench_run *r = arg;
	struct bpf_ringbuf *rb = r->rb;
	unsigned long *consp = bpf_ringbuf_consumer(rb);
	unsigned long *prodp = &bpf_ringbuf_producer(rb)->producer_pos;
	u8 *data = bpf_ringbuf_data(rb);
	u64 n = 0, sum = 0;
	while (!smp_load_acquire(&r->go))
		sched_yield();
	while (!READ_ONCE(r->stop)) {
		unsigned long cons = smp_load_acquire(consp);
		unsigned long prod = smp_load_acquire(prodp);
		while (cons < prod) {
			u32 *hdr = (u32 *)(data + (cons & rb->mask));
			u32 len = smp_load_acquire(hdr);
			if (len & BPF_RINGBUF_BUSY_BIT)
				break;
			cons += ALIGN_UP((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) +
					 BPF_RINGBUF_HDR_SZ, 8);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				sum += ((u64 *)(hdr + 2))[1];   /* read the sample */
				n++;
			}
			smp_store_release(consp, cons);
		}
		WRITE_ONCE(r->consumed, n);
		cpu_relax();
	}
	(void)sum;
	__atomic_fetch_add(&r->done, 1, __ATOMIC_RELEASE);
}

static void snap(struct bench_run *r, int np, u64 *consumed, u64 *ok, u64 *fail)
{
	*ok = *fail = 0;
	for (int i = 0; i < np; i++) {
		*ok += READ_ONCE(r->p[i].ok);
		*fail += READ_ONCE(r->p[i].fail);
	}
	*consumed = READ_ONCE(r->consumed);
}

static void bench_core(int np, const char *name, const char *drop_name)
{
	static struct bench_run run;
	struct bench_run *r = &run;
	unsigned int ncpus = nr_cpus_online;
	static bool said;
	if (!said) {
		printk("# bpf_core: %u CPU(s) online; producer i on CPU (1+i)%%%u, consumer on "
		       "CPU 0, 16-byte records, %u KiB ring, %llu ms window\n", ncpus, ncpus,
		       BENCH_RING / 1024, WINDOW_NS / NSEC_PER_MSEC);
		said = true;
	}
	struct bpf_map *m = bench_map(BENCH_RING);
	if (!m) {
		printk("# %s: cannot allocate the ring\n", name);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->rb = m->rb;
	int threads = thread_count(), started = 0;
	if (kthread_create_on("bench-rb-cons", bench_consumer, r, 0))
		started++;
	for (int i = 0; i < np; i++) {
		r->p[i].idx = (unsigned int)i;
		r->p[i].run = r;
		if (kthread_create_on("bench-rb-prod", bench_producer, &r->p[i],
				      (unsigned int)(1 + i) % ncpus))
			started++;
	}
	smp_store_release(&r->go, 1);
	sleep_until(clock_ns() + WARMUP_NS, NULL);
	u64 c0, ok0, fail0, c1, ok1, fail1;
	u64 t0 = clock_ns();
	snap(r, np, &c0, &ok0, &fail0);
	sleep_until(t0 + WINDOW_NS, NULL);
	snap(r, np, &c1, &ok1, &fail1);
	u64 ns = clock_ns() - t0;
	smp_store_release(&r->stop, 1);
	while (smp_load_acquire(&r->done) < started)
		sched_yield();
	u64 tries = (ok1 - ok0) + (fail1 - fail0);
	kbench_report(name, (c1 - c0) * 100 * 1000 / (ns ? ns : 1), "Mrec/s");
	kbench_report(drop_name, tries ? (fail1 - fail0) * 10000 / tries : 0, "%");
	bpf_map_put(m);
	u64 tw = clock_ns();
	while (thread_count() > threads && clock_ns() - tw < 2 * NSEC_PER_SEC)
		sched_yield();          /* the reaper frees the threads */
}

static void bench_1p(void) { bench_core(1, "bpf_core_1p_mrec_s", "bpf_core_1p_drop_pct"); }
static void bench_2p(void) { bench_core(2, "bpf_core_2p_mrec_s", "bpf_core_2p_drop_pct"); }
static void bench_4p(void) { bench_core(4, "bpf_core_4p_mrec_s", "bpf_core_4p_drop_pct"); }
KBENCH(bpf_core_1p_mrec_s, bench_1p);
KBENCH(bpf_core_2p_mrec_s, bench_2p);
KBENCH(bpf_core_4p_mrec_s, bench_4p);

/* --- one output from NMI context -------------------------------------- */

#define NMI_OUTPUTS 512
#define NMI_ROUNDS 40

static struct {
	struct bpf_ringbuf *rb;
	int armed;
	int fired;
	u64 ns;
	long failed;
} nb;

static void bench_nmi_handler(struct trap_frame *f)
{
	if (!__atomic_exchange_n(&nb.armed, 0, __ATOMIC_SEQ_CST))
		return;
	u64 rec[2] = { 0, 0 };
	u64 t0 = clock_ns();
	for (int i = 0; i < NMI_OUTPUTS; i++) {
		rec[1] = (u64)i;
		nb.failed += bpf_ringbuf_output(nb.rb, rec, sizeof(rec), BPF_RB_NO_WAKEUP) != 0;
	}
	nb.ns = clock_ns() - t0;
	__atomic_store_n(&nb.fired, 1, __ATOMIC_SEQ_CST);
}

static void bench_nmi_output(void)
{
	struct bpf_map *m = bench_map(64 * 1024);   /* 512 x 24 bytes fit */
	if (!m) {
		printk("# bpf_core_nmi_output_ns: cannot allocate the ring\n");
		return;
	}
	if (nmi_register(bench_nmi_handler)) {
		printk("# bpf_core_nmi_output_ns skipped: NMI handler table full\n");
		bpf_map_put(m);
		return;
	}
	memset(&nb, 0, sizeof(nb));
	nb.rb = m->rb;
	u64 best = ~0ull, thread_best = ~0ull;
	int rounds = 0;
	for (int i = 0; i < NMI_ROUNDS; i++) {
		/* Empty the ring: we are its only consumer. */
		smp_store_release(bpf_ringbuf_consumer(m->rb),
				  bpf_ringbuf_query(m->rb, BPF_RB_PROD_POS));
		__atomic_store_n(&nb.fired, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&nb.armed, 1, __ATOMIC_SEQ_CST);
		preempt_disable();
		arch_send_nmi(this_cpu_id());
		preempt_enable();
		u64 t0 = clock_ns();
		while (!__atomic_load_n(&nb.fired, __ATOMIC_SEQ_CST) &&
		       clock_ns() - t0 < 100 * NSEC_PER_MSEC)
			cpu_relax();
		if (!__atomic_load_n(&nb.fired, __ATOMIC_SEQ_CST))
			break;
		rounds++;
		if (nb.ns < best)
			best = nb.ns;
		/* The same loop in thread context, for comparison. */
		smp_store_release(bpf_ringbuf_consumer(m->rb),
				  bpf_ringbuf_query(m->rb, BPF_RB_PROD_POS));
		u64 rec[2] = { 0, 0 };
		preempt_disable();
		t0 = clock_ns();
		for (int k = 0; k < NMI_OUTPUTS; k++) {
			rec[1] = (u64)k;
			bpf_ringbuf_output(m->rb, rec, sizeof(rec), BPF_RB_NO_WAKEUP);
		}
		u64 ns = clock_ns() - t0;
		preempt_enable();
		if (ns < thread_best)
			thread_best = ns;
	}
	/* A handler that took the last arming may still be running. */
	if (!__atomic_exchange_n(&nb.armed, 0, __ATOMIC_SEQ_CST))
		while (!__atomic_load_n(&nb.fired, __ATOMIC_SEQ_CST))
			cpu_relax();
	nmi_unregister(bench_nmi_handler);
	if (!rounds || nb.failed) {
		printk("# bpf_core_nmi_output_ns skipped: %d NMI rounds, %ld failed outputs\n",
		       rounds, nb.failed);
	} else {
		printk("# bpf_core_nmi_output_ns: best of %d self-NMIs x %d outputs; thread "
		       "context %llu.%02llu ns\n", rounds, NMI_OUTPUTS, thread_best / NMI_OUTPUTS,
		       thread_best * 100 / NMI_OUTPUTS % 100);
		kbench_report("bpf_core_nmi_output_ns", best * 100 / NMI_OUTPUTS, "ns");
	}
	bpf_map_put(m);
}
KBENCH(bpf_core_nmi_output_ns, bench_nmi_output);
