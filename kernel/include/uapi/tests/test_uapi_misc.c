/* uapi/linux/{mman,time,eventpoll}.h against the system's Linux headers:
 * every constant has the system's value, and struct epoll_event has the
 * system's (packed) layout. */
#include <string.h>
#include "uapi_misc.h"
#include "ktest_host.h"

#define MAX_ITEMS 256

static void test_constants_match(struct ktest *t)
{
	static struct uapi_const ours[MAX_ITEMS], sys[MAX_ITEMS];
	int no = uapi_misc_ours(ours, MAX_ITEMS), ns = uapi_misc_sys(sys, MAX_ITEMS);
	KT_ASSERT_EQ(t, no, ns);
	KT_ASSERT_LE(t, no, MAX_ITEMS - 1);
	KT_EXPECT_GT(t, no, 80);
	for (int i = 0; i < no; i++) {
		KT_EXPECT_EQ(t, strcmp(ours[i].name, sys[i].name), 0);
		if (ours[i].value != sys[i].value)
			ktest_diag(t, "%s: ours %lld, Linux %lld", ours[i].name, ours[i].value,
				   sys[i].value);
		KT_EXPECT_EQ(t, ours[i].value, sys[i].value);
	}
}

static void test_epoll_event_layout(struct ktest *t)
{
	int so, doff, ss, dsys;
	uapi_epoll_layout_ours(&so, &doff);
	uapi_epoll_layout_sys(&ss, &dsys);
	KT_EXPECT_EQ(t, so, ss);
	KT_EXPECT_EQ(t, doff, dsys);
	KT_EXPECT_EQ(t, so, 12);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_constants_match),
	KTEST_CASE(test_epoll_event_layout),
	{ 0 },
};
KTEST_HOST_SUITE(uapi_misc_suite, "uapi_misc", cases);
KTEST_HOST_MAIN(&uapi_misc_suite);
