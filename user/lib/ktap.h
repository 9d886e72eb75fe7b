/* ktap.h - header-only KTAP version 1 output for Ringtail's user test programs.
 *
 * A program is a table of cases, each a function that checks things with the
 * EXPECT_* macros; a case passes when none of its checks failed:
 *
 *     static void t_pagesize(void) { EXPECT_EQ(getauxval(AT_PAGESZ), 4096); }
 *     static const struct ktap_case cases[] = { KTAP_CASE(t_pagesize), ... };
 *     int main(void) { return ktap_run(cases, KTAP_COUNT(cases)); }
 *
 * or, for tests generated at run time (tables), the low-level calls
 * ktap_plan(n) / ktap_result(ok, name...) / ktap_skip(...) / ktap_done().
 *
 * Output is flushed after every line so it survives a crash of the program,
 * and nothing but the case names is printed unless a check fails (so the
 * output on Ringtail and on Linux can be compared line by line). A failed
 * check prints "# file:line: expression ... got X, expected Y" just before
 * its case's "not ok" line. ktap_run() returns the exit status: 0 iff every
 * case passed and as many results as planned were printed.
 */
#pragma once
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ktap_case {
	const char *name;
	void (*fn)(void);
};
#define KTAP_CASE(f) { #f, f }
#define KTAP_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int ktap_planned, ktap_printed, ktap_failures;
static int ktap_case_failed;            /* checks failed in the current case */
static const char *ktap_skip_reason;    /* set by KTAP_SKIP() in a case */

static inline void ktap_plan(int n)
{
	ktap_planned = n;
	printf("KTAP version 1\n1..%d\n", n);
	fflush(stdout);
}

__attribute__((format(printf, 1, 2)))
static inline void ktap_diag(const char *fmt, ...)
{
	va_list ap;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

__attribute__((format(printf, 2, 3)))
static inline void ktap_result(int ok, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d ", ok ? "ok" : "not ok", ++ktap_printed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (!ok)
		ktap_failures++;
}

static inline void ktap_skip(const char *name, const char *reason)
{
	printf("ok %d %s # SKIP %s\n", ++ktap_printed, name, reason);
	fflush(stdout);
}

/* Exit status for main(): 0 iff all passed and the plan was complete. */
static inline int ktap_done(void)
{
	if (ktap_printed != ktap_planned) {
		ktap_diag("planned %d results, printed %d", ktap_planned, ktap_printed);
		return 1;
	}
	return ktap_failures ? 1 : 0;
}

static inline int ktap_run(const struct ktap_case *c, int n)
{
	ktap_plan(n);
	for (int i = 0; i < n; i++) {
		ktap_case_failed = 0;
		ktap_skip_reason = NULL;
		c[i].fn();
		if (ktap_skip_reason && !ktap_case_failed)
			ktap_skip(c[i].name, ktap_skip_reason);
		else
			ktap_result(!ktap_case_failed, "%s", c[i].name);
	}
	return ktap_done();
}

/* Record a failed check (also usable directly for custom checks). */
__attribute__((format(printf, 3, 4)))
static inline void ktap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	const char *base = strrchr(file, '/');
	printf("# %s:%d: ", base ? base + 1 : file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	ktap_case_failed++;
}

#define KTAP_FAIL(...) ktap_fail(__FILE__, __LINE__, __VA_ARGS__)
/* Mark the current case skipped (only if no check in it failed). */
#define KTAP_SKIP(reason) (ktap_skip_reason = (reason))

/* Each macro evaluates its arguments once and yields 1 if the check passed,
 * so callers can stop early: if (!EXPECT_TRUE(p)) return; */
#define EXPECT_TRUE(c) ({                                                    \
	int ok_ = !!(c);                                                     \
	if (!ok_) KTAP_FAIL("expected true: %s", #c);                        \
	ok_; })

#define EXPECT_FALSE(c) ({                                                   \
	int ok_ = !(c);                                                      \
	if (!ok_) KTAP_FAIL("expected false: %s", #c);                       \
	ok_; })

#define KTAP_CMP_(a, b, op, cast, fmt) ({                                    \
	cast a_ = (cast)(a), b_ = (cast)(b);                                 \
	int ok_ = a_ op b_;                                                  \
	if (!ok_) KTAP_FAIL("expected %s %s %s: left " fmt ", right " fmt, \
			    #a, #op, #b, a_, b_);                            \
	ok_; })

/* Signed 64-bit comparisons (printed in decimal). */
#define EXPECT_EQ(a, b) KTAP_CMP_(a, b, ==, long long, "%lld")
#define EXPECT_NE(a, b) KTAP_CMP_(a, b, !=, long long, "%lld")
#define EXPECT_LT(a, b) KTAP_CMP_(a, b, <, long long, "%lld")
#define EXPECT_LE(a, b) KTAP_CMP_(a, b, <=, long long, "%lld")
#define EXPECT_GT(a, b) KTAP_CMP_(a, b, >, long long, "%lld")
#define EXPECT_GE(a, b) KTAP_CMP_(a, b, >=, long long, "%lld")
/* Unsigned 64-bit / pointer comparisons (printed in hex). */
#define EXPECT_EQ_HEX(a, b) KTAP_CMP_(a, b, ==, unsigned long long, "%#llx")
#define EXPECT_NE_HEX(a, b) KTAP_CMP_(a, b, !=, unsigned long long, "%#llx")
#define EXPECT_PTR_EQ(a, b) KTAP_CMP_((uintptr_t)(a), (uintptr_t)(b), ==,     \
				      unsigned long long, "%#llx")

#define EXPECT_STREQ(a, b) ({                                                \
	const char *a_ = (a), *b_ = (b);                                     \
	int ok_ = a_ && b_ && !strcmp(a_, b_);                               \
	if (!ok_) KTAP_FAIL("%s == %s: got \"%s\", expected \"%s\"", #a, #b, \
			    a_ ? a_ : "(null)", b_ ? b_ : "(null)");         \
	ok_; })

#define EXPECT_MEMEQ(a, b, n) ({                                             \
	int ok_ = !memcmp((a), (b), (n));                                    \
	if (!ok_) KTAP_FAIL("memory %s != %s (%zu bytes)", #a, #b, (size_t)(n)); \
	ok_; })

/* A raw syscall result (what the kernel returned, -errno on failure). */
#define EXPECT_ERRNO(ret, err) KTAP_CMP_(ret, -(long)(err), ==, long long, "%lld")
