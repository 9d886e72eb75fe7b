/* What the kernel does once it is up. */
#include <lib/string.h>
#include <arch/irqflags.h>
#include <kernel/arch.h>
#include <kernel/clock.h>
#include <kernel/init.h>
#include <kernel/nmi.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>

void init_start(void)
{
	printk("Ringtail is up: %zu of %zu frames free, clock %s.\n", frame_free_count(),
	       frame_total_count(), arch_clock_source());
	printk("Nothing to run yet; idling. Quit QEMU with Ctrl-A X.\n");
	for (;;)
		arch_idle();
}

static spinlock_t crash_lock = SPINLOCK_INIT("crashtest");

/* An NMI handler that breaks the rule: the spinlock code must catch it. */
static void nmi_takes_lock(struct trap_frame *f)
{
	irqflags_t fl = spin_lock_irqsave(&crash_lock);
	spin_unlock_irqrestore(&crash_lock, fl);
}

void crashtest(const char *what)
{
	printk("crashtest: triggering %s on purpose\n", what);
	if (strcmp(what, "ud") == 0)
		__asm__ __volatile__("ud2");
	else if (strcmp(what, "pf") == 0)
		*(volatile u64 *)0xdead0000ull = 1;
	else if (strcmp(what, "gp") == 0)
		*(volatile u64 *)0x8000000000000000ull = 1;  /* non-canonical */
	else if (strcmp(what, "nmi-lock") == 0) {
		nmi_register(nmi_takes_lock);
		arch_send_nmi(this_cpu_id());
		clock_delay_ns(100 * NSEC_PER_MSEC);
	} else if (strcmp(what, "panic") == 0)
		panic("crashtest panic");
	panic("crashtest: unknown kind \"%s\" (ud, pf, gp, nmi-lock, panic)", what);
}
