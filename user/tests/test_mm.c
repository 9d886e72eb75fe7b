/* test_mm: the user address space - demand paging counted exactly through
 * getrusage(ru_minflt), zero-filled pages, MADV_DONTNEED dropping pages,
 * protections enforced by the MMU (mprotect, PROT_NONE, read-only text and
 * rodata, NX data) and reported as SIGSEGV with the exact si_addr and
 * si_code, munmap, MAP_FIXED replacement, brk.
 *
 * Fault counts: a first write to a fresh anonymous page is exactly one
 * fault that maps a page (on Linux too - MADV_NOHUGEPAGE keeps huge pages
 * out). Each measured loop runs once beforehand on other memory so its own
 * code, stack and the getrusage path are already mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#define PG 4096UL
#define NPAGES 64
#define MADV_NOHUGEPAGE_ 15

static const char rodata_msg[] = "read-only";

static long minflt(void)
{
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	RSYS(SYS_getrusage, RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static __attribute__((noinline)) char *map(size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	RSYS(SYS_madvise, p, len, MADV_NOHUGEPAGE_);
	return p;
}

/* Write one byte in each of n pages; returns the number of faults taken. */
static __attribute__((noinline)) long touch_pages(char *p, int n, unsigned char v)
{
	long before = minflt();
	for (int i = 0; i < n; i++)
		poke8(p + i * PG + 100, v);
	return minflt() - before;
}

static __attribute__((noinline)) long read_pages(const char *p, int n, long *sum)
{
	long before = minflt();
	long s = 0;
	for (int i = 0; i < n; i++)
		s += peek8(p + i * PG + 200);
	*sum = s;
	return minflt() - before;
}

/* Every byte zero except offset 100 of each page (which must be v). */
static long count_bad(const char *p, int n, unsigned char v)
{
	long bad = 0;
	for (int i = 0; i < n; i++)
		for (unsigned long j = 0; j < PG; j++)
			bad += (unsigned char)p[i * PG + j] != (j == 100 ? v : 0);
	return bad;
}

static void warm_up(void)
{
	char *w = map(2 * PG, PROT_READ | PROT_WRITE);
	long sum;
	if (w) {
		touch_pages(w, 1, 1);
		read_pages(w + PG, 1, &sum);
		munmap(w, 2 * PG);
	}
}

static void t_demand_paging_exact_faults(void)
{
	char *p = map(NPAGES * PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL))
		return;
	warm_up();
	EXPECT_EQ(touch_pages(p, NPAGES, 0x5a), NPAGES);
	EXPECT_EQ(count_bad(p, NPAGES, 0x5a), 0);     /* the rest zero-filled */
	EXPECT_EQ(touch_pages(p, NPAGES, 0x5b), 0);   /* mapped now: no faults */
	munmap(p, NPAGES * PG);
}

static void t_read_fault_sees_zero(void)
{
	char *p = map(NPAGES * PG, PROT_READ | PROT_WRITE);
	long sum = -1;
	if (!EXPECT_TRUE(p != NULL))
		return;
	warm_up();
	EXPECT_EQ(read_pages(p, NPAGES, &sum), NPAGES);
	EXPECT_EQ(sum, 0);
	/* Writing after reading works (Linux copies its shared zero page). */
	touch_pages(p, NPAGES, 7);
	EXPECT_EQ(count_bad(p, NPAGES, 7), 0);
	munmap(p, NPAGES * PG);
}

static void t_madv_dontneed_refaults_zeroed(void)
{
	char *p = map(NPAGES * PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL))
		return;
	warm_up();
	memset(p, 0xaa, NPAGES * PG);
	EXPECT_EQ(RSYS(SYS_madvise, p, NPAGES * PG, MADV_DONTNEED), 0);
	EXPECT_EQ(touch_pages(p, NPAGES, 0x11), NPAGES);   /* every page again */
	EXPECT_EQ(count_bad(p, NPAGES, 0x11), 0);          /* and the 0xaa gone */
	munmap(p, NPAGES * PG);
}

static void t_madv_dontneed_partial(void)
{
	char *p = map(8 * PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL))
		return;
	memset(p, 0x33, 8 * PG);
	EXPECT_EQ(RSYS(SYS_madvise, p + 2 * PG, 3 * PG, MADV_DONTNEED), 0);
	for (int i = 0; i < 8; i++) {
		unsigned char want = (i >= 2 && i < 5) ? 0 : 0x33;
		EXPECT_EQ((unsigned char)p[i * PG], want);
		EXPECT_EQ((unsigned char)p[i * PG + PG - 1], want);
	}
	munmap(p, 8 * PG);
}

#define EXPECT_SEGV(stmt, address, sicode) do {                                    \
	int s_ = FAULT_TRY(stmt);                                                  \
	EXPECT_EQ(s_, SIGSEGV);                                                    \
	if (s_ == SIGSEGV) {                                                       \
		EXPECT_PTR_EQ(fault_info.addr, (address));                         \
		EXPECT_EQ(fault_info.code, (sicode));                              \
	}                                                                          \
} while (0)

static void t_mprotect_read_only(void)
{
	char *p = map(PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL))
		return;
	p[123] = 'A';
	EXPECT_EQ(RSYS(SYS_mprotect, p, PG, PROT_READ), 0);
	EXPECT_SEGV(poke8(p + 123, 'B'), p + 123, SEGV_ACCERR);
	EXPECT_EQ(peek8(p + 123), 'A');                /* still readable, unchanged */
	EXPECT_EQ(RSYS(SYS_mprotect, p, PG, PROT_READ | PROT_WRITE), 0);
	EXPECT_EQ(FAULT_TRY(poke8(p + 123, 'C')), 0);
	EXPECT_EQ(p[123], 'C');
	/* The length is rounded up to whole pages. */
	EXPECT_EQ(RSYS(SYS_mprotect, p, 1, PROT_READ), 0);
	EXPECT_SEGV(poke8(p + PG - 1, 1), p + PG - 1, SEGV_ACCERR);
	munmap(p, PG);
}

static void t_prot_none(void)
{
	char *p = map(PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL))
		return;
	p[5] = 42;
	EXPECT_EQ(RSYS(SYS_mprotect, p, PG, PROT_NONE), 0);
	EXPECT_SEGV(peek8(p + 5), p + 5, SEGV_ACCERR);
	EXPECT_SEGV(poke8(p + 6, 1), p + 6, SEGV_ACCERR);
	EXPECT_EQ(RSYS(SYS_mprotect, p, PG, PROT_READ), 0);
	EXPECT_EQ(peek8(p + 5), 42);                   /* contents kept */
	munmap(p, PG);
	/* Fresh PROT_NONE memory too. */
	p = map(PG, PROT_NONE);
	if (EXPECT_TRUE(p != NULL)) {
		EXPECT_SEGV(peek8(p + 7), p + 7, SEGV_ACCERR);
		munmap(p, PG);
	}
}

static void t_munmap_then_touch(void)
{
	char *p = map(3 * PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL))
		return;
	memset(p, 9, 3 * PG);
	EXPECT_EQ(RSYS(SYS_munmap, p + PG, 1), 0);     /* rounds up: the whole page */
	EXPECT_SEGV(peek8(p + PG + 17), p + PG + 17, SEGV_MAPERR);
	EXPECT_SEGV(poke8(p + 2 * PG - 1, 1), p + 2 * PG - 1, SEGV_MAPERR);
	EXPECT_EQ(peek8(p + PG - 1), 9);               /* neighbours untouched */
	EXPECT_EQ(peek8(p + 2 * PG), 9);
	EXPECT_EQ(RSYS(SYS_munmap, p, 3 * PG), 0);     /* across the hole is fine */
	EXPECT_SEGV(peek8(p), p, SEGV_MAPERR);
}

static void t_mprotect_splits(void)
{
	char *p = map(3 * PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL))
		return;
	EXPECT_EQ(RSYS(SYS_mprotect, p + PG, PG, PROT_READ), 0);
	EXPECT_EQ(FAULT_TRY(poke8(p, 1)), 0);
	EXPECT_EQ(FAULT_TRY(poke8(p + 2 * PG + 5, 1)), 0);
	EXPECT_SEGV(poke8(p + PG + 5, 1), p + PG + 5, SEGV_ACCERR);
	munmap(p, 3 * PG);
}

static __attribute__((noinline)) int some_function(int x) { return x * 3 + 1; }

static void t_text_and_rodata_read_only(void)
{
	char *f = (char *)some_function;
	EXPECT_SEGV(poke8(f + 2, 0xcc), f + 2, SEGV_ACCERR);
	EXPECT_EQ(some_function(2), 7);                /* still intact */
	EXPECT_SEGV(poke8((char *)rodata_msg + 1, 'X'), rodata_msg + 1, SEGV_ACCERR);
	EXPECT_STREQ(rodata_msg, "read-only");
}

static void t_no_exec_data(void)
{
	static const unsigned char ret42[] = { 0xb8, 42, 0, 0, 0, 0xc3 }; /* mov $42,%eax; ret */
	char *p = map(PG, PROT_READ | PROT_WRITE);
	volatile int r = -1;
	if (!EXPECT_TRUE(p != NULL))
		return;
	memcpy(p, ret42, sizeof(ret42));
	EXPECT_SEGV(r = ((int (*)(void))p)(), p, SEGV_ACCERR);   /* NX */
	EXPECT_EQ(fault_info.ip, (uintptr_t)p);
	EXPECT_EQ(RSYS(SYS_mprotect, p, PG, PROT_READ | PROT_EXEC), 0);
	EXPECT_EQ(FAULT_TRY(r = ((int (*)(void))p)()), 0);
	EXPECT_EQ(r, 42);
	EXPECT_SEGV(poke8(p, 0x90), p, SEGV_ACCERR);   /* now not writable */
	munmap(p, PG);
}

static void t_bad_addresses(void)
{
	EXPECT_SEGV(peek8((void *)0x10), (void *)0x10, SEGV_MAPERR);
	EXPECT_SEGV(poke8((void *)0, 1), (void *)0, SEGV_MAPERR);
	/* The kernel's own memory is just "not mapped" to the program. */
	EXPECT_SEGV(peek8((void *)BAD_KERNEL), (void *)BAD_KERNEL, SEGV_MAPERR);
	EXPECT_SEGV(poke8((void *)BAD_KERNEL, 1), (void *)BAD_KERNEL, SEGV_MAPERR);
	/* Non-canonical: a #GP, which has no address: SI_KERNEL and NULL. */
	EXPECT_SEGV(peek8((void *)BAD_NONCANON), (void *)0, SI_KERNEL);
}

static volatile int fixups;
static char *fix_page;

static void fixing_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	if ((char *)si->si_addr >= fix_page && (char *)si->si_addr < fix_page + PG) {
		fixups++;
		RSYS(SYS_mprotect, fix_page, PG, PROT_READ | PROT_WRITE);
	} else {
		signal(SIGSEGV, SIG_DFL);              /* not ours: die on return */
	}
}

static void t_handler_fixes_and_restarts(void)
{
	struct sigaction sa, old;
	fix_page = map(PG, PROT_READ);
	if (!EXPECT_TRUE(fix_page != NULL))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fixing_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);
	fixups = 0;
	poke8(fix_page + 77, 0x77);                    /* faults once, then restarts */
	sigaction(SIGSEGV, &old, NULL);
	EXPECT_EQ(fixups, 1);
	EXPECT_EQ(peek8(fix_page + 77), 0x77);
	munmap(fix_page, PG);
}

static void t_mmap_fixed_replaces(void)
{
	char *p = map(4 * PG, PROT_READ | PROT_WRITE), *q;
	if (!EXPECT_TRUE(p != NULL))
		return;
	memset(p, 0x44, 4 * PG);
	q = mmap(p + PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EXPECT_PTR_EQ(q, p + PG);
	EXPECT_EQ(peek8(p + PG - 1), 0x44);
	EXPECT_EQ(peek8(p + PG), 0);                   /* new, zero-filled pages */
	EXPECT_EQ(peek8(p + 3 * PG - 1), 0);
	EXPECT_EQ(peek8(p + 3 * PG), 0x44);
	munmap(p, 4 * PG);
}

static void t_mmap_many(void)
{
	enum { N = 200 };
	static char *m[N];
	int bad = 0;
	for (int i = 0; i < N; i++) {
		m[i] = mmap(NULL, PG * (1 + i % 3), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m[i] == MAP_FAILED) {
			KTAP_FAIL("mmap #%d failed", i);
			return;
		}
		bad += (uintptr_t)m[i] % PG != 0;
		memset(m[i], i & 0xff, PG * (1 + i % 3));
	}
	EXPECT_EQ(bad, 0);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < 1 + i % 3; j++)
			bad += (unsigned char)m[i][j * PG + 99] != (i & 0xff);
	EXPECT_EQ(bad, 0);                             /* no two overlap */
	for (int i = 0; i < N; i += 2)
		EXPECT_EQ(RSYS(SYS_munmap, m[i], PG * (1 + i % 3)), 0);
	for (int i = 1; i < N; i += 2)
		bad += (unsigned char)m[i][0] != (i & 0xff);
	EXPECT_EQ(bad, 0);
	for (int i = 1; i < N; i += 2)
		munmap(m[i], PG * (1 + i % 3));
}

static void t_large_sparse_mapping(void)
{
	const size_t len = 256UL << 20;                /* 256 MiB, mostly untouched */
	char *p = map(len, PROT_READ | PROT_WRITE);
	long f;
	if (!EXPECT_TRUE(p != NULL))
		return;
	warm_up();
	long before = minflt();
	for (size_t off = 0; off < len; off += 1 << 20)
		poke8(p + off + 8, 1);
	f = minflt() - before;
	EXPECT_EQ(f, 256);
	EXPECT_EQ(peek8(p + (128UL << 20) + 8), 1);
	EXPECT_EQ(peek8(p + (128UL << 20) + 9), 0);
	EXPECT_EQ(RSYS(SYS_munmap, p, len), 0);
}

static void t_brk(void)
{
	char *cur = (char *)RSYS(SYS_brk, 0);
	char *base = (char *)(((uintptr_t)cur + PG - 1) & ~(PG - 1));
	if (!EXPECT_TRUE(cur != NULL))
		return;
	EXPECT_PTR_EQ(RSYS(SYS_brk, base + 4 * PG), base + 4 * PG);     /* grow */
	EXPECT_EQ(FAULT_TRY(memset(base, 0x66, 4 * PG)), 0);
	EXPECT_PTR_EQ(RSYS(SYS_brk, base + PG), base + PG);             /* shrink */
	EXPECT_SEGV(peek8(base + 2 * PG), base + 2 * PG, SEGV_MAPERR);  /* gone */
	EXPECT_EQ(peek8(base + PG - 1), 0x66);
	EXPECT_PTR_EQ(RSYS(SYS_brk, base + 4 * PG), base + 4 * PG);     /* grow again */
	EXPECT_EQ(peek8(base + 2 * PG), 0);                              /* zeroed */
	EXPECT_EQ(peek8(base + 3 * PG + 5), 0);
	/* Impossible requests leave the break where it is. */
	EXPECT_PTR_EQ(RSYS(SYS_brk, BAD_KERNEL), base + 4 * PG);
	char *other = map(PG, PROT_READ);                                /* above the heap */
	if (EXPECT_TRUE(other != NULL && other > base)) {
		EXPECT_PTR_EQ(RSYS(SYS_brk, other + PG), base + 4 * PG); /* would overlap */
		munmap(other, PG);
	}
	EXPECT_PTR_EQ(RSYS(SYS_brk, 0x1000), base + 4 * PG);            /* below the start */
	EXPECT_PTR_EQ(RSYS(SYS_brk, cur), cur);
}

#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#define MOVE_TO (MREMAP_MAYMOVE | MREMAP_FIXED)

/* mremap to a fixed place (Linux's mremap_to): whatever is there goes
 * first; pages move with their contents and protection; growing on the
 * way adds zero pages, shrinking drops the tail; part of an area moves
 * alone. */
static void t_mremap_fixed_moves(void)
{
	char *p = map(4 * PG, PROT_READ | PROT_WRITE), *dst = map(6 * PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL && dst != NULL))
		return;
	memset(p, 0x51, 4 * PG);
	memset(dst, 0x22, 6 * PG);
	poke8(p + 3 * PG, 0x53);
	EXPECT_EQ(RSYS(SYS_mremap, p, 4 * PG, 6 * PG, MOVE_TO, dst), (long)dst);
	EXPECT_SEGV(peek8(p), p, SEGV_MAPERR);                  /* gone from here */
	EXPECT_EQ(peek8(dst + 5), 0x51);
	EXPECT_EQ(peek8(dst + 3 * PG), 0x53);
	EXPECT_EQ(peek8(dst + 4 * PG), 0);                      /* grown: zero, not 0x22 */
	EXPECT_EQ(peek8(dst + 6 * PG - 1), 0);
	poke8(dst + PG, 0x61);
	/* The middle, made read-only first (its own area now): back to where
	 * the area was, still read-only. */
	EXPECT_EQ(RSYS(SYS_mprotect, dst + PG, 2 * PG, PROT_READ), 0);
	EXPECT_EQ(RSYS(SYS_mremap, dst + PG, 2 * PG, 2 * PG, MOVE_TO, p), (long)p);
	EXPECT_EQ(peek8(p), 0x61);
	EXPECT_SEGV(poke8(p + PG, 1), p + PG, SEGV_ACCERR);
	EXPECT_SEGV(peek8(dst + PG), dst + PG, SEGV_MAPERR);
	EXPECT_EQ(peek8(dst), 0x51);                            /* the rest stays */
	EXPECT_EQ(peek8(dst + 3 * PG), 0x53);
	/* Shrinking on the way: the first page of three moves. */
	EXPECT_EQ(RSYS(SYS_mremap, dst + 3 * PG, 3 * PG, PG, MOVE_TO, p + 2 * PG), (long)(p + 2 * PG));
	EXPECT_EQ(peek8(p + 2 * PG), 0x53);
	EXPECT_SEGV(peek8(dst + 4 * PG), dst + 4 * PG, SEGV_MAPERR);
	munmap(p, 3 * PG);
	munmap(dst, 6 * PG);
}

static void t_mremap_rules(void)
{
	char *p = map(4 * PG, PROT_READ | PROT_WRITE), *q = map(2 * PG, PROT_READ | PROT_WRITE);
	if (!EXPECT_TRUE(p != NULL && q != NULL))
		return;
	memset(p, 0x71, 4 * PG);
	munmap(p + 2 * PG, PG);                                 /* two areas: [0,2) and [3,4) */
	long fixed_without_maymove = RSYS(SYS_mremap, p, PG, PG, MREMAP_FIXED, q);
	long unaligned_target = RSYS(SYS_mremap, p, PG, PG, MOVE_TO, q + 1);
	long overlapping = RSYS(SYS_mremap, p, 2 * PG, 2 * PG, MOVE_TO, p + PG);
	long unknown_flag = RSYS(SYS_mremap, p, PG, PG, MREMAP_MAYMOVE | 8);
	long unmapped_source = RSYS(SYS_mremap, p + 2 * PG, PG, PG, MOVE_TO, q);
	long across_areas = RSYS(SYS_mremap, p, 4 * PG, 5 * PG, MREMAP_MAYMOVE);
	long same_size_unchecked = RSYS(SYS_mremap, p, 4 * PG, 4 * PG, MREMAP_MAYMOVE);
	long grow_blocked = RSYS(SYS_mremap, p, PG, 2 * PG, 0);  /* p + 1 page is in use */
	long zero_new_len = RSYS(SYS_mremap, p, PG, 0, MREMAP_MAYMOVE);
	EXPECT_ERRNO(fixed_without_maymove, EINVAL);
	EXPECT_ERRNO(unaligned_target, EINVAL);
	EXPECT_ERRNO(overlapping, EINVAL);
	EXPECT_ERRNO(unknown_flag, EINVAL);
	EXPECT_ERRNO(unmapped_source, EFAULT);
	EXPECT_ERRNO(across_areas, EFAULT);
	EXPECT_EQ(same_size_unchecked, (long)p);                /* Linux: nothing to do */
	EXPECT_EQ(peek8(q), 0);                                 /* the failures left q alone */
	EXPECT_EQ(peek8(p + PG), 0x71);
	/* Growing in place is impossible (p + 3 pages is mapped): MAYMOVE moves. */
	long moved = RSYS(SYS_mremap, p, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
	EXPECT_ERRNO(grow_blocked, ENOMEM);
	EXPECT_ERRNO(zero_new_len, EINVAL);
	if (EXPECT_TRUE(moved > 0 && moved != (long)p)) {
		EXPECT_EQ(peek8((char *)moved + 2 * PG - 1), 0x71);
		EXPECT_EQ(peek8((char *)moved + 2 * PG), 0);
		EXPECT_SEGV(peek8(p), p, SEGV_MAPERR);
		munmap((char *)moved, 4 * PG);
	}
	munmap(p, 4 * PG);
	munmap(q, 2 * PG);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_demand_paging_exact_faults),
	KTAP_CASE(t_read_fault_sees_zero),
	KTAP_CASE(t_madv_dontneed_refaults_zeroed),
	KTAP_CASE(t_madv_dontneed_partial),
	KTAP_CASE(t_mprotect_read_only),
	KTAP_CASE(t_prot_none),
	KTAP_CASE(t_munmap_then_touch),
	KTAP_CASE(t_mprotect_splits),
	KTAP_CASE(t_text_and_rodata_read_only),
	KTAP_CASE(t_no_exec_data),
	KTAP_CASE(t_bad_addresses),
	KTAP_CASE(t_handler_fixes_and_restarts),
	KTAP_CASE(t_mmap_fixed_replaces),
	KTAP_CASE(t_mmap_many),
	KTAP_CASE(t_large_sparse_mapping),
	KTAP_CASE(t_brk),
	KTAP_CASE(t_mremap_fixed_moves),
	KTAP_CASE(t_mremap_rules),
};

int main(void)
{
	fault_catch_install();
	return ktap_run(cases, KTAP_COUNT(cases));
}
