/* The in-kernel test API (kernel/include/kernel/ktest.h) for host programs:
 * the same KT_* macros and suite tables, printed as KTAP on stdout so the
 * runner parses host and kernel results alike. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kernel/ktest.h>
#include "ktest_host.h"

static struct ktest *current;
static const char *indent = "    ";

struct ktest *ktest_current(void) { return current; }

void ktest_diag(struct ktest *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s# ", indent);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *expr)
{
	if (!ok) {
		t->failed = true;
		printf("%s# %s:%d: expected %s\n", indent, file, line, expr);
	}
	return ok;
}

bool ktest_check_eq(struct ktest *t, bool ok, const char *file, int line,
		    const char *ea, const char *op, const char *eb, long long a, long long b)
{
	if (!ok) {
		t->failed = true;
		printf("%s# %s:%d: expected %s %s %s, got %lld (0x%llx) vs %lld (0x%llx)\n",
		       indent, file, line, ea, op, eb, a, (unsigned long long)a, b,
		       (unsigned long long)b);
	}
	return ok;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	t->skip_reason = reason;
}

static bool wanted(const char *only, const char *name)
{
	if (!only || !*only)
		return true;
	size_t n = strlen(name);
	for (const char *p = only; (p = strstr(p, name)); p += n)
		if ((p == only || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return true;
	return false;
}

int ktest_host_main(int argc, char **argv, const struct ktest_suite *const *suites, size_t n)
{
	/* Optional argument: comma-separated case names to run. */
	const char *only = argc > 1 ? argv[1] : getenv("KTEST_ONLY");
	bool all_ok = true;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%zu\n", n);
	for (size_t s = 0; s < n; s++) {
		const struct ktest_suite *su = suites[s];
		size_t count = 0;
		while (su->cases[count].name)
			count++;
		printf("    KTAP version 1\n    # Subtest: %s\n    1..%zu\n", su->name, count);
		bool suite_ok = true;
		if (su->init && su->init() != 0) {
			for (size_t i = 0; i < count; i++)
				printf("    ok %zu %s # SKIP suite init failed\n", i + 1, su->cases[i].name);
			printf("ok %zu %s # SKIP suite init failed\n", s + 1, su->name);
			continue;
		}
		for (size_t i = 0; i < count; i++) {
			struct ktest t = { .name = su->cases[i].name };
			if (!wanted(only, t.name)) {
				printf("    ok %zu %s # SKIP not selected\n", i + 1, t.name);
				continue;
			}
			current = &t;
			su->cases[i].fn(&t);
			current = NULL;
			if (t.skipped && !t.failed)
				printf("    ok %zu %s # SKIP %s\n", i + 1, t.name,
				       t.skip_reason ? t.skip_reason : "");
			else
				printf("    %s %zu %s\n", t.failed ? "not ok" : "ok", i + 1, t.name);
			if (t.failed)
				suite_ok = false;
		}
		printf("%s %zu %s\n", suite_ok ? "ok" : "not ok", s + 1, su->name);
		if (!suite_ok)
			all_ok = false;
	}
	return all_ok ? 0 : 1;
}
