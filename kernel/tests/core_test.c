/* Core kernel services: per-CPU data, spinlocks, symbols, command line. */
#include <lib/string.h>
#include <arch/irqflags.h>
#include <kernel/bootinfo.h>
#include <kernel/cmdline.h>
#include <kernel/ksyms.h>
#include <kernel/ktest.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/arch/entry.h>


static void test_percpu_through_gs(struct ktest *t)
{
	struct cpu *c = this_cpu();
	KT_EXPECT(t, c->self == c);
	KT_EXPECT(t, cpu_table[c->id] == c);
	KT_EXPECT(t, c->online);
	int before = c->preempt_count;
	preempt_disable();
	KT_EXPECT_EQ(t, this_cpu()->preempt_count, before + 1);
	preempt_enable();
	KT_EXPECT_EQ(t, this_cpu()->preempt_count, before);
}

static void test_spinlock_irqsave(struct ktest *t)
{
	static spinlock_t l = SPINLOCK_INIT("test");
	KT_ASSERT(t, arch_irqs_enabled());
	irqflags_t f = spin_lock_irqsave(&l);
	KT_EXPECT(t, !arch_irqs_enabled());
	KT_EXPECT(t, spin_is_locked(&l));
	KT_EXPECT_EQ(t, l.cpu, (s32)this_cpu_id());
	KT_EXPECT(t, !spin_trylock_raw(&l));
	spin_unlock_irqrestore(&l, f);
	KT_EXPECT(t, arch_irqs_enabled());
	KT_EXPECT(t, !spin_is_locked(&l));
	/* Nested irqsave with interrupts already off must not turn them on. */
	arch_irq_disable();
	f = spin_lock_irqsave(&l);
	spin_unlock_irqrestore(&l, f);
	KT_EXPECT(t, !arch_irqs_enabled());
	arch_irq_enable();
	KT_EXPECT(t, spin_trylock_raw(&l));
	spin_unlock_raw(&l);
}

static void test_ksyms(struct ktest *t)
{
	u64 off = 99, size = 0;
	const char *name = ksym_lookup((u64)kmain, &off, &size);
	KT_ASSERT(t, name != NULL);
	KT_EXPECT(t, strcmp(name, "kmain") == 0);
	KT_EXPECT_EQ(t, off, 0);
	KT_EXPECT_GT(t, size, 0);
	name = ksym_lookup((u64)kmain + size / 2, &off, NULL);
	KT_EXPECT(t, name && strcmp(name, "kmain") == 0 && off == size / 2);
	KT_EXPECT_EQ(t, ksym_address("kmain"), (u64)kmain);
	KT_EXPECT(t, ksym_lookup(0x1000, NULL, NULL) == NULL);
	char buf[64];
	ksym_format((u64)kmain + 3, buf, sizeof(buf));
	KT_EXPECT(t, strncmp(buf, "kmain+0x3/", 10) == 0);
}

static void test_cmdline_parsing(struct ktest *t)
{
	char v[32];
	cmdline_init("ktest=a,b quiet run=prog1 x= -- --argv1 two");
	KT_EXPECT(t, cmdline_get("ktest", v, sizeof(v)) && strcmp(v, "a,b") == 0);
	KT_EXPECT(t, cmdline_get("run", v, sizeof(v)) && strcmp(v, "prog1") == 0);
	KT_EXPECT(t, cmdline_get("x", v, sizeof(v)) && v[0] == 0);
	KT_EXPECT(t, cmdline_has("quiet"));
	KT_EXPECT(t, !cmdline_has("qui"));
	KT_EXPECT(t, !cmdline_get("quiet", v, sizeof(v)));   /* a flag has no value */
	KT_EXPECT(t, !cmdline_has("--argv1"));              /* program arguments */
	KT_EXPECT(t, strcmp(cmdline_tail(), "--argv1 two") == 0);
	cmdline_init(bootinfo.cmdline);                      /* restore */
}

static const struct ktest_case core_cases[] = {
	KTEST_CASE(test_percpu_through_gs),
	KTEST_CASE(test_spinlock_irqsave),
	KTEST_CASE(test_ksyms),
	KTEST_CASE(test_cmdline_parsing),
	{ 0 },
};
KTEST_SUITE_ORDER(core, 5, core_cases, NULL);
