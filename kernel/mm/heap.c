/* Kernel heap.
 *
 * Small blocks (up to 1 KiB) come from slabs: one frame per slab, a header
 * at the start of the frame, equal-sized blocks after it. Larger blocks get
 * whole contiguous frames with the same kind of header. kfree finds the
 * header by rounding the pointer down to its frame, so no per-block header
 * is needed. A slab whose blocks are all free goes back to the frame
 * allocator at once, so memory use returns to its baseline. */
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/spinlock.h>

#define SLAB_MAGIC  0x51ab51abu
#define LARGE_MAGIC 0x1a26e0bbu
#define HDR_SIZE    64          /* keeps blocks 64-byte (cache line) aligned */

static const u32 class_size[] = { 16, 32, 64, 128, 256, 512, 1024 };
#define NR_CLASSES ARRAY_SIZE(class_size)

struct frame_hdr {
	u32 magic;
	u32 cls;                /* size class (slab) */
	u32 inuse;              /* live blocks (slab) */
	u32 capacity;           /* blocks per slab */
	size_t pages;           /* frames (large) */
	size_t size;            /* requested size (large) */
	void *freelist;         /* free blocks (slab) */
	struct frame_hdr *next, *prev;  /* slabs with free blocks */
};
STATIC_ASSERT(sizeof(struct frame_hdr) <= HDR_SIZE, "heap header fits");

static spinlock_t heap_lock = SPINLOCK_INIT("heap");
static struct frame_hdr *partial[NR_CLASSES];
static struct heap_stats stats;

static int class_for(size_t size)
{
	for (size_t c = 0; c < NR_CLASSES; c++)
		if (size <= class_size[c])
			return (int)c;
	return -1;
}

static void list_add(struct frame_hdr **head, struct frame_hdr *h)
{
	h->prev = NULL;
	h->next = *head;
	if (*head)
		(*head)->prev = h;
	*head = h;
}

static void list_del(struct frame_hdr **head, struct frame_hdr *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		*head = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

static struct frame_hdr *new_slab(int cls)
{
	paddr_t pa = frame_alloc();
	if (!pa)
		return NULL;
	struct frame_hdr *h = phys_to_virt(pa);
	h->magic = SLAB_MAGIC;
	h->cls = cls;
	h->capacity = (PAGE_SIZE - HDR_SIZE) / class_size[cls];
	char *first = (char *)h + HDR_SIZE;
	for (u32 i = 0; i < h->capacity; i++) {
		void **blk = (void **)(first + i * class_size[cls]);
		*blk = i + 1 < h->capacity ? first + (i + 1) * class_size[cls] : NULL;
	}
	h->freelist = first;
	stats.frames++;
	return h;
}

void heap_init(void)
{
	memset(partial, 0, sizeof(partial));
}

static void *large_alloc(size_t size)
{
	size_t pages = ALIGN_UP(size + HDR_SIZE, PAGE_SIZE) / PAGE_SIZE;
	paddr_t pa = frame_alloc_contig(pages, 1);
	if (!pa)
		return NULL;
	struct frame_hdr *h = phys_to_virt(pa);
	h->magic = LARGE_MAGIC;
	h->pages = pages;
	h->size = size;
	irqflags_t f = spin_lock_irqsave(&heap_lock);
	stats.frames += pages;
	stats.allocations++;
	stats.bytes_in_use += size;
	spin_unlock_irqrestore(&heap_lock, f);
	return (char *)h + HDR_SIZE;
}

void *kmalloc(size_t size)
{
	if (size == 0)
		size = 1;
	int cls = class_for(size);
	if (cls < 0)
		return large_alloc(size);
	irqflags_t f = spin_lock_irqsave(&heap_lock);
	struct frame_hdr *h = partial[cls];
	if (!h) {
		h = new_slab(cls);
		if (!h) {
			spin_unlock_irqrestore(&heap_lock, f);
			return NULL;
		}
		list_add(&partial[cls], h);
	}
	void **blk = h->freelist;
	h->freelist = *blk;
	h->inuse++;
	if (!h->freelist)
		list_del(&partial[cls], h);
	stats.allocations++;
	stats.bytes_in_use += class_size[cls];
	spin_unlock_irqrestore(&heap_lock, f);
	return blk;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

static struct frame_hdr *header_of(const void *p)
{
	struct frame_hdr *h = (struct frame_hdr *)ALIGN_DOWN((u64)p, PAGE_SIZE);
	if (h->magic != SLAB_MAGIC && h->magic != LARGE_MAGIC)
		panic("kfree/ksize: %p is not a heap block", p);
	return h;
}

size_t kmalloc_usable_size(const void *p)
{
	struct frame_hdr *h = header_of(p);
	return h->magic == SLAB_MAGIC ? class_size[h->cls] : h->pages * PAGE_SIZE - HDR_SIZE;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct frame_hdr *h = header_of(p);
	if (h->magic == LARGE_MAGIC) {
		if ((char *)p != (char *)h + HDR_SIZE)
			panic("kfree: %p is inside a large block", p);
		size_t pages = h->pages;
		irqflags_t f = spin_lock_irqsave(&heap_lock);
		stats.frames -= pages;
		stats.allocations--;
		stats.bytes_in_use -= h->size;
		spin_unlock_irqrestore(&heap_lock, f);
		h->magic = 0;
		frame_free_contig(virt_to_phys(h), pages);
		return;
	}
	u32 size = class_size[h->cls];
	if (((char *)p - ((char *)h + HDR_SIZE)) % size)
		panic("kfree: %p is not the start of a block", p);
	irqflags_t f = spin_lock_irqsave(&heap_lock);
	if (h->inuse == 0)
		panic("kfree: %p freed twice (slab has no live blocks)", p);
	bool was_full = h->freelist == NULL;
	*(void **)p = h->freelist;
	h->freelist = p;
	h->inuse--;
	stats.allocations--;
	stats.bytes_in_use -= size;
	if (h->inuse == 0) {
		if (!was_full)
			list_del(&partial[h->cls], h);
		h->magic = 0;
		stats.frames--;
		spin_unlock_irqrestore(&heap_lock, f);
		frame_free(virt_to_phys(h));
		return;
	}
	if (was_full)
		list_add(&partial[h->cls], h);
	spin_unlock_irqrestore(&heap_lock, f);
}

void heap_get_stats(struct heap_stats *st)
{
	irqflags_t f = spin_lock_irqsave(&heap_lock);
	*st = stats;
	spin_unlock_irqrestore(&heap_lock, f);
}
