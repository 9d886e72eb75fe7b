/* Helpers shared by the files of kernel/mm (mm.c and fork.c); the rest of
 * the kernel uses kernel/mm.h. */
#pragma once
#include <kernel/mm.h>

/* Page-table flags for an area's protection (any access implies read). */
unsigned pte_flags(unsigned prot);
/* The same for page addr of area v (a device may keep pages read-only). */
unsigned page_prot(struct vma *v, u64 addr, unsigned prot);
struct vma *new_vma(u64 start, u64 end, unsigned prot, unsigned kind);
void insert_vma(struct mm *mm, struct vma *n);
/* Fill page `page` of area v (mm->lock held). */
int fault_in(struct mm *mm, struct vma *v, u64 page, bool write);
/* A write to page, mapped read-only at pa because it is shared since a
 * fork: give this mm its own copy (or the page itself if nobody else has
 * it any more). mm->lock held; 0 or -ENOMEM. */
int cow_break(struct mm *mm, struct vma *v, u64 page, paddr_t pa);
