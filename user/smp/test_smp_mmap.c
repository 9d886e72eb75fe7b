/* Concurrent mmap/munmap in one address space: a thread pinned to every
 * CPU maps and unmaps perf rings, BPF ring buffer maps and anonymous
 * memory as fast as it can. With memory to spare none of these calls may
 * fail, and no mapping may land on top of another thread's (an anonymous
 * area chosen outside the address-space lock could be handed out twice:
 * the second mapping would silently replace the first). Runs on Linux too. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/bpf.h>
#include "ktap.h"
#include "perf_test.h"

#define MAXC 8
#define ROUNDS 150
#define PERF_PAGES 16           /* data pages of each perf ring: 1 + 16 mapped */
#define ANON_PAGES 8
#define RB_SIZE (16 * 4096)

struct worker {
	int cpu;
	long perf_fail, bpf_fail, anon_fail, clobbered, first_errno;
	const char *first_what;
};

static volatile int start;

/* err: the failed call's -errno (raw syscalls), or 0 to take errno. */
static void failed_err(struct worker *w, long *counter, const char *what, long err)
{
	if (!w->first_what) {
		w->first_what = what;
		w->first_errno = err ? -err : errno;
	}
	(*counter)++;
}

static void failed(struct worker *w, long *counter, const char *what)
{
	failed_err(w, counter, what, 0);
}

static int ringbuf_create(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = RB_SIZE;
	return (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

static void perf_round(struct worker *w)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.disabled = 1;
	long fd = perf_open(&a, 0, -1, -1, 0);
	if (fd < 0) {
		failed_err(w, &w->perf_fail, "perf_event_open", fd);
		return;
	}
	size_t len = (1 + PERF_PAGES) * 4096;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (p == MAP_FAILED) {
		failed(w, &w->perf_fail, "mmap of a perf ring");
	} else {
		struct perf_event_mmap_page *up = p;
		if (up->data_size != PERF_PAGES * 4096)
			failed(w, &w->perf_fail, "perf user page");
		if (munmap(p, len))
			failed(w, &w->perf_fail, "munmap of a perf ring");
	}
	close((int)fd);
}

static void bpf_round(struct worker *w)
{
	int fd = ringbuf_create();
	if (fd < 0) {
		failed(w, &w->bpf_fail, "BPF_MAP_CREATE");
		return;
	}
	/* As libbpf maps a ring: the consumer page writable, then the
	 * producer page and the data (twice) read-only. */
	void *cons = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	void *prod = mmap(NULL, 4096 + 2 * RB_SIZE, PROT_READ, MAP_SHARED, fd, 4096);
	if (cons == MAP_FAILED || prod == MAP_FAILED)
		failed(w, &w->bpf_fail, "mmap of a BPF ring");
	if (cons != MAP_FAILED && munmap(cons, 4096))
		failed(w, &w->bpf_fail, "munmap of a BPF consumer page");
	if (prod != MAP_FAILED && munmap(prod, 4096 + 2 * RB_SIZE))
		failed(w, &w->bpf_fail, "munmap of a BPF ring");
	close(fd);
}

static void anon_round(struct worker *w, unsigned round)
{
	size_t len = ANON_PAGES * 4096;
	uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		failed(w, &w->anon_fail, "anonymous mmap");
		return;
	}
	uint64_t tag = ((uint64_t)w->cpu << 32) | round;
	for (size_t i = 0; i < len / 8; i += 512)
		p[i] = tag;
	sched_yield();          /* let the others map in between */
	for (size_t i = 0; i < len / 8; i += 512)
		if (p[i] != tag) {
			w->clobbered++;
			break;
		}
	if (munmap(p, len))
		failed(w, &w->anon_fail, "anonymous munmap");
}

static void *work(void *arg)
{
	struct worker *w = arg;
	pin_to(w->cpu);
	while (!start)
		sched_yield();
	for (unsigned r = 0; r < ROUNDS; r++) {
		perf_round(w);
		anon_round(w, r);
		bpf_round(w);
	}
	return NULL;
}

/* Every CPU maps at once: no call fails, no area is handed out twice. */
static void t_concurrent_maps(void)
{
	int n = ncpus();
	if (n > MAXC)
		n = MAXC;
	if (n < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	static struct worker ws[MAXC];
	pthread_t th[MAXC];
	memset(ws, 0, sizeof(ws));
	start = 0;
	for (int c = 0; c < n; c++) {
		ws[c].cpu = c;
		pthread_create(&th[c], NULL, work, &ws[c]);
	}
	start = 1;
	long perf = 0, bpf = 0, anon = 0, clob = 0;
	for (int c = 0; c < n; c++) {
		pthread_join(th[c], NULL);
		perf += ws[c].perf_fail;
		bpf += ws[c].bpf_fail;
		anon += ws[c].anon_fail;
		clob += ws[c].clobbered;
	}
	if (!EXPECT_EQ(perf + bpf + anon, 0)) {
		ktap_diag("failed calls: %ld perf, %ld bpf, %ld anonymous", perf, bpf, anon);
		for (int c = 0; c < n; c++)
			if (ws[c].first_what)
				ktap_diag("CPU %d: first failure: %s (errno %ld)", c,
					  ws[c].first_what, ws[c].first_errno);
	}
	if (!EXPECT_EQ(clob, 0))
		ktap_diag("%ld anonymous areas were overwritten by another thread's mapping", clob);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_concurrent_maps),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
