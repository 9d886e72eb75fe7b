/* In-kernel test runner: prints KTAP version 1 on the console.
 *
 *   KTAP version 1
 *   1..<suites>
 *       KTAP version 1
 *       # Subtest: <suite>
 *       1..<cases>
 *       ok 1 <case>
 *   ok 1 <suite>
 *
 * A crash inside a case panics, and panic in test mode ends the QEMU run
 * with the failure code; the harness then sees the unfinished plan. */
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/ktest.h>
#include <kernel/printk.h>

extern const struct ktest_suite *const __ktest_suites_start[];
extern const struct ktest_suite *const __ktest_suites_end[];

static struct ktest *current_test;

struct ktest *ktest_current(void)
{
	return current_test;
}

void ktest_diag(struct ktest *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("    # %s\n", buf);
}

bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *expr)
{
	if (!ok) {
		t->failed = true;
		printk("    # %s:%d: expected %s\n", file, line, expr);
	}
	return ok;
}

bool ktest_check_eq(struct ktest *t, bool ok, const char *file, int line, const char *ea,
		    const char *op, const char *eb, long long a, long long b)
{
	if (!ok) {
		t->failed = true;
		printk("    # %s:%d: expected %s %s %s, got %lld (%#llx) vs %lld (%#llx)\n", file,
		       line, ea, op, eb, a, (unsigned long long)a, b, (unsigned long long)b);
	}
	return ok;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	t->skip_reason = reason;
}

/* "all", or a comma-separated list of suite names. */
bool ktest_selected(const char *sel, const char *name)
{
	if (!sel || !*sel)
		return false;
	if (strcmp(sel, "all") == 0)
		return true;
	size_t n = strlen(name);
	for (const char *p = sel; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

static bool run_suite(const struct ktest_suite *s, int index)
{
	int count = 0;
	while (s->cases[count].name)
		count++;
	printk("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", s->name, count);
	if (s->init && s->init() != 0) {
		for (int i = 0; i < count; i++)
			printk("    ok %d %s # SKIP suite setup failed\n", i + 1, s->cases[i].name);
		printk("ok %d %s # SKIP suite setup failed\n", index, s->name);
		return true;
	}
	bool ok = true;
	for (int i = 0; i < count; i++) {
		struct ktest t = { .name = s->cases[i].name };
		current_test = &t;
		s->cases[i].fn(&t);
		current_test = NULL;
		if (t.failed) {
			ok = false;
			printk("    not ok %d %s\n", i + 1, t.name);
		} else if (t.skipped) {
			printk("    ok %d %s # SKIP %s\n", i + 1, t.name,
			       t.skip_reason ? t.skip_reason : "");
		} else {
			printk("    ok %d %s\n", i + 1, t.name);
		}
	}
	printk("%s %d %s\n", ok ? "ok" : "not ok", index, s->name);
	return ok;
}

bool ktest_run_selected(const char *sel)
{
	int n = 0;
	for (const struct ktest_suite *const *s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (ktest_selected(sel, (*s)->name))
			n++;
	printk("KTAP version 1\n1..%d\n", n);
	if (n == 0)
		printk("# no test suite matches \"%s\"\n", sel);
	bool ok = n > 0;
	int i = 0;
	for (const struct ktest_suite *const *s = __ktest_suites_start; s < __ktest_suites_end; s++)
		if (ktest_selected(sel, (*s)->name))
			ok &= run_suite(*s, ++i);
	return ok;
}
