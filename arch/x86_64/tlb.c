/* TLB invalidation. A change to a mapping must reach every CPU that may
 * have the old translation cached before the frame is reused. */
#include <arch/x86.h>
#include <kernel/vm.h>

void tlb_shootdown(struct aspace *as, vaddr_t va, bool all);

void tlb_shootdown(struct aspace *as, vaddr_t va, bool all)
{
	/* Kernel-half mappings are global (shared by all address spaces);
	 * user mappings matter only if this address space is loaded. */
	bool loaded = (read_cr3() & ~0xfffull) == as->root || va >= USER_TOP;
	if (loaded) {
		if (all)
			tlb_flush_all();
		else
			invlpg(va);
	}
}
