/* Ringtail's uapi perf_event.h, types.h and ioctl.h against the system's
 * linux/perf_event.h: every size, offset, bit position and constant value
 * listed in rb_uapi_list.h must be identical. Plus the values the fact
 * sheet states outright, so a broken system header cannot hide a mistake. */
#include <stdio.h>
#include <string.h>
#include "rb_uapi.h"
#include "ktest_host.h"

#define MAX_ITEMS 1024
static struct uapi_item ours[MAX_ITEMS], sys[MAX_ITEMS];

static void test_uapi_matches_linux(struct ktest *t)
{
	size_t no = uapi_table_ours(ours, MAX_ITEMS);
	size_t ns = uapi_table_sys(sys, MAX_ITEMS);
	size_t bad = 0;

	KT_ASSERT_EQ(t, no, ns);
	KT_ASSERT_LE(t, no, MAX_ITEMS);
	KT_EXPECT_GT(t, no, 300);
	for (size_t i = 0; i < no; i++) {
		KT_ASSERT(t, strcmp(ours[i].name, sys[i].name) == 0);
		if (ours[i].value != sys[i].value) {
			ktest_diag(t, "%s: ours %lld (0x%llx), Linux %lld (0x%llx)", ours[i].name,
				   ours[i].value, (unsigned long long)ours[i].value, sys[i].value,
				   (unsigned long long)sys[i].value);
			bad++;
		}
	}
	KT_EXPECT_EQ(t, bad, 0);
	ktest_diag(t, "%zu items compared", no);
}

static long long find(const char *name)
{
	for (size_t i = 0; i < MAX_ITEMS && ours[i].name; i++)
		if (strcmp(ours[i].name, name) == 0)
			return ours[i].value;
	return -12345;
}

static void test_uapi_fact_sheet_values(struct ktest *t)
{
	uapi_table_ours(ours, MAX_ITEMS);
	KT_EXPECT_EQ(t, find("sizeof(struct perf_event_mmap_page)"), 1088);
	KT_EXPECT_EQ(t, find("offsetof(struct perf_event_mmap_page, data_head)"), 1024);
	KT_EXPECT_EQ(t, find("offsetof(struct perf_event_mmap_page, data_tail)"), 1032);
	KT_EXPECT_EQ(t, find("offsetof(struct perf_event_mmap_page, data_offset)"), 1040);
	KT_EXPECT_EQ(t, find("offsetof(struct perf_event_mmap_page, data_size)"), 1048);
	KT_EXPECT_EQ(t, find("offsetof(struct perf_event_mmap_page, __reserved)"), 96);
	KT_EXPECT_EQ(t, find("sizeof(struct perf_event_header)"), 8);
	KT_EXPECT_EQ(t, find("PERF_RECORD_LOST"), 2);
	KT_EXPECT_EQ(t, find("PERF_RECORD_SAMPLE"), 9);
	KT_EXPECT_EQ(t, find("PERF_RECORD_LOST_SAMPLES"), 13);
	KT_EXPECT_EQ(t, find("PERF_RECORD_SWITCH"), 14);
	KT_EXPECT_EQ(t, find("PERF_RECORD_SWITCH_CPU_WIDE"), 15);
	KT_EXPECT_EQ(t, find("PERF_RECORD_MISC_SWITCH_OUT"), 1 << 13);
	KT_EXPECT_EQ(t, find("PERF_RECORD_MISC_SWITCH_OUT_PREEMPT"), 1 << 14);
	KT_EXPECT_EQ(t, find("PERF_FORMAT_LOST"), 1 << 4);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_ENABLE"), 0x2400);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_DISABLE"), 0x2401);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_REFRESH"), 0x2402);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_RESET"), 0x2403);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_PERIOD"), 0x40082404);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_SET_OUTPUT"), 0x2405);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_ID"), 0x80082407);
	KT_EXPECT_EQ(t, find("PERF_EVENT_IOC_PAUSE_OUTPUT"), 0x40042409);
	KT_EXPECT_EQ(t, find("bitpos(struct perf_event_attr, watermark)"), -12345);
	KT_EXPECT_EQ(t, find("bitpos(struct perf_event_attr.watermark)"), 64 * 5 + 14);
	KT_EXPECT_EQ(t, find("bitpos(struct perf_event_attr.write_backward)"), 64 * 5 + 27);
	KT_EXPECT_EQ(t, find("bitpos(struct perf_event_attr.sample_id_all)"), 64 * 5 + 18);
	KT_EXPECT_EQ(t, find("bitpos(struct perf_event_mmap_page.cap_bit0_is_deprecated)"), 40 * 8 + 1);
}

static const struct ktest_case uapi_cases[] = {
	KTEST_CASE(test_uapi_matches_linux),
	KTEST_CASE(test_uapi_fact_sheet_values),
	{ 0 },
};
KTEST_HOST_SUITE(uapi_suite, "rb_uapi", uapi_cases);
KTEST_HOST_MAIN(&uapi_suite);
