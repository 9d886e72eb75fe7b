/* test_libc: musl itself on top of the kernel - printf formatting (integer,
 * floating point: SSE state), stdio buffering on the console, malloc/free of
 * many small blocks (brk and mmap'd slabs) and of large blocks (> 1 MiB, one
 * mmap each, munmap on free), realloc across the mmap threshold, calloc
 * zeroing of recycled memory, aligned allocation, strtod/qsort/setjmp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ktap.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t rnd(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

#define FMT(want, ...) do {                                                     \
	char got_[128];                                                         \
	int n_ = snprintf(got_, sizeof(got_), __VA_ARGS__);                     \
	if (strcmp(got_, want) || n_ != (int)strlen(want))                      \
		KTAP_FAIL("snprintf(%s) = \"%s\" (%d), want \"%s\"", #__VA_ARGS__, \
			  got_, n_, want);                                      \
} while (0)

static void t_printf_integers(void)
{
	FMT("42 -42 0", "%d %d %d", 42, -42, 0);
	FMT("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
	FMT("-9223372036854775808", "%lld", LLONG_MIN);
	FMT("18446744073709551615", "%llu", ULLONG_MAX);
	FMT("ff FF 0xff 377 0377", "%x %X %#x %o %#o", 255, 255, 255, 255, 255);
	FMT("deadbeefcafe", "%" PRIx64, (uint64_t)0xdeadbeefcafeull);
	FMT("[   42] [42   ] [00042] [+42] [ 42]", "[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	FMT("[  7] [007]", "[%*d] [%.*d]", 3, 7, 3, 7);
	FMT("123 456 21", "%zu %jd %hhu", (size_t)123, (intmax_t)456, 789u);
	FMT("a % z", "%c %% %c", 'a', 'z');
	FMT("[abc] [ab] [  abc] [abc  ]", "[%s] [%.2s] [%5s] [%-5s]", "abc", "abc", "abc", "abc");
	FMT("0", "%p", (void *)0);                      /* musl; glibc says (nil) */
	FMT("0x1000", "%p", (void *)0x1000);
}

static void t_printf_floats(void)
{
	FMT("3.141593", "%f", 3.14159265358979);
	FMT("3.14", "%.2f", 3.14159265358979);
	FMT("-0.500000", "%f", -0.5);
	FMT("1.000000e+10", "%e", 1e10);
	FMT("1.5e-07", "%g", 1.5e-7);
	FMT("100000", "%g", 1e5);
	FMT("1e+06", "%g", 1e6);
	FMT("0x1p+0", "%a", 1.0);
	FMT("inf -inf nan", "%f %f %f", INFINITY, -INFINITY, NAN);
	FMT("1152921504606846976", "%.0f", 1152921504606846976.0);   /* 2^60 */
	FMT("0.1000000000000000055511151231257827", "%.34f", 0.1);
	FMT("2.718281828459045", "%.15f", exp(1.0));
	FMT("1.41421356", "%.8f", sqrt(2.0));
	FMT("  1.2e+03", "%9.2g", 1234.5);
	FMT("1.79769e+308", "%g", 1.7976931348623157e308);
	FMT("4.94066e-324", "%g", 4.9406564584124654e-324);
}

static void t_stdout_lines(void)
{
	/* Compared line by line with the host run by compare_host.py. */
	printf("# printf: %d %s %.3f %#x\n", 7, "seven", 7.0 / 3.0, 0x7);
	fputs("# fputs: a line of text", stdout);
	fputs(" in two calls\n", stdout);
	fflush(stdout);
	fprintf(stderr, "# stderr: unbuffered %d\n", 2);
	char longline[301];
	memset(longline, 'x', 300);
	longline[300] = 0;
	printf("# long: %s\n", longline);
	fflush(stdout);
	EXPECT_FALSE(ferror(stdout));
	EXPECT_FALSE(ferror(stderr));
}

static void t_malloc_small(void)
{
	enum { N = 20000 };
	static unsigned char *p[N];
	static uint16_t sz[N];
	long bad = 0;

	for (int i = 0; i < N; i++) {
		sz[i] = 1 + rnd() % 1024;
		p[i] = malloc(sz[i]);
		if (!p[i]) {
			KTAP_FAIL("malloc(%u) #%d failed", sz[i], i);
			return;
		}
		if ((uintptr_t)p[i] % 16)
			bad++;
		memset(p[i], (unsigned char)i, sz[i]);
	}
	EXPECT_EQ(bad, 0);                   /* 16-byte aligned */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < sz[i]; j++)
			bad += p[i][j] != (unsigned char)i;
	EXPECT_EQ(bad, 0);                   /* no two blocks overlap */
	for (int i = 0; i < N; i++) {        /* free in a scrambled order */
		int j = rnd() % N;
		unsigned char *t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	for (int i = 0; i < N; i++)
		free(p[i]);
	/* And again, reusing what was freed. */
	for (int i = 0; i < 1000; i++) {
		p[i] = malloc(64);
		if (!EXPECT_TRUE(p[i] != NULL))
			return;
		memset(p[i], 0xa5, 64);
	}
	for (int i = 0; i < 1000; i++)
		free(p[i]);
}

static int check_fill(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += 4093)
		if (p[i] != (unsigned char)(i * 7 + seed))
			return 0;
	return p[n - 1] == (unsigned char)((n - 1) * 7 + seed);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += 4093)
		p[i] = (unsigned char)(i * 7 + seed);
	p[n - 1] = (unsigned char)((n - 1) * 7 + seed);
}

static void t_malloc_large(void)
{
	static const size_t sizes[] = { 1u << 20, (3u << 20) / 2 + 17, 8u << 20, 33u << 20 };
	unsigned char *p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = malloc(sizes[i]);
		if (!EXPECT_TRUE(p[i] != NULL))
			return;
		memset(p[i], 0, sizes[i]);       /* every page faulted in */
		fill(p[i], sizes[i], i);
	}
	for (int i = 0; i < 4; i++)
		EXPECT_TRUE(check_fill(p[i], sizes[i], i));
	for (int i = 0; i < 4; i++)
		free(p[i]);
	/* Several rounds: freed large blocks go back to the kernel. */
	for (int round = 0; round < 8; round++) {
		unsigned char *q = malloc(4u << 20);
		if (!EXPECT_TRUE(q != NULL))
			return;
		fill(q, 4u << 20, round);
		EXPECT_TRUE(check_fill(q, 4u << 20, round));
		free(q);
	}
}

static void t_malloc_huge_fails(void)
{
	errno = 0;
	void *p = malloc(SIZE_MAX / 4);      /* beyond any address space */
	EXPECT_TRUE(p == NULL);
	EXPECT_EQ(errno, ENOMEM);
	free(p);
}

static void t_calloc_zeroes_reused(void)
{
	for (int round = 0; round < 2; round++) {
		size_t n = round ? (2u << 20) : 200;
		unsigned char *a = malloc(n);
		long nz = 0;
		if (!EXPECT_TRUE(a != NULL))
			return;
		memset(a, 0xee, n);
		free(a);
		unsigned char *b = calloc(n, 1);
		if (!EXPECT_TRUE(b != NULL))
			return;
		for (size_t i = 0; i < n; i++)
			nz += b[i] != 0;
		EXPECT_EQ(nz, 0);
		free(b);
	}
	volatile size_t big = SIZE_MAX / 2;
	errno = 0;
	EXPECT_TRUE(calloc(big, 4) == NULL);           /* n * size overflows */
	EXPECT_EQ(errno, ENOMEM);
}

static void t_realloc(void)
{
	size_t n = 24;
	unsigned char *p = malloc(n);
	if (!EXPECT_TRUE(p != NULL))
		return;
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)i;
	/* Grow by x4 up to 16 MiB: small slabs, then single mmaps. */
	while (n < (16u << 20)) {
		size_t m = n * 4;
		unsigned char *q = realloc(p, m);
		if (!EXPECT_TRUE(q != NULL)) {
			free(p);
			return;
		}
		p = q;
		for (size_t i = 0; i < n; i += 97)
			if (p[i] != (unsigned char)i) {
				KTAP_FAIL("realloc %zu -> %zu lost byte %zu", n, m, i);
				break;
			}
		for (size_t i = n; i < m; i++)
			p[i] = (unsigned char)i;
		n = m;
	}
	/* Shrink back down. */
	p = realloc(p, 100);
	if (EXPECT_TRUE(p != NULL))
		for (size_t i = 0; i < 100; i++)
			if (p[i] != (unsigned char)i) {
				KTAP_FAIL("shrinking realloc lost byte %zu", i);
				break;
			}
	free(p);
}

static void t_aligned_alloc(void)
{
	void *p = NULL;
	EXPECT_EQ(posix_memalign(&p, 4096, 10000), 0);
	EXPECT_EQ((uintptr_t)p % 4096, 0);
	memset(p, 1, 10000);
	free(p);
	p = aligned_alloc(64, 640);
	EXPECT_TRUE(p != NULL);
	EXPECT_EQ((uintptr_t)p % 64, 0);
	free(p);
	EXPECT_EQ(posix_memalign(&p, 3, 16), EINVAL);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void t_stdlib_misc(void)
{
	int v[1000], bad = 0;
	char *end;
	for (int i = 0; i < 1000; i++)
		v[i] = (int)(rnd() % 100000) - 50000;
	qsort(v, 1000, sizeof(int), cmp_int);
	for (int i = 1; i < 1000; i++)
		bad += v[i - 1] > v[i];
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(bsearch(&v[500], v, 1000, sizeof(int), cmp_int) != NULL);
	EXPECT_TRUE(strtod("2.5e3xyz", &end) == 2500.0);
	EXPECT_STREQ(end, "xyz");
	EXPECT_EQ(strtol("-0x7fffffff", NULL, 16), -0x7fffffffL);
	EXPECT_EQ(strtoul("777", NULL, 8), 511);
	EXPECT_STREQ(strerror(EFAULT), "Bad address");
	EXPECT_EQ(setenv("RT_TEST_VAR", "value", 1), 0);
	EXPECT_STREQ(getenv("RT_TEST_VAR"), "value");
	EXPECT_EQ(unsetenv("RT_TEST_VAR"), 0);
	EXPECT_TRUE(getenv("RT_TEST_VAR") == NULL);
	int a, b;
	EXPECT_EQ(sscanf("12 34", "%d %d", &a, &b), 2);
	EXPECT_EQ(a * 100 + b, 1234);
}

static jmp_buf jb;
static __attribute__((noinline)) void jump_back(int v) { longjmp(jb, v); }

static void t_setjmp_float_math(void)
{
	volatile int count = 0;
	if (setjmp(jb) < 3) {
		count++;
		jump_back(count);
	}
	EXPECT_EQ(count, 3);
	volatile double x = 0;
	for (int i = 1; i <= 1000; i++)
		x += 1.0 / ((double)i * i);
	EXPECT_TRUE(fabs(x - 1.6439345666815615) < 1e-12);
	EXPECT_TRUE(fabs(sin(M_PI / 6) - 0.5) < 1e-15);
	EXPECT_TRUE(fabs(log(exp(2.5)) - 2.5) < 1e-15);
	EXPECT_EQ((long)floor(-2.5), -3);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_printf_integers),
	KTAP_CASE(t_printf_floats),
	KTAP_CASE(t_stdout_lines),
	KTAP_CASE(t_malloc_small),
	KTAP_CASE(t_malloc_large),
	KTAP_CASE(t_malloc_huge_fails),
	KTAP_CASE(t_calloc_zeroes_reused),
	KTAP_CASE(t_realloc),
	KTAP_CASE(t_aligned_alloc),
	KTAP_CASE(t_stdlib_misc),
	KTAP_CASE(t_setjmp_float_math),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
