/* Cross-CPU NMI stress (boot with smp=2 nmistorm=1): CPU 0 fires NMIs at
 * CPU 1 at random intervals while a thread pinned to CPU 1 writes records
 * from a syscall loop (a sys_enter tracepoint), its own timer samples
 * (cpu-clock) and NMI samples (the cycles event, sampled in NMI context),
 * all into one buffer; a consumer pinned to CPU 0 reads concurrently.
 *
 * Checked: every record is well formed and complete; the syscall samples
 * carry their sequence numbers in order with gaps only where LOST records
 * account for them; data_head as seen from CPU 0 never goes backwards;
 * delivered + lost == produced for the tracepoint (produced = its count,
 * exact) and for the whole buffer (LOST records == the events' lost
 * counters); NMI samples were really written, including inside the kernel. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "ktap.h"
#include "perf_test.h"

#define CALLS 60000
#define PAGES 16

static volatile int go, writer_done, writer_tid;

static void *writer(void *arg)
{
	pin_to(1);
	writer_tid = (int)syscall(SYS_gettid);
	while (!go)
		sched_yield();
	/* getpgid's argument is the sequence number: it lands in the RAW
	 * payload (args[0]) of every sample. */
	for (long i = 0; i < CALLS; i++)
		syscall(SYS_getpgid, (long)i << 32);
	writer_done = 1;
	return NULL;
}

struct stats {
	long samples[3], lost_records, lost_in_records, bad, nmi_kernel_ips, seq_gaps;
	long last_seq;
	unsigned long long ids[3];
	unsigned long long max_head_seen;
	int head_backwards;
};

static int event_index(struct stats *st, unsigned long long id)
{
	for (int i = 0; i < 3; i++)
		if (st->ids[i] == id)
			return i;
	return -1;
}

static void account(struct stats *st, const struct perf_event_header *h)
{
	const unsigned long long *w = (const void *)(h + 1);
	if (h->size < 8 || (h->size & 7)) {
		st->bad++;
		return;
	}
	if (h->type == PERF_RECORD_LOST) {
		st->lost_records++;
		st->lost_in_records += (long)w[1];
		return;
	}
	if (h->type == PERF_RECORD_THROTTLE || h->type == PERF_RECORD_UNTHROTTLE)
		return;
	if (h->type != PERF_RECORD_SAMPLE) {
		st->bad++;
		return;
	}
	/* IDENTIFIER, IP, TID, then RAW for the tracepoint. */
	int ev = event_index(st, w[0]);
	if (ev < 0 || (unsigned)(w[2] >> 32) != (unsigned)writer_tid) {
		st->bad++;
		return;
	}
	st->samples[ev]++;
	if (ev == 2 && (h->misc & 7) == PERF_RECORD_MISC_KERNEL)
		st->nmi_kernel_ips++;
	if (ev == 0) {
		unsigned raw_size = *(const unsigned *)(w + 3);
		const unsigned char *raw = (const unsigned char *)(w + 3) + 4;
		/* syscalls:sys_enter_getpgid: 8 common bytes, the syscall
		 * number (padded to 8), its one argument; 4 + 24 bytes padded
		 * to 32 as Linux pads PERF_SAMPLE_RAW. */
		if (raw_size != 28 || h->size != 8 + 24 + 4 + 28) {
			st->bad++;
			return;
		}
		long seq = (long)(*(const unsigned long long *)(raw + 16) >> 32);
		if (seq <= st->last_seq)
			st->bad++;
		else if (seq != st->last_seq + 1)
			st->seq_gaps += seq - st->last_seq - 1;
		st->last_seq = seq;
	}
}

static void t_nmi_stress_exact_accounting(void)
{
	if (ncpus() < 2) {
		KTAP_SKIP("needs 2 CPUs and nmistorm=1");
		return;
	}
	pin_to(0);
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	while (!writer_tid)
		sched_yield();
	struct perf_event_attr a;
	int fd[3];
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (u64)tp_sys_enter("getpgid");   /* tracefs: Linux ids differ */
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_RAW;
	a.read_format = PERF_FORMAT_ID | PERF_FORMAT_LOST;
	a.wakeup_events = 1;
	fd[0] = perf_open(&a, writer_tid, -1, -1, 0);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 50000;
	a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID;
	a.read_format = PERF_FORMAT_ID | PERF_FORMAT_LOST;
	fd[1] = perf_open(&a, writer_tid, -1, -1, 0);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.sample_period = 20000;
	fd[2] = perf_open(&a, writer_tid, -1, -1, 0);
	if (!EXPECT_GE(fd[0], 0) || !EXPECT_GE(fd[1], 0) || !EXPECT_GE(fd[2], 0))
		return;
	static struct ring g;
	if (!EXPECT_EQ(ring_map(&g, fd[0], PAGES, 0), 0))
		return;
	EXPECT_EQ(ioctl(fd[1], PERF_EVENT_IOC_SET_OUTPUT, fd[0]), 0);
	EXPECT_EQ(ioctl(fd[2], PERF_EVENT_IOC_SET_OUTPUT, fd[0]), 0);
	static struct stats st;
	st.last_seq = -1;
	for (int i = 0; i < 3; i++)
		ioctl(fd[i], PERF_EVENT_IOC_ID, &st.ids[i]);
	go = 1;
	for (;;) {
		int done = writer_done;
		perf_reader_begin(&g.rd);
		unsigned long long head = g.rd.head;
		if (head < st.max_head_seen)
			st.head_backwards++;
		st.max_head_seen = head;
		const struct perf_event_header *h;
		while ((h = perf_reader_next(&g.rd)))
			account(&st, h);
		if (g.rd.error)
			st.bad++;
		perf_reader_consume(&g.rd);
		if (done && g.rd.head == ((struct perf_event_mmap_page *)g.base)->data_head)
			break;
	}
	pthread_join(th, NULL);
	struct count_id_lost c[3];
	for (int i = 0; i < 3; i++) {
		ioctl(fd[i], PERF_EVENT_IOC_DISABLE, 0);
		EXPECT_EQ(read(fd[i], &c[i], sizeof(c[i])), (long)sizeof(c[i]));
	}
	/* Drain what the disable left behind (a last LOST record). */
	perf_reader_begin(&g.rd);
	const struct perf_event_header *h;
	while ((h = perf_reader_next(&g.rd)))
		account(&st, h);
	perf_reader_consume(&g.rd);

	EXPECT_EQ(st.bad, 0);
	EXPECT_EQ(st.head_backwards, 0);
	EXPECT_EQ(c[0].value, CALLS);
	EXPECT_EQ(st.samples[0] + (long)c[0].lost, CALLS);     /* delivered + lost */
	/* Missing sequence numbers (lost ones at the very end included) are
	 * exactly the lost samples. */
	EXPECT_EQ(st.seq_gaps + (CALLS - 1 - st.last_seq), (long)c[0].lost);
	long lost_all = (long)(c[0].lost + c[1].lost + c[2].lost);
	EXPECT_LE(st.lost_in_records, lost_all);               /* the rest pending */
	EXPECT_GT(st.samples[1], 0);                            /* timer samples */
	EXPECT_GT(st.samples[2], 0);                            /* NMI samples */
	ktap_diag("tracepoint %ld, clock %ld, nmi %ld (%ld in kernel) samples; lost %ld",
		  st.samples[0], st.samples[1], st.samples[2], st.nmi_kernel_ips, lost_all);
	for (int i = 0; i < 3; i++)
		close(fd[i]);
	ring_unmap(&g);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_nmi_stress_exact_accounting),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
