/* Host test programs: write cases with kernel/include/kernel/ktest.h's
 * KT_* macros, then end the file with
 *     KTEST_HOST_MAIN(&suite_a, &suite_b);
 * The binary prints KTAP; an optional argument "case1,case2" runs a subset. */
#pragma once
#include <kernel/ktest.h>

int ktest_host_main(int argc, char **argv, const struct ktest_suite *const *suites, size_t n);

#define KTEST_HOST_SUITE(var, sname, case_table) \
	static const struct ktest_suite var = { .name = sname, .cases = case_table }

#define KTEST_HOST_MAIN(...)                                                          \
	int main(int argc, char **argv)                                               \
	{                                                                             \
		static const struct ktest_suite *const s[] = { __VA_ARGS__ };        \
		return ktest_host_main(argc, argv, s, sizeof(s) / sizeof(s[0]));      \
	}
