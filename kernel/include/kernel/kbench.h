/* In-kernel benchmarks (`make bench`): each prints lines
 *   bench <name> <value> <unit>
 * on the console. They measure; they never pass or fail. */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

struct kbench {
	const char *name;
	void (*fn)(void);
};

#define KBENCH(bname, bfn)                                                      \
	static const struct kbench kbench_##bname = { #bname, bfn };            \
	static const struct kbench *const kbench_ptr_##bname                     \
		__used __section(".kbench." #bname) = &kbench_##bname

/* Print "bench <name> <value with 2 decimals> <unit>". */
void kbench_report(const char *name, u64 value_x100, const char *unit);
/* Run the benchmarks selected by "all" or "a,b". */
void kbench_run(const char *selection);
