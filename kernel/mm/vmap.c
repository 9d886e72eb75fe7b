/* Kernel virtual areas: ranges of VMAP_BASE.. handed out first-fit, each
 * followed by an unmapped guard page so an overrun faults at once (a kernel
 * stack overflow becomes a #PF, then a #DF on its IST stack, not silent
 * corruption). */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>
#include <kernel/vm.h>

struct vrange {
	struct vrange *next;
	vaddr_t start;
	size_t pages;
};

static spinlock_t vmap_lock = SPINLOCK_INIT("vmap");
static struct vrange *free_list;        /* sorted by address */
static struct vrange first_range;

/* Range descriptors come from a fixed pool, not the heap: freeing a range
 * then never allocates, and heap usage stays exactly comparable before and
 * after a workload (the process leak checks rely on that). */
#define NR_RANGE_NODES 4096
static struct vrange node_pool[NR_RANGE_NODES];
static struct vrange *node_free;
static bool pool_ready;

static struct vrange *node_get(void)
{
	if (!pool_ready) {
		for (int i = 0; i < NR_RANGE_NODES; i++) {
			node_pool[i].next = node_free;
			node_free = &node_pool[i];
		}
		pool_ready = true;
	}
	struct vrange *n = node_free;
	if (n)
		node_free = n->next;
	return n;
}

static void node_put(struct vrange *n)
{
	if (n && n != &first_range) {
		n->next = node_free;
		node_free = n;
	}
}

static void vmap_init_once(void)
{
	if (!free_list && first_range.pages == 0) {
		first_range.start = VMAP_BASE;
		first_range.pages = VMAP_SIZE / PAGE_SIZE;
		free_list = &first_range;
	}
}

static vaddr_t range_alloc(size_t pages)
{
	irqflags_t f = spin_lock_irqsave(&vmap_lock);
	vmap_init_once();
	vaddr_t va = 0;
	for (struct vrange **pp = &free_list; *pp; pp = &(*pp)->next) {
		struct vrange *r = *pp;
		if (r->pages >= pages) {
			va = r->start;
			r->start += pages * PAGE_SIZE;
			r->pages -= pages;
			/* Empty ranges stay on the list; range_free merges them. */
			break;
		}
	}
	spin_unlock_irqrestore(&vmap_lock, f);
	return va;
}

static void range_free(vaddr_t start, size_t pages)
{
	vaddr_t end = start + pages * PAGE_SIZE;
	irqflags_t f = spin_lock_irqsave(&vmap_lock);
	struct vrange *prev = NULL, *next = free_list;
	while (next && next->start < start) {
		prev = next;
		next = next->next;
	}
	bool join_prev = prev && prev->start + prev->pages * PAGE_SIZE == start;
	bool join_next = next && end == next->start;
	if (join_prev) {
		prev->pages += pages;
		if (join_next) {
			/* The freed hole bridged two free ranges: fold next in. */
			prev->pages += next->pages;
			prev->next = next->next;
			node_put(next);
		}
	} else if (join_next) {
		next->start = start;
		next->pages += pages;
	} else {
		struct vrange *n = node_get();
		if (!n)
			panic("vmap: out of range descriptors");
		n->start = start;
		n->pages = pages;
		n->next = next;
		if (prev)
			prev->next = n;
		else
			free_list = n;
	}
	spin_unlock_irqrestore(&vmap_lock, f);
}

void *vmap_alloc(size_t pages, unsigned flags)
{
	vaddr_t va = range_alloc(pages + 1);
	if (!va)
		return NULL;
	for (size_t i = 0; i < pages; i++) {
		paddr_t pa = frame_alloc();
		if (!pa || vm_map(&kernel_aspace, va + i * PAGE_SIZE, pa, flags | VM_GLOBAL)) {
			if (pa)
				frame_free(pa);
			vmap_free((void *)va, i);
			return NULL;
		}
	}
	return (void *)va;
}

void vmap_free(void *p, size_t pages)
{
	vaddr_t va = (vaddr_t)p;
	paddr_t frames[16];
	/* Unmap, one shootdown for the whole range, only then free frames. */
	for (size_t done = 0; done < pages;) {
		size_t n = MIN(pages - done, ARRAY_SIZE(frames));
		for (size_t i = 0; i < n; i++)
			frames[i] = vm_unmap_noflush(&kernel_aspace, va + (done + i) * PAGE_SIZE);
		tlb_shootdown_range(&kernel_aspace, va + done * PAGE_SIZE, n);
		for (size_t i = 0; i < n; i++)
			if (frames[i])
				frame_free(frames[i]);
		done += n;
	}
	range_free(va, pages + 1);
}

void *vmap_frames(const paddr_t *frames, size_t count, unsigned flags)
{
	vaddr_t va = range_alloc(count + 1);
	if (!va)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		if (vm_map(&kernel_aspace, va + i * PAGE_SIZE, frames[i], flags | VM_GLOBAL)) {
			vunmap_frames((void *)va, i);
			return NULL;
		}
	}
	return (void *)va;
}

void vunmap_frames(void *p, size_t count)
{
	vaddr_t va = (vaddr_t)p;
	for (size_t i = 0; i < count; i++)
		vm_unmap_noflush(&kernel_aspace, va + i * PAGE_SIZE);
	tlb_shootdown_range(&kernel_aspace, va, count);
	range_free(va, count + 1);
}

void *vmap_mmio(paddr_t pa, size_t len)
{
	paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t pages = ALIGN_UP(pa + len, PAGE_SIZE) / PAGE_SIZE - base / PAGE_SIZE;
	vaddr_t va = range_alloc(pages + 1);
	if (!va)
		return NULL;
	for (size_t i = 0; i < pages; i++)
		if (vm_map(&kernel_aspace, va + i * PAGE_SIZE, base + i * PAGE_SIZE,
			   VM_READ | VM_WRITE | VM_NOCACHE | VM_GLOBAL))
			panic("vmap_mmio: cannot map %#llx", pa);
	return (void *)(va + (pa - base));
}
