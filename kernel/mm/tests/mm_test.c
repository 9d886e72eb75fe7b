/* Memory management: frame allocator, page tables, kernel heap. */
#include <lib/rand.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/heap.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/vm.h>
#include <kernel/arch/cpu.h>

#define NFRAMES 4096

static void sort_u64(u64 *v, size_t n)
{
	/* Shell sort: no libc here and n is small. */
	for (size_t gap = n / 2; gap; gap /= 2)
		for (size_t i = gap; i < n; i++)
			for (size_t j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				u64 t = v[j];
				v[j] = v[j - gap];
				v[j - gap] = t;
			}
}

static void test_frames_distinct_and_zeroed(struct ktest *t)
{
	size_t base = frame_free_count();
	u64 *f = kmalloc(NFRAMES * sizeof(u64));
	KT_ASSERT(t, f != NULL);
	size_t heap_frames = base - frame_free_count();
	for (int i = 0; i < NFRAMES; i++) {
		f[i] = frame_alloc();
		KT_ASSERT_NE(t, f[i], 0);
		KT_EXPECT(t, frame_is_allocated(f[i]));
		u64 *p = phys_to_virt(f[i]);
		bool zero = true;
		for (int k = 0; k < 512; k++)
			zero &= p[k] == 0;
		KT_EXPECT(t, zero);
		/* Stamp each frame; an overlapping hand-out would overwrite a stamp. */
		p[0] = f[i];
		p[511] = ~f[i];
	}
	KT_EXPECT_EQ(t, frame_free_count(), base - heap_frames - NFRAMES);
	for (int i = 0; i < NFRAMES; i++) {
		u64 *p = phys_to_virt(f[i]);
		KT_EXPECT(t, p[0] == f[i] && p[511] == ~f[i]);
	}
	sort_u64(f, NFRAMES);
	for (int i = 1; i < NFRAMES; i++)
		if (!KT_EXPECT_NE(t, f[i], f[i - 1]))
			break;
	for (int i = 0; i < NFRAMES; i++)
		frame_free(f[i]);
	kfree(f);
	KT_EXPECT_EQ(t, frame_free_count(), base);
}

static void test_exhaust_and_recover(struct ktest *t)
{
	/* Take every free frame: allocation must then fail cleanly, and the
	 * count must return to its baseline after everything is freed. */
	size_t base = frame_free_count();
	size_t cap = base + 16;
	u64 *f = kmalloc(cap * sizeof(u64));
	KT_ASSERT(t, f != NULL);
	size_t n = 0;
	paddr_t pa;
	while (n < cap && (pa = frame_alloc()))
		f[n++] = pa;
	KT_EXPECT_EQ(t, frame_free_count(), 0);
	KT_EXPECT_EQ(t, frame_alloc(), 0);
	KT_EXPECT_EQ(t, frame_alloc_contig(2, 1), 0);
	for (size_t i = 0; i < n; i++)
		frame_free(f[i]);
	kfree(f);
	KT_EXPECT_EQ(t, frame_free_count(), base);
}

static void test_contiguous(struct ktest *t)
{
	size_t base = frame_free_count();
	paddr_t pa = frame_alloc_contig(16, 16);
	KT_ASSERT_NE(t, pa, 0);
	KT_EXPECT_EQ(t, pa % (16 * PAGE_SIZE), 0);
	for (int i = 0; i < 16; i++)
		KT_EXPECT(t, frame_is_allocated(pa + i * PAGE_SIZE));
	KT_EXPECT_EQ(t, frame_free_count(), base - 16);
	frame_free_contig(pa, 16);
	KT_EXPECT_EQ(t, frame_free_count(), base);
}

static const struct ktest_case pmm_cases[] = {
	KTEST_CASE(test_frames_distinct_and_zeroed),
	KTEST_CASE(test_contiguous),
	KTEST_CASE(test_exhaust_and_recover),
	{ 0 },
};
KTEST_SUITE_ORDER(pmm, 10, pmm_cases, NULL);

/* --- paging ---------------------------------------------------------- */

static void write_u64(void *p) { *(volatile u64 *)p = 0x1234; }
static void read_u64(void *p) { (void)*(volatile u64 *)p; }
static void call_code(void *p) { ((void (*)(void))p)(); }

static void test_map_write_read(struct ktest *t)
{
	size_t base = frame_free_count();
	paddr_t pa = frame_alloc();
	KT_ASSERT_NE(t, pa, 0);
	u64 *va = vmap_frames(&pa, 1, VM_READ | VM_WRITE);
	KT_ASSERT(t, va != NULL);
	va[7] = 0xfeedfacecafebeefull;
	/* The same frame through the direct map sees the write. */
	KT_EXPECT_EQ(t, ((u64 *)phys_to_virt(pa))[7], 0xfeedfacecafebeefull);
	paddr_t q;
	unsigned flags;
	KT_EXPECT(t, vm_query(&kernel_aspace, (vaddr_t)va, &q, &flags));
	KT_EXPECT_EQ(t, q, pa);
	KT_EXPECT(t, (flags & VM_WRITE) && !(flags & VM_EXEC) && !(flags & VM_USER));
	vunmap_frames(va, 1);
	frame_free(pa);
	KT_EXPECT_EQ(t, frame_free_count(), base);
}

static void test_permissions_enforced(struct ktest *t)
{
	paddr_t pa = frame_alloc();
	KT_ASSERT_NE(t, pa, 0);
	u64 *va = vmap_frames(&pa, 1, VM_READ);
	KT_ASSERT(t, va != NULL);
	struct fault_info fi;
	/* Read-only: a write faults with a protection-violation #PF. */
	KT_EXPECT(t, arch_call_catching_fault(write_u64, va, &fi));
	KT_EXPECT_EQ(t, fi.vector, 14);
	KT_EXPECT_EQ(t, fi.addr, (u64)va);
	KT_EXPECT_EQ(t, fi.error_code & 3, 3);    /* present | write */
	/* Made writable, the same write succeeds. */
	KT_EXPECT_EQ(t, vm_protect(&kernel_aspace, (vaddr_t)va, VM_READ | VM_WRITE), 0);
	KT_EXPECT(t, !arch_call_catching_fault(write_u64, va, &fi));
	KT_EXPECT_EQ(t, *va, 0x1234);
	/* Data pages are not executable: fetching from one faults. */
	((u8 *)va)[0] = 0xc3;                     /* ret */
	KT_EXPECT(t, arch_call_catching_fault(call_code, va, &fi));
	KT_EXPECT_EQ(t, fi.vector, 14);
	KT_EXPECT(t, fi.error_code & (1u << 4));  /* instruction fetch */
	vunmap_frames(va, 1);
	frame_free(pa);
}

static void test_unmapped_access_caught(struct ktest *t)
{
	paddr_t pa = frame_alloc();
	u64 *va = vmap_frames(&pa, 1, VM_READ | VM_WRITE);
	KT_ASSERT(t, va != NULL);
	vunmap_frames(va, 1);
	frame_free(pa);
	KT_EXPECT(t, !vm_query(&kernel_aspace, (vaddr_t)va, NULL, NULL));
	struct fault_info fi;
	KT_EXPECT(t, arch_call_catching_fault(read_u64, va + 3, &fi));
	KT_EXPECT_EQ(t, fi.vector, 14);
	KT_EXPECT_EQ(t, fi.addr, (u64)(va + 3));
	KT_EXPECT_EQ(t, fi.error_code & 1, 0);    /* not present */
}

static void test_vmap_guard_page(struct ktest *t)
{
	size_t base = frame_free_count();
	u8 *p = vmap_alloc(2, VM_READ | VM_WRITE);
	KT_ASSERT(t, p != NULL);
	p[0] = 1;
	p[2 * PAGE_SIZE - 1] = 2;
	struct fault_info fi;
	KT_EXPECT(t, arch_call_catching_fault(write_u64, p + 2 * PAGE_SIZE, &fi));
	KT_EXPECT_EQ(t, fi.addr, (u64)(p + 2 * PAGE_SIZE));
	vmap_free(p, 2);
	KT_EXPECT_EQ(t, frame_free_count(), base);
}

static void test_user_aspace(struct ktest *t)
{
	size_t base = frame_free_count();
	struct aspace as;
	KT_ASSERT_EQ(t, aspace_create(&as), 0);
	paddr_t pa = frame_alloc();
	KT_EXPECT_EQ(t, vm_map(&as, 0x400000, pa, VM_READ | VM_WRITE | VM_USER), 0);
	KT_EXPECT_EQ(t, vm_map(&as, 0x400000, pa, VM_READ), -17);   /* EEXIST */
	unsigned flags;
	KT_EXPECT(t, vm_query(&as, 0x400000, NULL, &flags));
	KT_EXPECT(t, flags & VM_USER);
	/* Not visible in the kernel's own tables. */
	KT_EXPECT(t, !vm_query(&kernel_aspace, 0x400000, NULL, NULL));
	KT_EXPECT_EQ(t, vm_unmap(&as, 0x400000), pa);
	frame_free(pa);
	aspace_destroy(&as);
	KT_EXPECT_EQ(t, frame_free_count(), base);
}

static const struct ktest_case paging_cases[] = {
	KTEST_CASE(test_map_write_read),
	KTEST_CASE(test_permissions_enforced),
	KTEST_CASE(test_unmapped_access_caught),
	KTEST_CASE(test_vmap_guard_page),
	KTEST_CASE(test_user_aspace),
	{ 0 },
};
KTEST_SUITE_ORDER(paging, 11, paging_cases, NULL);

/* --- heap ------------------------------------------------------------ */

static void test_heap_sizes(struct ktest *t)
{
	static const size_t sizes[] = { 1, 8, 15, 16, 17, 63, 64, 100, 256, 511, 1024,
					1025, 2048, 4000, 4096, 10000, 65536 };
	struct heap_stats before, after;
	size_t frames = frame_free_count();
	heap_get_stats(&before);
	void *p[ARRAY_SIZE(sizes)];
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		KT_ASSERT(t, p[i] != NULL);
		KT_EXPECT_EQ(t, (u64)p[i] % 16, 0);
		KT_EXPECT_GE(t, kmalloc_usable_size(p[i]), sizes[i]);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *b = p[i];
		bool ok = true;
		for (size_t k = 0; k < sizes[i]; k++)
			ok &= b[k] == (u8)(i + 1);
		KT_EXPECT(t, ok);   /* no block overlapped another */
		kfree(p[i]);
	}
	heap_get_stats(&after);
	KT_EXPECT_EQ(t, after.allocations, before.allocations);
	KT_EXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KT_EXPECT_EQ(t, frame_free_count(), frames);
}

static void test_heap_random_churn(struct ktest *t)
{
	enum { N = 2000 };
	static void *blk[N];
	static u32 len[N];
	struct rng r;
	rng_seed(&r, 42);
	size_t frames = frame_free_count();
	for (int round = 0; round < 20000; round++) {
		int i = (int)rng_below(&r, N);
		if (blk[i]) {
			KT_ASSERT_EQ(t, *(u32 *)blk[i], (u32)i * 2654435761u);
			kfree(blk[i]);
			blk[i] = NULL;
		} else {
			len[i] = 4 + (u32)rng_below(&r, rng_below(&r, 8) == 0 ? 9000 : 300);
			blk[i] = kmalloc(len[i]);
			KT_ASSERT(t, blk[i] != NULL);
			*(u32 *)blk[i] = (u32)i * 2654435761u;
		}
	}
	for (int i = 0; i < N; i++) {
		if (blk[i])
			KT_EXPECT_EQ(t, *(u32 *)blk[i], (u32)i * 2654435761u);
		kfree(blk[i]);
		blk[i] = NULL;
	}
	KT_EXPECT_EQ(t, frame_free_count(), frames);
}

static const struct ktest_case heap_cases[] = {
	KTEST_CASE(test_heap_sizes),
	KTEST_CASE(test_heap_random_churn),
	{ 0 },
};
KTEST_SUITE_ORDER(heap, 12, heap_cases, NULL);
