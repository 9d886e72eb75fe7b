/* test_perf_tp: syscall tracepoints (PERF_TYPE_TRACEPOINT).
 *
 * Mirrors Linux's own checks: perf test "Read backward ring buffer" (111
 * prctl calls with an overwrite + backward event give exactly 111 samples;
 * with a 1-page buffer every record is still well-formed) and "mmap
 * interface tests" (several syscall events in one buffer with random call
 * counts: per-event counts equal the calls, every sample's id maps to its
 * event). Then the RAW payloads and the register semantics Linux 6.18 has:
 *  - syscalls:sys_enter_NAME samples the USER registers: IP is the address
 *    after `syscall`, misc USER, the callchain has no kernel part, and
 *    exclude_kernel / exclude_user do not filter it;
 *  - raw_syscalls:sys_enter/exit sample the tracepoint's KERNEL registers:
 *    misc KERNEL, callchain KERNEL ... USER <after syscall> ...; with
 *    exclude_kernel they neither count nor sample; exclude_user is ignored;
 *  - an event enabled by ioctl sees that ioctl's sys_exit and the disabling
 *    ioctl's sys_enter, not the other two.
 * Tracepoint ids come from tracefs on Linux, <ringtail/tracepoints.h> on
 * Ringtail (tp_id()); without tracefs every case is skipped.
 */
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define KERNEL_MIN 0xffff800000000000ULL
#define PR_GET_DUMPABLE_ 3

extern const char tp_sys_ret_ip[];
static void *volatile ra_sys[4];   /* return addresses of the last calls */
static volatile int ra_n;

/* A syscall whose return address is known (tp_sys_ret_ip). */
__attribute__((noinline, noclone)) static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	ra_sys[ra_n++ & 3] = __builtin_return_address(0);
	__asm__ volatile("syscall\n.globl tp_sys_ret_ip\ntp_sys_ret_ip:"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define MAXREC 4096
static struct rec {
	u32 type, size;
	u16 misc;
	int bad;
	struct sample s;
	u8 raw[80];
	u64 chain[16];
} recs[MAXREC];
static int nrec;
static u64 cur_st;
static int collect(const struct perf_event_header *h, void *arg)
{
	(void)arg;
	if (nrec == MAXREC)
		return 1;
	struct rec *r = &recs[nrec++];
	memset(r, 0, sizeof(*r));
	r->type = h->type;
	r->size = h->size;
	r->misc = h->misc;
	if (h->type != PERF_RECORD_SAMPLE)
		return 0;
	r->bad = parse_sample(h, cur_st, 0, &r->s);
	if (r->s.raw)
		memcpy(r->raw, r->s.raw, r->s.raw_size < 80 ? r->s.raw_size : 80);
	for (u64 i = 0; i < r->s.nr && i < 16; i++)
		r->chain[i] = r->s.ips[i];
	r->s.raw = NULL;
	r->s.ips = NULL;
	return 0;
}
static long drain(struct ring *r)
{
	nrec = 0;
	return ring_pass(r, collect, NULL);
}

static long tp_open(long id, u64 st, int ek, int eu, int backward)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)id);
	a.sample_period = 1;
	a.sample_type = cur_st = st;
	a.exclude_kernel = ek;
	a.exclude_user = eu;
	a.write_backward = backward;
	a.disabled = 1;
	return perf_open(&a, 0, -1, -1, 0);
}

#define NEED_TP()                                                  \
	do {                                                       \
		if (tp_unavailable()) {                            \
			KTAP_SKIP(tp_unavailable());               \
			return;                                    \
		}                                                  \
	} while (0)

/* perf test "Read backward ring buffer": newest first, arg2 = 110 .. 0. */
static void backward_prctl(unsigned data_pages)
{
	const u64 st = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID |
		       PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW;
	struct ring r;
	long fd = tp_open(tp_sys_enter("prctl"), st, 0, 0, 1);
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, data_pages, RING_BACKWARD | RING_OVERWRITE), 0))
		return;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < 111; i++)
		sys6(NR_prctl, PR_GET_DUMPABLE_, i, 0, 0, 0, 0);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 1), 0);
	EXPECT_GT(drain(&r), 0);
	EXPECT_EQ(r.rd.error, 0);
	if (data_pages >= 8)
		EXPECT_EQ(nrec, 111);
	else
		EXPECT_LT(nrec, 111);
	for (int i = 0; i < nrec; i++) {
		const struct tp_sys_enter *e = (const void *)recs[i].raw;
		if (!EXPECT_EQ(recs[i].type, PERF_RECORD_SAMPLE) || !EXPECT_EQ(recs[i].bad, 0))
			break;
		EXPECT_EQ(e->nr, NR_prctl);
		EXPECT_EQ(e->args[0], PR_GET_DUMPABLE_);
		EXPECT_EQ(e->args[1], 110 - i);
	}
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 0), 0);
	EXPECT_EQ(perf_count(fd), 111);
	ring_unmap(&r);
	perf_close(fd);
}
static void t_backward_overwrite_111_prctl(void) { NEED_TP(); backward_prctl(8); }
static void t_backward_1page_well_formed(void) { NEED_TP(); backward_prctl(1); }

/* perf test "mmap interface tests". */
static void t_mmap_basic_random_counts(void)
{
	static const char *const names[] = { "getpid", "getppid", "getpgid", "prctl" };
	static const long nrs[] = { NR_getpid, NR_getppid, NR_getpgid, NR_prctl };
	long fd[4], calls[4], left[4], seen[4] = { 0 };
	u64 id[4], rs = 0x6d6d6170ULL;   /* fixed seed: same calls on both systems */
	struct ring r;
	NEED_TP();
	for (int i = 0; i < 4; i++) {
		fd[i] = tp_open(tp_sys_enter(names[i]), PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_ID | PERF_SAMPLE_TID, 0, 0, 0);
		if (!EXPECT_GE(fd[i], 0))
			return;
		id[i] = perf_id(fd[i]);
		rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
		calls[i] = left[i] = 1 + (long)(rs % 127);
		if (i == 0)
			EXPECT_EQ(ring_map(&r, fd[0], 16, 0), 0);
		else
			EXPECT_EQ(perf_ioctl(fd[i], PERF_EVENT_IOC_SET_OUTPUT, fd[0]), 0);
	}
	for (int i = 0; i < 4; i++)
		perf_ioctl(fd[i], PERF_EVENT_IOC_ENABLE, 0);
	for (long total = calls[0] + calls[1] + calls[2] + calls[3]; total > 0; total--) {
		int k;
		do {
			rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
			k = (int)(rs % 4);
		} while (!left[k]);
		left[k]--;
		if (nrs[k] == NR_prctl)
			sys6(NR_prctl, PR_GET_DUMPABLE_, 0, 0, 0, 0, 0);
		else
			sys6(nrs[k], 0, 0, 0, 0, 0, 0);
	}
	for (int i = 0; i < 4; i++)
		perf_ioctl(fd[i], PERF_EVENT_IOC_DISABLE, 0);
	EXPECT_EQ(drain(&r), calls[0] + calls[1] + calls[2] + calls[3]);
	for (int i = 0; i < nrec; i++) {
		int k = -1;
		if (!EXPECT_EQ(recs[i].type, PERF_RECORD_SAMPLE) || !EXPECT_EQ(recs[i].bad, 0))
			break;
		for (int j = 0; j < 4; j++)
			if (recs[i].s.id == id[j])
				k = j;
		if (!EXPECT_GE(k, 0))
			break;
		EXPECT_EQ_HEX(recs[i].s.identifier, recs[i].s.id);
		EXPECT_EQ(recs[i].s.tid, RSYS(SYS_gettid));
		seen[k]++;
	}
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(seen[i], calls[i]);
		EXPECT_EQ(perf_count(fd[i]), calls[i]);
	}
	ring_unmap(&r);
	for (int i = 0; i < 4; i++)
		perf_close(fd[i]);
}

/* Two getpgid calls with distinctive arguments between ENABLE and DISABLE;
 * returns the records of one event. */
#define NOPID 0x3fffffffL
static int run_getpgid(long id, u64 st, int ek, int eu, long *count)
{
	struct ring r;
	long fd = tp_open(id, st, ek, eu, 0);
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 8, 0), 0))
		return 0;
	ra_n = 0;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < 2; i++)
		sys6(NR_getpgid, NOPID + i, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	*count = (long)perf_count(fd);
	drain(&r);
	ring_unmap(&r);
	perf_close(fd);
	return 1;
}

static void t_raw_sys_enter_payload(void)
{
	long count, tp;
	NEED_TP();
	tp = tp_raw_enter();
	if (!run_getpgid(tp, PERF_SAMPLE_RAW, 0, 0, &count) || !EXPECT_EQ(nrec, 3))
		return;
	EXPECT_EQ(count, 3);
	for (int i = 0; i < 3; i++) {
		const struct tp_raw_sys_enter *e = (const void *)recs[i].raw;
		EXPECT_EQ(recs[i].bad, 0);
		EXPECT_EQ(recs[i].s.raw_size, 68);
		EXPECT_EQ(e->c.common_type, tp);
		EXPECT_EQ(e->c.common_pid, getpid());
		if (i == 2) {             /* the disabling ioctl */
			EXPECT_EQ(e->id, SYS_ioctl);
			EXPECT_EQ_HEX(e->args[1], PERF_EVENT_IOC_DISABLE);
			continue;
		}
		EXPECT_EQ(e->id, NR_getpgid);
		EXPECT_EQ_HEX(e->args[0], NOPID + i);
		EXPECT_EQ_HEX(e->args[1], 0x1111);
		EXPECT_EQ_HEX(e->args[2], 0x2222);
		EXPECT_EQ_HEX(e->args[3], 0x3333);
		EXPECT_EQ_HEX(e->args[4], 0x4444);
		EXPECT_EQ_HEX(e->args[5], 0x5555);
	}
}

static void t_raw_sys_exit_payload(void)
{
	long count, tp;
	NEED_TP();
	tp = tp_raw_exit();
	if (!run_getpgid(tp, PERF_SAMPLE_RAW, 0, 0, &count) || !EXPECT_EQ(nrec, 3))
		return;
	EXPECT_EQ(count, 3);
	for (int i = 0; i < 3; i++) {
		const struct tp_raw_sys_exit *e = (const void *)recs[i].raw;
		EXPECT_EQ(recs[i].s.raw_size, 28);
		EXPECT_EQ(e->c.common_type, tp);
		EXPECT_EQ(e->id, i == 0 ? SYS_ioctl : NR_getpgid);   /* the enabling ioctl first */
		EXPECT_EQ(e->ret, i == 0 ? 0 : -3 /* ESRCH */);
	}
}

static void t_sys_enter_payload(void)
{
	long count, tp;
	NEED_TP();
	tp = tp_sys_enter("getpgid");
	if (!run_getpgid(tp, PERF_SAMPLE_RAW, 0, 0, &count) || !EXPECT_EQ(nrec, 2))
		return;
	EXPECT_EQ(count, 2);
	for (int i = 0; i < 2; i++) {
		const struct tp_sys_enter *e = (const void *)recs[i].raw;
		EXPECT_EQ(recs[i].s.raw_size, 28);   /* one argument: 16 + 8, padded */
		EXPECT_EQ(e->c.common_type, tp);
		EXPECT_EQ(e->nr, NR_getpgid);
		EXPECT_EQ_HEX(e->args[0], NOPID + i);
	}
}

static void t_sys_enter_user_regs(void)
{
	const u64 st = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN;
	long count;
	NEED_TP();
	for (int mode = 0; mode < 3; mode++) {   /* plain, exclude_kernel, exclude_user */
		if (!run_getpgid(tp_sys_enter("getpgid"), st, mode == 1, mode == 2, &count))
			return;
		EXPECT_EQ(count, 2);
		if (!EXPECT_EQ(nrec, 2))
			continue;
		for (int i = 0; i < 2; i++) {
			struct rec *x = &recs[i];
			EXPECT_EQ(x->misc & PERF_RECORD_MISC_CPUMODE_MASK, PERF_RECORD_MISC_USER);
			EXPECT_EQ_HEX(x->s.ip, (u64)tp_sys_ret_ip);
			if (!EXPECT_GE(x->s.nr, 3))
				continue;
			EXPECT_EQ_HEX(x->chain[0], PERF_CONTEXT_USER);
			EXPECT_EQ_HEX(x->chain[1], (u64)tp_sys_ret_ip);
			EXPECT_EQ_HEX(x->chain[2], (u64)ra_sys[i]);
		}
	}
}

static void t_raw_enter_kernel_regs(void)
{
	const u64 st = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN;
	long count;
	NEED_TP();
	if (!run_getpgid(tp_raw_enter(), st, 0, 1 /* ignored */, &count))
		return;
	EXPECT_EQ(count, 3);
	if (!EXPECT_EQ(nrec, 3))
		return;
	for (int i = 0; i < 2; i++) {
		struct rec *x = &recs[i];
		u64 n = x->s.nr < 16 ? x->s.nr : 16, k;
		EXPECT_EQ(x->misc & PERF_RECORD_MISC_CPUMODE_MASK, PERF_RECORD_MISC_KERNEL);
		EXPECT_GE(x->s.ip, KERNEL_MIN);
		EXPECT_EQ_HEX(x->chain[0], PERF_CONTEXT_KERNEL);
		EXPECT_EQ_HEX(x->chain[1], x->s.ip);
		for (k = 1; k < n && x->chain[k] != PERF_CONTEXT_USER; k++)
			EXPECT_GE(x->chain[k], KERNEL_MIN);
		if (EXPECT_LT(k + 2, n)) {
			EXPECT_EQ_HEX(x->chain[k + 1], (u64)tp_sys_ret_ip);
			EXPECT_EQ_HEX(x->chain[k + 2], (u64)ra_sys[i]);
		}
	}
}

static void t_raw_enter_exclude_kernel_sees_nothing(void)
{
	long count;
	NEED_TP();
	if (!run_getpgid(tp_raw_enter(), PERF_SAMPLE_IP, 1, 0, &count))
		return;
	EXPECT_EQ(count, 0);
	EXPECT_EQ(nrec, 0);
}

static void t_counting_tracepoint(void)
{
	struct perf_event_attr a;
	NEED_TP();
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp_sys_enter("getppid"));
	a.disabled = 1;
	long fd = perf_open(&a, 0, -1, -1, 0);
	if (!EXPECT_GE(fd, 0))
		return;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < 1000; i++)
		sys6(NR_getppid, 0, 0, 0, 0, 0, 0);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	EXPECT_EQ(perf_count(fd), 1000);
	perf_close(fd);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_backward_overwrite_111_prctl),
	KTAP_CASE(t_backward_1page_well_formed),
	KTAP_CASE(t_mmap_basic_random_counts),
	KTAP_CASE(t_raw_sys_enter_payload),
	KTAP_CASE(t_raw_sys_exit_payload),
	KTAP_CASE(t_sys_enter_payload),
	KTAP_CASE(t_sys_enter_user_regs),
	KTAP_CASE(t_raw_enter_kernel_regs),
	KTAP_CASE(t_raw_enter_exclude_kernel_sees_nothing),
	KTAP_CASE(t_counting_tracepoint),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
