/* In-kernel tests, reported as KTAP version 1 on the serial console.
 *
 * A suite is a table of cases; each file registers its suites with
 * KTEST_SUITE and the linker gathers them (section .ktest_suites.*).
 * `ktest=all` or `ktest=name1,name2` on the command line selects suites.
 *
 *   static void test_x(struct ktest *t) { KT_EXPECT_EQ(t, 1 + 1, 2); }
 *   static const struct ktest_case cases[] = { KTEST_CASE(test_x), {0} };
 *   KTEST_SUITE(example, cases);
 */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

struct ktest {
	const char *name;
	bool failed;
	bool skipped;
	const char *skip_reason;
};

struct ktest_case {
	const char *name;
	void (*fn)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;   /* terminated by { 0 } */
	/* Optional: runs before the cases; nonzero skips the suite. */
	int (*init)(void);
};

#define KTEST_CASE(fn) { #fn, fn }

/* `order` sorts suites: lower runs first (00 core .. 99 destructive). */
#define KTEST_SUITE_ORDER(sname, order, case_table, init_fn)                     \
	static const struct ktest_suite ktest_suite_##sname = {                   \
		.name = #sname, .cases = case_table, .init = init_fn };           \
	static const struct ktest_suite *const ktest_suite_ptr_##sname          \
		__used __section(".ktest_suites." #order "." #sname) = &ktest_suite_##sname
#define KTEST_SUITE(sname, case_table) KTEST_SUITE_ORDER(sname, 50, case_table, NULL)

/* Run the suites selected by the command line; returns true if all passed. */
bool ktest_run_selected(const char *selection);
bool ktest_selected(const char *selection, const char *suite);

/* Diagnostics: printed as KTAP "# ..." lines at the current test's level. */
void ktest_diag(struct ktest *t, const char *fmt, ...) __printf(2, 3);
bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *expr);
bool ktest_check_eq(struct ktest *t, bool ok, const char *file, int line,
		    const char *ea, const char *op, const char *eb, long long a, long long b);
void ktest_skip(struct ktest *t, const char *reason);
/* The test currently running (for hooks such as expected exceptions). */
struct ktest *ktest_current(void);

#define KT_EXPECT(t, c) ktest_check((t), !!(c), __FILE__, __LINE__, #c)
#define KT_ASSERT(t, c)                     \
	do {                                \
		if (!KT_EXPECT((t), c))     \
			return;             \
	} while (0)
#define KT_CMP_(t, a, op, b)                                                            \
	({                                                                              \
		long long ___a = (long long)(a), ___b = (long long)(b);                 \
		ktest_check_eq((t), ___a op ___b, __FILE__, __LINE__, #a, #op, #b, ___a, ___b); \
	})
#define KT_EXPECT_EQ(t, a, b) KT_CMP_(t, a, ==, b)
#define KT_EXPECT_NE(t, a, b) KT_CMP_(t, a, !=, b)
#define KT_EXPECT_LT(t, a, b) KT_CMP_(t, a, <, b)
#define KT_EXPECT_LE(t, a, b) KT_CMP_(t, a, <=, b)
#define KT_EXPECT_GT(t, a, b) KT_CMP_(t, a, >, b)
#define KT_EXPECT_GE(t, a, b) KT_CMP_(t, a, >=, b)
#define KT_ASSERT_EQ(t, a, b) do { if (!KT_EXPECT_EQ(t, a, b)) return; } while (0)
#define KT_ASSERT_NE(t, a, b) do { if (!KT_EXPECT_NE(t, a, b)) return; } while (0)
#define KT_ASSERT_GE(t, a, b) do { if (!KT_EXPECT_GE(t, a, b)) return; } while (0)
#define KT_ASSERT_LE(t, a, b) do { if (!KT_EXPECT_LE(t, a, b)) return; } while (0)
