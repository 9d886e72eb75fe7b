/* lib/fmt.c against the host libc's snprintf, case by case. */
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <lib/fmt.h>
#include "ktest_host.h"

#define CHECK_FMT(t, ...)                                                          \
	do {                                                                       \
		char want[256], got[256];                                          \
		int nw = snprintf(want, sizeof(want), __VA_ARGS__);                \
		int ng = fmt_snprintf(got, sizeof(got), __VA_ARGS__);              \
		if (nw != ng || strcmp(want, got) != 0) {                          \
			ktest_diag(t, "format %s: want \"%s\" (%d) got \"%s\" (%d)", \
				   #__VA_ARGS__, want, nw, got, ng);                \
			t->failed = true;                                          \
		}                                                                  \
	} while (0)

static void test_integers(struct ktest *t)
{
	CHECK_FMT(t, "%d %i %u", 0, -1, 42u);
	CHECK_FMT(t, "%d %d", INT_MAX, INT_MIN);
	CHECK_FMT(t, "%ld %lu", LONG_MIN, ULONG_MAX);
	CHECK_FMT(t, "%lld %llu", LLONG_MIN, ULLONG_MAX);
	CHECK_FMT(t, "%hd %hhd %hu %hhu", 70000, 300, 70000, 300);
	CHECK_FMT(t, "%zu %zd %td %jd", (size_t)123, (ssize_t)-5, (ptrdiff_t)-7, (intmax_t)9);
	CHECK_FMT(t, "%x %X %o", 0xdeadbeefu, 0xabcdefu, 0755u);
	CHECK_FMT(t, "%lx %llX", 0xffffffff80000000ul, 0x123456789abcdefull);
}

static void test_flags_width_precision(struct ktest *t)
{
	CHECK_FMT(t, "[%5d][%-5d][%05d][%+d][% d]", 42, 42, 42, 42, 42);
	CHECK_FMT(t, "[%05d][%-05d][%+05d]", -42, -42, 42);
	CHECK_FMT(t, "[%.3d][%8.3d][%-8.3d][%08.3d]", 7, 7, 7, 7);
	CHECK_FMT(t, "[%.0d][%5.0d][%.0x]", 0, 0, 0);
	CHECK_FMT(t, "[%#x][%#X][%#o][%#x][%#o]", 255, 255, 8, 0, 0);
	CHECK_FMT(t, "[%#10x][%#-10x][%#010x]", 255, 255, 255);
	CHECK_FMT(t, "[%*d][%-*d][%.*d]", 6, 1, 6, 1, 4, 1);
	CHECK_FMT(t, "[%*d]", -6, 1);
	CHECK_FMT(t, "[%016lx]", 0x1234ul);
}

static void test_strings_chars(struct ktest *t)
{
	CHECK_FMT(t, "[%s][%10s][%-10s][%.2s][%10.2s]", "abc", "abc", "abc", "abc", "abc");
	CHECK_FMT(t, "[%c][%3c][%-3c]", 'x', 'y', 'z');
	CHECK_FMT(t, "100%% done");
	CHECK_FMT(t, "[%s]", "");
}

static void test_pointers(struct ktest *t)
{
	CHECK_FMT(t, "%p", (void *)0x1234);
	CHECK_FMT(t, "%p", (void *)0xffffffff80100000ul);
	CHECK_FMT(t, "[%20p][%-20p]", (void *)0xabc, (void *)0xabc);
	CHECK_FMT(t, "%p", (void *)0);
}

static void test_truncation(struct ktest *t)
{
	char buf[8];
	int n = fmt_snprintf(buf, sizeof(buf), "%s", "hello world");
	KT_EXPECT_EQ(t, n, 11);
	KT_EXPECT(t, strcmp(buf, "hello w") == 0);
	n = fmt_snprintf(buf, 1, "%d", 12345);
	KT_EXPECT_EQ(t, n, 5);
	KT_EXPECT_EQ(t, buf[0], 0);
	n = fmt_snprintf(NULL, 0, "%d", 12345);
	KT_EXPECT_EQ(t, n, 5);
}

static const struct ktest_case fmt_cases[] = {
	KTEST_CASE(test_integers),
	KTEST_CASE(test_flags_width_precision),
	KTEST_CASE(test_strings_chars),
	KTEST_CASE(test_pointers),
	KTEST_CASE(test_truncation),
	{ 0 },
};
KTEST_HOST_SUITE(fmt_suite, "fmt", fmt_cases);
KTEST_HOST_MAIN(&fmt_suite);
