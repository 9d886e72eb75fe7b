/* Frame-pointer backtraces of kernel code. The kernel is built with
 * -fno-omit-frame-pointer, so each frame starts with [saved rbp][return rip].
 * The walk only follows frame pointers that stay inside one kernel stack and
 * move upwards, and checks each one is mapped, so a corrupt chain ends the
 * walk instead of faulting (it also runs from exception and NMI context). */
#include <arch/x86.h>
#include <kernel/ksyms.h>
#include <kernel/printk.h>
#include <kernel/thread.h>
#include <arch/x86/cpu.h>
#include <kernel/arch/cpu.h>

#define MAX_STACK_SPAN (64 * 1024)


static bool frame_ok(u64 fp, u64 first)
{
	if (fp & 7 || fp < KERNEL_VMA - (1ull << 46) || fp < first)
		return false;
	if (fp - first > MAX_STACK_SPAN)
		return false;
	return arch_kernel_addr_mapped(fp) && arch_kernel_addr_mapped(fp + 8);
}

int arch_backtrace_from(u64 rip, u64 rbp, u64 *pcs, int max)
{
	int n = 0;
	if (max <= 0)
		return 0;
	pcs[n++] = rip;
	u64 first = rbp;
	while (n < max && rbp && frame_ok(rbp, first)) {
		u64 ret = ((u64 *)rbp)[1];
		u64 next = ((u64 *)rbp)[0];
		if (ret < KERNEL_VMA)
			break;
		pcs[n++] = ret;
		if (next <= rbp)
			break;
		rbp = next;
	}
	return n;
}

int arch_backtrace_here(u64 *pcs, int max)
{
	u64 rbp;
	__asm__ __volatile__("mov %%rbp, %0" : "=r"(rbp));
	/* Start at our caller: skip this function's own frame. */
	if (!rbp || !arch_kernel_addr_mapped(rbp))
		return 0;
	return arch_backtrace_from(((u64 *)rbp)[1], ((u64 *)rbp)[0], pcs, max);
}

void arch_print_backtrace_from(u64 rip, u64 rbp)
{
	u64 pcs[32];
	char sym[96];
	int n = arch_backtrace_from(rip, rbp, pcs, 32);
	printk("Backtrace:\n");
	for (int i = 0; i < n; i++) {
		/* Return addresses point after the call: look up ret-1 so a call
		 * at the very end of a function is attributed to it. */
		ksym_format(i == 0 ? pcs[i] : pcs[i] - 1, sym, sizeof(sym));
		printk("  #%d %#018llx %s\n", i, pcs[i], sym);
	}
}

/* switch_stacks (switch.asm) left r15 r14 r13 r12 rbx rbp and the return
 * address at t->ksp: that return address and rbp start the walk. */
void arch_print_thread_backtrace(const struct thread *t)
{
	u64 ksp = READ_ONCE(t->ksp);
	if (ksp & 7 || !arch_kernel_addr_mapped(ksp) || !arch_kernel_addr_mapped(ksp + 6 * 8)) {
		printk("  (its saved stack pointer %#llx is not readable)\n", ksp);
		return;
	}
	const u64 *frame = (const u64 *)ksp;
	arch_print_backtrace_from(frame[6], frame[5]);
}
