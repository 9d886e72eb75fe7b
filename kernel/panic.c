/* panic and warnings. A panic stops this CPU (and asks the others to stop);
 * in test mode it ends the QEMU run with the failure code so the harness
 * reports it at once instead of waiting for a timeout. */
#include <lib/fmt.h>
#include <arch/irqflags.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/ksyms.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <kernel/arch/cpu.h>

bool ktest_mode;
static int panicking;

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	arch_irq_disable();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) > 0) {
		/* A panic while panicking (or on another CPU): just stop. */
		arch_halt_forever();
	}
	printk_enter_emergency();
	smp_stop_others();
	printk("\nKernel panic on CPU %u: %s\n", this_cpu_id(), msg);
	u64 rbp = (u64)__builtin_frame_address(0);
	arch_print_backtrace_from((u64)__builtin_return_address(0), rbp ? ((u64 *)rbp)[0] : 0);
	if (ktest_mode) {
		printk_emergency("# ktest: kernel panic, ending the run with failure\n");
		arch_poweroff(false);
	}
	printk_emergency("System halted.\n");
	arch_halt_forever();
}

void warn_at(const char *file, int line, const char *what)
{
	u64 pcs[16];
	printk("WARNING at %s:%d: %s\n", file, line, what);
	int n = arch_backtrace_here(pcs, 16);
	for (int i = 0; i < n; i++)
		printk("  #%d %#018llx\n", i, pcs[i]);
}
