/* Address spaces across fork: the child gets a copy of every area, and
 * the frames of private areas are shared copy-on-write (both sides map
 * them read-only; the first write copies, cow_break). Shared areas
 * (MAP_SHARED anonymous memory, shared file mappings) keep sharing the
 * same frames; device areas are re-faulted by the child from their
 * device, except those that fork must not copy (perf buffers). */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include "mm_internal.h"

int cow_break(struct mm *mm, struct vma *v, u64 page, paddr_t pa)
{
	unsigned want = page_prot(v, page, v->prot);
	if (frame_refs(pa) == 1) {
		/* The other sharers are gone: the page is ours alone. */
		vm_protect(&mm->as, page, want);
		return 0;
	}
	paddr_t copy = frame_alloc();
	if (!copy)
		return -ENOMEM;
	memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
	vm_unmap_noflush(&mm->as, page);
	tlb_shootdown_range(&mm->as, page, 1);
	if (vm_map(&mm->as, page, copy, want)) {
		/* Cannot happen: the page table for page exists. Put it back. */
		vm_map(&mm->as, page, pa, want & ~VM_WRITE);
		frame_free(copy);
		return -ENOMEM;
	}
	frame_free(pa);                 /* our reference to the shared one */
	return 0;
}

/* Map frame pa at va in as with flags fl, which may be 0 (PROT_NONE: the
 * frame stays recorded but inaccessible). */
static int map_copy(struct aspace *as, u64 va, paddr_t pa, unsigned fl)
{
	int rc = vm_map(as, va, pa, fl ? fl : pte_flags(VM_READ));
	if (!rc && !fl)
		vm_protect(as, va, 0);
	return rc;
}

/* Copy area v of old into new (both locked), sharing its frames. */
static int copy_pages(struct mm *old, struct mm *new, struct vma *v)
{
	if (v->kind == VMA_DEVICE)
		return 0;               /* the child faults the device's pages in */
	if (v->shared) {
		/* Every page must exist before it can be shared. */
		for (u64 va = v->start; va < v->end; va += PAGE_SIZE)
			if (!vm_query(&old->as, va, NULL, NULL) && fault_in(old, v, va, false) == -ENOMEM)
				return -ENOMEM;
	}
	for (u64 va = vm_next_present(&old->as, v->start, v->end); va < v->end;
	     va = vm_next_present(&old->as, va + PAGE_SIZE, v->end)) {
		paddr_t pa;
		unsigned fl;
		if (!vm_lookup(&old->as, va, &pa, &fl))
			continue;
		if (!v->shared && (fl & VM_WRITE)) {
			fl &= ~VM_WRITE;
			vm_protect(&old->as, va, fl);     /* shoots the old TLB entry down */
		}
		frame_get(pa);
		if (map_copy(&new->as, va, pa, fl)) {
			frame_free(pa);
			return -ENOMEM;
		}
		new->pages++;
	}
	return 0;
}

int mm_dup(struct mm *old, struct mm **out)
{
	struct mm *new = mm_create();
	if (!new)
		return -ENOMEM;
	int rc = 0;
	mutex_lock(&old->mmap_lock);
	spin_lock(&old->lock);
	struct vma *tail = NULL;
	for (struct vma *v = old->vmas; v && !rc; v = v->next) {
		if (v->ops && v->ops->dontcopy)
			continue;
		struct vma *n = kmalloc(sizeof(*n));
		if (!n) {
			rc = -ENOMEM;
			break;
		}
		*n = *v;
		n->next = NULL;
		n->mm = new;
		if (n->file)
			file_get(n->file);
		if (v->ops && v->ops->open)
			v->ops->open(n);
		/* Appended in order: the list stays sorted. */
		if (tail)
			tail->next = n;
		else
			new->vmas = n;
		tail = n;
		rc = copy_pages(old, new, v);
	}
	new->brk_start = old->brk_start;
	new->brk = old->brk;
	new->mmap_top = old->mmap_top;
	spin_unlock(&old->lock);
	mutex_unlock(&old->mmap_lock);
	if (rc) {
		mm_put(new);            /* frees what was copied */
		return rc;
	}
	*out = new;
	return 0;
}
