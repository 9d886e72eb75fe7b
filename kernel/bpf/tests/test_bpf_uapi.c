/* Ringtail's uapi bpf.h against the system's linux/bpf.h: every offset,
 * size and constant in bpf_uapi_list.h must be identical. What Debian
 * 12's header (Linux 6.1) predates is checked against the values Linux
 * documents: BPF_F_RB_OVERWRITE (1 << 19) and BPF_RB_OVERWRITE_POS (4),
 * Linux 6.19; log_true_size (6.4), prog_token_fd, value_type_btf_obj_fd
 * and map_token_fd (6.9), fd_array_cnt (6.14). PERF_EVENT_IOC_SET_BPF is
 * perf_event.h's and is checked by test_rb_uapi. */
#include <string.h>
#include "bpf_uapi.h"
#include "ktest_host.h"

#define MAX_ITEMS 512
static struct uapi_item ours[MAX_ITEMS], sys[MAX_ITEMS];

static void test_bpf_uapi_matches_linux(struct ktest *t)
{
	size_t no = bpf_uapi_table_ours(ours, MAX_ITEMS);
	size_t ns = bpf_uapi_table_sys(sys, MAX_ITEMS);
	size_t bad = 0;

	KT_ASSERT_EQ(t, no, ns);
	KT_ASSERT_LE(t, no, MAX_ITEMS);
	KT_EXPECT_GT(t, no, 150);
	for (size_t i = 0; i < no; i++) {
		KT_ASSERT(t, strcmp(ours[i].name, sys[i].name) == 0);
		if (ours[i].value != sys[i].value) {
			ktest_diag(t, "%s: ours %lld, Linux %lld", ours[i].name, ours[i].value,
				   sys[i].value);
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

static void test_bpf_uapi_documented_values(struct ktest *t)
{
	bpf_uapi_table_ours(ours, MAX_ITEMS);
	/* The values the issue and the fact sheet state outright. */
	KT_EXPECT_EQ(t, find("BPF_MAP_CREATE"), 0);
	KT_EXPECT_EQ(t, find("BPF_PROG_LOAD"), 5);
	KT_EXPECT_EQ(t, find("BPF_MAP_TYPE_RINGBUF"), 27);
	KT_EXPECT_EQ(t, find("BPF_MAP_TYPE_USER_RINGBUF"), 31);
	KT_EXPECT_EQ(t, find("BPF_PROG_TYPE_TRACEPOINT"), 5);
	KT_EXPECT_EQ(t, find("BPF_RINGBUF_BUSY_BIT"), 1LL << 31);
	KT_EXPECT_EQ(t, find("BPF_RINGBUF_DISCARD_BIT"), 1 << 30);
	KT_EXPECT_EQ(t, find("BPF_RINGBUF_HDR_SZ"), 8);
	KT_EXPECT_EQ(t, find("BPF_OBJ_NAME_LEN"), 16);
	KT_EXPECT_EQ(t, find("offsetof(union bpf_attr, prog_name)"), 48);
	KT_EXPECT_EQ(t, find("offsetof(union bpf_attr, fd_array)"), 120);
	/* Newer than the 6.1 header. */
	KT_EXPECT_EQ(t, bpf_uapi_newer("BPF_F_RB_OVERWRITE"), 1 << 19);
	KT_EXPECT_EQ(t, bpf_uapi_newer("BPF_RB_OVERWRITE_POS"), 4);
	KT_EXPECT_EQ(t, bpf_uapi_newer("offsetof(log_true_size)"), 140);
	KT_EXPECT_EQ(t, bpf_uapi_newer("offsetof(prog_token_fd)"), 144);
	KT_EXPECT_EQ(t, bpf_uapi_newer("offsetof(fd_array_cnt)"), 148);
	KT_EXPECT_EQ(t, bpf_uapi_newer("offsetof(value_type_btf_obj_fd)"), 72);
	KT_EXPECT_EQ(t, bpf_uapi_newer("offsetof(map_token_fd)"), 76);
	KT_EXPECT_EQ(t, bpf_uapi_newer("sizeof(union bpf_attr)"), 152);
	/* The Ringtail drop-counter query is outside Linux's BPF_RB_* (0-4). */
	KT_EXPECT_GT(t, bpf_uapi_newer("RT_BPF_RB_DROPPED"), 4);
	KT_EXPECT_EQ(t, bpf_uapi_newer("RT_BPF_RB_DROPPED_OFF"), 128);
}

static const struct ktest_case uapi_cases[] = {
	KTEST_CASE(test_bpf_uapi_matches_linux),
	KTEST_CASE(test_bpf_uapi_documented_values),
	{ 0 },
};
KTEST_HOST_SUITE(uapi_suite, "bpf_uapi", uapi_cases);
KTEST_HOST_MAIN(&uapi_suite);
