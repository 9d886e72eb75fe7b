/* Running the in-kernel benchmarks (see kbench.h). */
#include <lib/string.h>
#include <kernel/kbench.h>
#include <kernel/ktest.h>
#include <kernel/printk.h>

extern const struct kbench *const __kbench_start[], *const __kbench_end[];

void kbench_report(const char *name, u64 value_x100, const char *unit)
{
	printk("bench %s %llu.%02llu %s\n", name, value_x100 / 100, value_x100 % 100, unit);
}

void kbench_run(const char *sel)
{
	for (const struct kbench *const *b = __kbench_start; b < __kbench_end; b++)
		if (ktest_selected(sel, (*b)->name))
			(*b)->fn();
}
