/* Several CPUs: cross-CPU calls and TLB shootdowns (run with smp >= 2). */
#include <lib/string.h>
#include <arch/irqflags.h>
#include <arch/preempt.h>
#include <arch/mmu.h>
#include <kernel/clock.h>
#include <kernel/ktest.h>
#include <kernel/percpu.h>
#include <kernel/smp.h>
#include <kernel/vm.h>
#include <kernel/arch/cpu.h>

static void where_am_i(void *arg)
{
	*(volatile int *)arg = (int)this_cpu_id();
}

static void test_call_reaches_each_cpu(struct ktest *t)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!cpu_table[c] || !cpu_table[c]->online)
			continue;
		volatile int ran_on = -1;
		smp_call(c, where_am_i, (void *)&ran_on);
		KT_EXPECT_EQ(t, ran_on, (int)c);
	}
}

static void nothing(void *arg)
{
}

static void test_call_latency_reported(struct ktest *t)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	u64 t0 = clock_ns();
	for (int i = 0; i < 1000; i++)
		smp_call_mask(~0ull, nothing, NULL);
	u64 ns = (clock_ns() - t0) / 1000;
	ktest_diag(t, "cross-CPU call round trip: %llu ns", ns);
	KT_EXPECT_LT(t, ns, 100 * NSEC_PER_MSEC);
}

static volatile int hits[MAX_CPUS];
static void count_hit(void *arg)
{
	__atomic_fetch_add(&hits[this_cpu_id()], 1, __ATOMIC_SEQ_CST);
}

static void test_call_mask_runs_once_per_cpu(struct ktest *t)
{
	memset((void *)hits, 0, sizeof(hits));
	for (int round = 0; round < 200; round++)
		smp_call_mask(~0ull, count_hit, NULL);
	preempt_disable();
	unsigned int self = this_cpu_id();
	preempt_enable();
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!cpu_table[c] || !cpu_table[c]->online)
			continue;
		/* Every other CPU ran it 200 times (we may have migrated). */
		if (c != self)
			KT_EXPECT_LE(t, 0, hits[c]);
	}
	int total = 0;
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		total += hits[c];
	KT_EXPECT_GE(t, total, 200 * ((int)nr_cpus_online - 1) - 200);
}

struct probe {
	volatile u64 *addr;
	struct fault_info fi;
	bool faulted;
};

static void touch(void *arg)
{
	(void)*(volatile u64 *)arg;
}

static void probe_on_cpu(void *arg)
{
	struct probe *p = arg;
	/* Runs in interrupt context: arch_call_catching_fault is per CPU. */
	p->faulted = arch_call_catching_fault(touch, (void *)p->addr, &p->fi);
}

static void test_kernel_unmap_reaches_every_tlb(struct ktest *t)
{
	if (nr_cpus_online < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	paddr_t pa = frame_alloc();
	volatile u64 *va = vmap_frames(&pa, 1, VM_READ | VM_WRITE);
	KT_ASSERT(t, va != NULL);
	*va = 42;
	/* Every CPU reads it: the translation is now in every TLB. */
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!cpu_table[c] || !cpu_table[c]->online)
			continue;
		struct probe p = { .addr = va };
		smp_call(c, probe_on_cpu, &p);
		KT_EXPECT(t, !p.faulted);
	}
	vunmap_frames((void *)va, 1);
	frame_free(pa);
	/* After the unmap, every CPU faults on it. */
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!cpu_table[c] || !cpu_table[c]->online)
			continue;
		struct probe p = { .addr = va };
		smp_call(c, probe_on_cpu, &p);
		if (!KT_EXPECT(t, p.faulted))
			ktest_diag(t, "CPU %u still reached the unmapped page", c);
		else
			KT_EXPECT_EQ(t, p.fi.addr, (u64)va);
	}
}

static const struct ktest_case smp_cases[] = {
	KTEST_CASE(test_call_reaches_each_cpu),
	KTEST_CASE(test_call_mask_runs_once_per_cpu),
	KTEST_CASE(test_call_latency_reported),
	KTEST_CASE(test_kernel_unmap_reaches_every_tlb),
	{ 0 },
};
KTEST_SUITE_ORDER(smp, 40, smp_cases, NULL);
