/* Checked access to user memory. Every pointer from user space is first
 * checked to lie wholly below TASK_SIZE (with overflow in mind), then
 * accessed through a fault-recovering copy: a bad pointer becomes -EFAULT,
 * never a kernel fault. Non-canonical addresses never reach the copy (they
 * would raise #GP, not #PF). */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <kernel/mm.h>
#include <kernel/perf.h>
#include <kernel/proc.h>
#include <kernel/usermem.h>
#include <kernel/arch/uaccess.h>


bool user_range_ok(u64 addr, u64 len)
{
	return len <= TASK_SIZE && addr <= TASK_SIZE - len;
}

int copy_from_user(void *dst, u64 usrc, size_t len)
{
	if (!len)
		return 0;
	if (!user_range_ok(usrc, len))
		return -EFAULT;
	return arch_copy_user(dst, (const void *)usrc, len) ? -EFAULT : 0;
}

int copy_to_user(u64 udst, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (!user_range_ok(udst, len))
		return -EFAULT;
	return arch_copy_user((void *)udst, src, len) ? -EFAULT : 0;
}

int clear_user(u64 udst, size_t len)
{
	if (!len)
		return 0;
	if (!user_range_ok(udst, len))
		return -EFAULT;
	return arch_clear_user((void *)udst, len) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, u64 usrc, size_t max)
{
	size_t done = 0;
	while (done < max) {
		/* Copy up to the end of the page: the next page may not exist. */
		u64 at = usrc + done;
		size_t chunk = MIN(max - done, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
		if (copy_from_user(dst + done, at, chunk))
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++)
			if (dst[done + i] == 0)
				return (long)(done + i);
		done += chunk;
	}
	return -ENAMETOOLONG;
}

int copy_from_user_nofault(void *dst, u64 usrc, size_t len)
{
	if (!user_range_ok(usrc, len))
		return -EFAULT;
	return arch_user_read_nofault(usrc, dst, len) ? 0 : -EFAULT;
}

/* A kernel-mode page fault on a user address (copy_*_user touching a page
 * that is not there yet): demand-page it if the area allows the access. */
bool user_memory_fault(struct trap_frame *f, u64 addr)
{
	struct process *p = current_proc();
	if (!p || addr >= TASK_SIZE || this_cpu()->nmi_depth)
		return false;
	/* Only where the faulting code could have slept: with interrupts off
	 * (or in an interrupt handler) a user access just fails, as Linux's
	 * does with page faults disabled. */
	if (!trap_irqs_were_on(f) || this_cpu()->irq_depth)
		return false;
	arch_irq_enable();
	int code;
	bool write = f->error_code & PF_WRITE;
	perf_page_fault(addr, f);
	return mm_handle_fault(p->mm, addr, write, false, &code) == 0;
}
