/* test_perf_mmap: mapping a perf fd, and what the mapping allows.
 *
 * Shapes (table): MAP_SHARED at offset 0 of 1 + 2^n pages; the length is
 * rounded up to pages first; PROT_EXEC is EPERM (anon inodes are noexec).
 * Then, as Linux 6.18 does it:
 *  - a writable mapping: page 0 is writable, a store to a data page is
 *    SIGBUS (BUS_ADRERR) at that address; a read-only mapping: SIGSEGV;
 *  - further mappings of the same fd must have the same size and share the
 *    buffer; mprotect of the whole mapping works, of a part is EINVAL;
 *  - the mapping cannot be split: partial munmap, partial mprotect,
 *    MAP_FIXED over a part and MADV_DONTNEED are EINVAL; growing with
 *    mremap is EFAULT, shrinking EINVAL; moving it whole works;
 *  - the mapping keeps the event alive after close(fd); after the last
 *    munmap a new mmap gets a new, empty buffer.
 */
#include <signal.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define RW (PROT_READ | PROT_WRITE)
#define BUS_ADRERR_ 2
#define SEGV_ACCERR_ 2

static long sampling_event(int disabled)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_ADDR;
	a.disabled = disabled;
	return perf_open(&a, 0, -1, -1, 0);
}

static long map(long fd, size_t len, int prot, int flags, long off)
{
	return RSYS(SYS_mmap, 0, len, prot, flags, fd, off);
}
static int mapped(long r) { return r >= 0 || r < -4095; }

static const struct shape {
	const char *name;
	size_t len;
	int prot, flags;
	long off;
	int err;
} shapes[] = {
	{ "shape_user_page_only_ok", PG, RW, MAP_SHARED, 0, 0 },
	{ "shape_1_data_page_ok", 2 * PG, RW, MAP_SHARED, 0, 0 },
	{ "shape_2_data_pages_ok", 3 * PG, RW, MAP_SHARED, 0, 0 },
	{ "shape_4_data_pages_ok", 5 * PG, RW, MAP_SHARED, 0, 0 },
	{ "shape_16_data_pages_ok", 17 * PG, RW, MAP_SHARED, 0, 0 },
	{ "shape_3_data_pages_einval", 4 * PG, RW, MAP_SHARED, 0, EINVAL },
	{ "shape_5_data_pages_einval", 6 * PG, RW, MAP_SHARED, 0, EINVAL },
	{ "shape_6_data_pages_einval", 7 * PG, RW, MAP_SHARED, 0, EINVAL },
	{ "shape_9_data_pages_einval", 10 * PG, RW, MAP_SHARED, 0, EINVAL },
	{ "shape_length_0_einval", 0, RW, MAP_SHARED, 0, EINVAL },
	{ "shape_length_page_plus_1_ok", PG + 1, RW, MAP_SHARED, 0, 0 },
	{ "shape_private_einval", 2 * PG, RW, MAP_PRIVATE, 0, EINVAL },
	{ "shape_offset_page_einval", 2 * PG, RW, MAP_SHARED, (long)PG, EINVAL },
	{ "shape_offset_unaligned_einval", 2 * PG, RW, MAP_SHARED, 1, EINVAL },
	{ "shape_prot_exec_eperm", 2 * PG, PROT_READ | PROT_EXEC, MAP_SHARED, 0, EPERM },
	{ "shape_prot_none_ok", 2 * PG, PROT_NONE, MAP_SHARED, 0, 0 },
	{ "shape_prot_write_only_ok", 2 * PG, PROT_WRITE, MAP_SHARED, 0, 0 },
	{ "shape_read_only_ok", 2 * PG, PROT_READ, MAP_SHARED, 0, 0 },
};

static void run_shape(const struct shape *s)
{
	long fd = sampling_event(1);
	long m = map(fd, s->len, s->prot, s->flags, s->off);
	if (s->err)
		EXPECT_ERRNO(m, s->err);
	else if (EXPECT_TRUE(mapped(m)))
		EXPECT_EQ(RSYS(SYS_munmap, m, s->len), 0);
	perf_close(fd);
}

static void t_second_mapping_shares_buffer(void)
{
	struct ring a, b;
	long fd = sampling_event(1);
	u8 *p = fresh_pages(3);
	if (!EXPECT_EQ(ring_map(&a, fd, 2, 0), 0) || !EXPECT_EQ(ring_map(&b, fd, 2, RING_OVERWRITE), 0))
		return;
	long map_other_size = map(fd, 5 * PG, RW, MAP_SHARED, 0);
	EXPECT_ERRNO(map_other_size, EINVAL);
	touch_pages(-1, p, 0, 0);
	touch_pages(fd, p, 3, 0);
	EXPECT_EQ(a.up->data_head, 3 * 16);
	EXPECT_EQ(b.up->data_head, 3 * 16);
	EXPECT_MEMEQ(a.data, b.data, 3 * 16);
	a.up->data_tail = 48;
	EXPECT_EQ(b.up->data_tail, 48);
	ring_unmap(&a);
	EXPECT_EQ(b.up->data_head, 48);                             /* still alive */
	ring_unmap(&b);
	perf_close(fd);
	free_pages_(p, 3);
}

static void t_data_pages_sigbus(void)
{
	struct ring r;
	long fd = sampling_event(1);
	if (!EXPECT_EQ(ring_map(&r, fd, 2, 0), 0))
		return;
	EXPECT_EQ(FAULT_TRY(poke8(r.data, 1)), SIGBUS);
	EXPECT_EQ(fault_info.code, BUS_ADRERR_);
	EXPECT_PTR_EQ(fault_info.addr, r.data);
	EXPECT_EQ(FAULT_TRY(poke8(r.data + 2 * PG - 1, 1)), SIGBUS);
	EXPECT_EQ(FAULT_TRY(peek8(r.data + 2 * PG - 1)), 0);
	EXPECT_EQ(FAULT_TRY(poke8((u8 *)&r.up->data_tail, 0)), 0);
	EXPECT_EQ(FAULT_TRY(poke8((u8 *)r.up + 100, 0)), 0);   /* the whole page 0 */
	ring_unmap(&r);
	perf_close(fd);
}

static void t_read_only_mapping_sigsegv(void)
{
	struct ring r;
	long fd = sampling_event(1);
	if (!EXPECT_EQ(ring_map(&r, fd, 1, RING_OVERWRITE), 0))
		return;
	EXPECT_EQ(FAULT_TRY(poke8((u8 *)&r.up->data_tail, 1)), SIGSEGV);
	EXPECT_EQ(fault_info.code, SEGV_ACCERR_);
	EXPECT_EQ(FAULT_TRY(poke8(r.data, 1)), SIGSEGV);
	EXPECT_EQ(fault_info.code, SEGV_ACCERR_);
	EXPECT_EQ(FAULT_TRY(peek8(r.data)), 0);
	/* mprotect of the whole mapping is allowed; data pages stay read-only. */
	EXPECT_EQ(RSYS(SYS_mprotect, r.base, r.len, RW), 0);
	EXPECT_EQ(FAULT_TRY(poke8((u8 *)&r.up->data_tail, 0)), 0);
	EXPECT_EQ(FAULT_TRY(poke8(r.data, 1)), SIGBUS);
	long mprotect_part = RSYS(SYS_mprotect, r.base + PG, PG, PROT_READ);
	EXPECT_ERRNO(mprotect_part, EINVAL);
	ring_unmap(&r);
	perf_close(fd);
}

static void t_mapping_cannot_be_split(void)
{
	struct ring r;
	long fd = sampling_event(1);
	if (!EXPECT_EQ(ring_map(&r, fd, 2, 0), 0))
		return;
	u8 *b = r.base;
	long munmap_page1 = RSYS(SYS_munmap, b + PG, PG);
	long munmap_last_page = RSYS(SYS_munmap, b + 2 * PG, PG);
	long munmap_user_page = RSYS(SYS_munmap, b, PG);
	long mprotect_user_page = RSYS(SYS_mprotect, b, PG, PROT_READ);
	long map_fixed_over_page1 = RSYS(SYS_mmap, b + PG, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	long madvise_dontneed = RSYS(SYS_madvise, b, 3 * PG, MADV_DONTNEED);
	long mremap_grow = RSYS(SYS_mremap, b, 3 * PG, 5 * PG, MREMAP_MAYMOVE);
	long mremap_shrink = RSYS(SYS_mremap, b, 3 * PG, 2 * PG, 0);
	EXPECT_ERRNO(munmap_page1, EINVAL);
	EXPECT_ERRNO(munmap_last_page, EINVAL);
	EXPECT_ERRNO(munmap_user_page, EINVAL);
	EXPECT_ERRNO(mprotect_user_page, EINVAL);
	EXPECT_ERRNO(map_fixed_over_page1, EINVAL);
	EXPECT_ERRNO(madvise_dontneed, EINVAL);
	EXPECT_ERRNO(mremap_grow, EFAULT);
	EXPECT_ERRNO(mremap_shrink, EINVAL);
	EXPECT_EQ(r.up->data_size, 2 * PG);                      /* still whole */
	EXPECT_EQ(FAULT_TRY(peek8(r.data + 2 * PG - 1)), 0);
	ring_unmap(&r);
	perf_close(fd);
}

static void t_mremap_whole_moves(void)
{
	struct ring r;
	long fd = sampling_event(1);
	if (!EXPECT_EQ(ring_map(&r, fd, 2, 0), 0))
		return;
	long dst = RSYS(SYS_mmap, 0, 3 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long m = RSYS(SYS_mremap, r.base, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (EXPECT_EQ(m, dst)) {
		struct perf_event_mmap_page *up = (void *)m;
		u8 *p = fresh_pages(1);
		EXPECT_EQ(up->data_size, 2 * PG);
		EXPECT_EQ(FAULT_TRY(peek8(r.base)), SIGSEGV);     /* old place is gone */
		touch_pages(-1, p, 0, 0);
		touch_pages(fd, p, 1, 0);
		EXPECT_EQ(up->data_head, 16);
		EXPECT_EQ(RSYS(SYS_munmap, m, 3 * PG), 0);
		free_pages_(p, 1);
		r.base = NULL;
	}
	ring_unmap(&r);
	perf_close(fd);
}

/* The mapping holds the event: it keeps sampling after close(fd). */
static void t_mapping_outlives_close(void)
{
	struct ring r;
	long fd = sampling_event(0);
	u8 *p = fresh_pages(5);
	int found = 0;
	if (!EXPECT_EQ(ring_map(&r, fd, 4, 0), 0))
		return;
	EXPECT_EQ(perf_close(fd), 0);
	for (int i = 0; i < 5; i++)
		*(volatile u8 *)(p + i * PG) = 1;
	u64 head = r.up->data_head;
	for (u64 off = 0; off + 16 <= head && off < r.data_size; off += 16) {
		const u64 *rec = (const u64 *)(r.data + off);
		if (found < 5 && rec[1] == (u64)(p + found * PG))
			found++;
	}
	EXPECT_EQ(found, 5);
	ring_unmap(&r);
	free_pages_(p, 5);
}

static void t_new_buffer_after_last_munmap(void)
{
	struct ring r;
	long fd = sampling_event(1);
	u8 *p = fresh_pages(2);
	if (!EXPECT_EQ(ring_map(&r, fd, 2, 0), 0))
		return;
	touch_pages(-1, p, 0, 0);
	touch_pages(fd, p, 2, 0);
	EXPECT_EQ(r.up->data_head, 32);
	ring_unmap(&r);
	EXPECT_EQ(perf_count(fd), 2);                           /* the fd still works */
	if (EXPECT_EQ(ring_map(&r, fd, 4, 0), 0)) {              /* any size now */
		EXPECT_EQ(r.up->data_head, 0);
		EXPECT_EQ(r.up->data_size, 4 * PG);
		ring_unmap(&r);
	}
	perf_close(fd);
	free_pages_(p, 2);
}

static void t_close_and_unmap_in_either_order(void)
{
	struct ring r;
	long fd = sampling_event(1);
	if (EXPECT_EQ(ring_map(&r, fd, 1, 0), 0)) {
		EXPECT_EQ(perf_close(fd), 0);
		EXPECT_EQ(RSYS(SYS_munmap, r.base, r.len), 0);
		r.base = NULL;
		ring_unmap(&r);
	}
	fd = sampling_event(1);
	if (EXPECT_EQ(ring_map(&r, fd, 1, 0), 0)) {
		EXPECT_EQ(RSYS(SYS_munmap, r.base, r.len), 0);
		r.base = NULL;
		ring_unmap(&r);
		EXPECT_EQ(perf_close(fd), 0);
	}
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_second_mapping_shares_buffer),
	KTAP_CASE(t_data_pages_sigbus),
	KTAP_CASE(t_read_only_mapping_sigsegv),
	KTAP_CASE(t_mapping_cannot_be_split),
	KTAP_CASE(t_mremap_whole_moves),
	KTAP_CASE(t_mapping_outlives_close),
	KTAP_CASE(t_new_buffer_after_last_munmap),
	KTAP_CASE(t_close_and_unmap_in_either_order),
};

int main(void)
{
	int ns = KTAP_COUNT(shapes), nc = KTAP_COUNT(cases);
	fault_catch_install();
	ktap_plan(ns + nc);
	for (int i = 0; i < ns; i++) {
		ktap_case_failed = 0;
		run_shape(&shapes[i]);
		ktap_result(!ktap_case_failed, "%s", shapes[i].name);
	}
	for (int i = 0; i < nc; i++) {
		ktap_case_failed = 0;
		cases[i].fn();
		ktap_result(!ktap_case_failed, "%s", cases[i].name);
	}
	return ktap_done();
}
