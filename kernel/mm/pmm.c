/* Physical frame allocator: a bitmap with one bit per 4 KiB frame (1 =
 * in use or not RAM), placed in the first free RAM after the kernel, and
 * a reference count per frame: a frame shared copy-on-write between
 * processes, or between a file and the mappings of it, is freed when its
 * last user lets go. A double free is a kernel bug and panics rather than
 * corrupting the map. */
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/bootinfo.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

#define MAX_PHYS (64ull << 30)  /* frames above 64 GiB are ignored */

static spinlock_t pmm_lock = SPINLOCK_INIT("pmm");
static u64 *bitmap;
static u16 *refs;               /* per frame; meaningful while allocated */
static size_t nr_frames;        /* frames covered by the bitmap */
static size_t free_frames;
static size_t total_frames;     /* usable RAM frames */
static size_t search_hint;      /* word index to start searching from */

static inline bool bit_test(size_t i) { return bitmap[i / 64] & (1ull << (i % 64)); }
static inline void bit_set(size_t i) { bitmap[i / 64] |= 1ull << (i % 64); }
static inline void bit_clear(size_t i) { bitmap[i / 64] &= ~(1ull << (i % 64)); }

static void reserve_range(paddr_t start, paddr_t end)
{
	for (paddr_t pa = ALIGN_DOWN(start, PAGE_SIZE); pa < end && pa / PAGE_SIZE < nr_frames;
	     pa += PAGE_SIZE) {
		size_t i = pa / PAGE_SIZE;
		if (!bit_test(i)) {
			bit_set(i);
			free_frames--;
		}
	}
}

static bool overlaps(paddr_t a0, paddr_t a1, paddr_t b0, paddr_t b1)
{
	return a0 < b1 && b0 < a1;
}

/* Is [start, end) free of the kernel, the boot info and modules? */
static bool range_is_clear(const struct bootinfo *bi, paddr_t start, paddr_t end,
			   paddr_t kstart, paddr_t kend)
{
	if (start < 0x100000 || overlaps(start, end, kstart, kend) ||
	    overlaps(start, end, bi->info_start, bi->info_end))
		return false;
	for (int i = 0; i < bi->nr_modules; i++)
		if (overlaps(start, end, bi->modules[i].start, bi->modules[i].end))
			return false;
	return true;
}

void pmm_init(const struct bootinfo *bi, paddr_t kstart, paddr_t kend)
{
	paddr_t top = 0;
	for (int i = 0; i < bi->nr_regions; i++) {
		const struct boot_region *r = &bi->regions[i];
		if (r->usable && r->base + r->len > top)
			top = MIN(r->base + r->len, MAX_PHYS);
	}
	nr_frames = top / PAGE_SIZE;
	size_t map_bytes = ALIGN_UP(nr_frames, 64) / 8;
	size_t bytes = ALIGN_UP(map_bytes + nr_frames * sizeof(u16), PAGE_SIZE);

	/* Find a home for the bitmap in usable RAM that holds nothing else. */
	paddr_t where = 0;
	for (int i = 0; i < bi->nr_regions && !where; i++) {
		const struct boot_region *r = &bi->regions[i];
		if (!r->usable)
			continue;
		for (paddr_t pa = ALIGN_UP(r->base, PAGE_SIZE); pa + bytes <= r->base + r->len;
		     pa += PAGE_SIZE) {
			if (range_is_clear(bi, pa, pa + bytes, kstart, kend)) {
				where = pa;
				break;
			}
		}
	}
	if (!where)
		panic("pmm: no room for a %zu-byte frame bitmap", bytes);
	bitmap = phys_to_virt(where);
	memset(bitmap, 0xff, map_bytes);
	refs = (u16 *)((u8 *)bitmap + map_bytes);
	memset(refs, 0, nr_frames * sizeof(u16));

	for (int i = 0; i < bi->nr_regions; i++) {
		const struct boot_region *r = &bi->regions[i];
		if (!r->usable)
			continue;
		paddr_t s = ALIGN_UP(r->base, PAGE_SIZE);
		paddr_t e = ALIGN_DOWN(MIN(r->base + r->len, top), PAGE_SIZE);
		for (paddr_t pa = s; pa < e; pa += PAGE_SIZE) {
			if (bit_test(pa / PAGE_SIZE)) {
				bit_clear(pa / PAGE_SIZE);
				free_frames++;
			}
		}
	}
	/* Low 1 MiB: BIOS data, and later the SMP trampoline. */
	reserve_range(0, 0x100000);
	reserve_range(kstart, kend);
	reserve_range(where, where + bytes);
	reserve_range(bi->info_start, bi->info_end);
	for (int i = 0; i < bi->nr_modules; i++)
		reserve_range(bi->modules[i].start, bi->modules[i].end);
	total_frames = free_frames;
	printk("pmm: %zu MiB usable, %zu frames free, bitmap at %#llx\n",
	       free_frames * PAGE_SIZE >> 20, free_frames, where);
}

/* Give RAM that was reserved at boot (a boot module, once copied out)
 * back to the allocator. */
void pmm_release_range(paddr_t start, paddr_t end)
{
	irqflags_t f = spin_lock_irqsave(&pmm_lock);
	for (paddr_t pa = ALIGN_UP(start, PAGE_SIZE); pa + PAGE_SIZE <= end; pa += PAGE_SIZE) {
		size_t i = pa / PAGE_SIZE;
		if (i < nr_frames && i >= 0x100000 / PAGE_SIZE && bit_test(i) && !refs[i]) {
			bit_clear(i);
			free_frames++;
			total_frames++;
		}
	}
	spin_unlock_irqrestore(&pmm_lock, f);
}

static paddr_t take_frame_locked(void)
{
	size_t words = ALIGN_UP(nr_frames, 64) / 64;
	for (size_t n = 0; n < words; n++) {
		size_t w = (search_hint + n) % words;
		if (bitmap[w] == ~0ull)
			continue;
		size_t bit = __builtin_ctzll(~bitmap[w]);
		size_t i = w * 64 + bit;
		if (i >= nr_frames)
			continue;
		bit_set(i);
		refs[i] = 1;
		free_frames--;
		search_hint = w;
		return (paddr_t)i * PAGE_SIZE;
	}
	return 0;
}

paddr_t frame_alloc(void)
{
	irqflags_t f = spin_lock_irqsave(&pmm_lock);
	paddr_t pa = take_frame_locked();
	spin_unlock_irqrestore(&pmm_lock, f);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

paddr_t frame_alloc_contig(size_t count, size_t align)
{
	if (count == 0)
		return 0;
	if (align == 0)
		align = 1;
	irqflags_t f = spin_lock_irqsave(&pmm_lock);
	paddr_t found = 0;
	for (size_t i = ALIGN_UP(0x100000 / PAGE_SIZE, align); i + count <= nr_frames; i += align) {
		size_t k = 0;
		while (k < count && !bit_test(i + k))
			k++;
		if (k == count) {
			for (k = 0; k < count; k++) {
				bit_set(i + k);
				refs[i + k] = 1;
			}
			free_frames -= count;
			found = (paddr_t)i * PAGE_SIZE;
			break;
		}
	}
	spin_unlock_irqrestore(&pmm_lock, f);
	if (found)
		memset(phys_to_virt(found), 0, count * PAGE_SIZE);
	return found;
}

static size_t frame_index(paddr_t pa, const char *who)
{
	size_t i = pa / PAGE_SIZE;
	if (pa % PAGE_SIZE || i >= nr_frames || i < 0x100000 / PAGE_SIZE)
		panic("%s: bad frame address %#llx", who, pa);
	return i;
}

void frame_get(paddr_t pa)
{
	size_t i = frame_index(pa, "frame_get");
	irqflags_t f = spin_lock_irqsave(&pmm_lock);
	if (!bit_test(i) || !refs[i] || refs[i] == 0xffff) {
		spin_unlock_irqrestore(&pmm_lock, f);
		panic("frame_get: frame %#llx is free or has too many users", pa);
	}
	refs[i]++;
	spin_unlock_irqrestore(&pmm_lock, f);
}

unsigned frame_refs(paddr_t pa)
{
	return READ_ONCE(refs[frame_index(pa, "frame_refs")]);
}

void frame_free(paddr_t pa)
{
	size_t i = frame_index(pa, "frame_free");
	irqflags_t f = spin_lock_irqsave(&pmm_lock);
	if (!bit_test(i) || !refs[i]) {
		spin_unlock_irqrestore(&pmm_lock, f);
		panic("frame_free: double free of frame %#llx", pa);
	}
	if (--refs[i] == 0) {
		bit_clear(i);
		free_frames++;
	}
	spin_unlock_irqrestore(&pmm_lock, f);
}

void frame_free_contig(paddr_t pa, size_t count)
{
	for (size_t k = 0; k < count; k++)
		frame_free(pa + k * PAGE_SIZE);
}

size_t frame_free_count(void)
{
	return READ_ONCE(free_frames);
}

size_t frame_total_count(void)
{
	return total_frames;
}

bool frame_is_allocated(paddr_t pa)
{
	size_t i = pa / PAGE_SIZE;
	return i < nr_frames && bit_test(i);
}
