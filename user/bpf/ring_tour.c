/* ring_tour: fills one ring of each kind with a known set of records, says
 * what it knows of them, then makes one more perf record: the program of
 * the gdb walk-through in the README ("Debugging with gdb") and of its
 * test (scripts/tests/test_gdb_rings.py), which stops the kernel there and
 * compares rt-rings / rt-ring with the "tour:" lines printed here.
 * Ringtail only (a built-in BPF handler). The rings, in the order
 * rt-rings lists them (perf rings first, then BPF rings, oldest first):
 *
 *   0  perf, 1+1 pages, normal mode: a sample per prctl() (IDENTIFIER IP
 *      TID TIME ID CPU PERIOD READ CALLCHAIN RAW, read_format ID|LOST),
 *      read as they come; then MMAP2, FORK, LOST (3, while paused) and a
 *      sample, left unread.
 *   1  perf, 1+1 pages, backward and overwrite (read-only mapping): the
 *      same prctl() calls (TID TIME RAW), more than fit: it has wrapped.
 *   2  BPF ring buffer "tour_log", 4 KiB: rt_unlink_log records of
 *      unlinkat("/tmp/tour-NN"), 10 consumed, 14 waiting, 2 dropped.
 *   3  BPF user ring buffer "tour_in", 4 KiB: 3 samples submitted, one
 *      discarded, one still reserved (BUSY); no handler drains it.
 *
 * Then getppid() (the marker: `hbreak sys_getppid` stops just before)
 * and one more prctl(), whose sample enters perf_output_begin. Exits 0
 * when every ring holds what it should. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "bpf_demo.h"
#include "perf_test.h"

#define OPT(i) (0x7ff00000ul + (i))      /* prctl options no kernel knows */
#define CALLS 60                         /* prctl calls before the pause */
#define PAUSED 3                         /* ... and while ring 0 is paused */
#define KEEP 6                           /* newest records of ring 0 to print */

static int bad;

#define CHECK(cond, ...) do { if (!(cond)) { printf("tour: FAIL " __VA_ARGS__); \
				       printf("\n"); bad++; } } while (0)

/* Ring 0's newest records as its reader saw them. */
struct seen {
	u64 pos;
	u32 type, size;
	u64 opt;                /* SAMPLE: the prctl option (RAW args[0]) */
	u64 value;              /* SAMPLE: READ's value; LOST: lost */
};
static struct seen last[KEEP];
static unsigned int nseen;
static u64 starts[256];                 /* where every record of ring 0 began */

static u64 sample_st = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_CPU |
		       PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN |
		       PERF_SAMPLE_RAW;
static u64 read_fmt = PERF_FORMAT_ID | PERF_FORMAT_LOST;

static void note(struct ring *r, const struct perf_event_header *h)
{
	struct seen *s = &last[nseen++ % KEEP];
	struct sample smp;

	memset(s, 0, sizeof(*s));
	s->pos = r->rd.start - h->size;         /* the reader has moved past it */
	starts[(nseen - 1) % 256] = s->pos;
	s->type = h->type;
	s->size = h->size;
	if (h->type == PERF_RECORD_SAMPLE && !parse_sample(h, sample_st, read_fmt, &smp)) {
		s->opt = ((const struct tp_sys_enter *)smp.raw)->args[0];
		s->value = smp.read[0];
	} else if (h->type == PERF_RECORD_LOST) {
		s->value = ((const u64 *)(h + 1))[1];
	}
}

/* One reader pass over ring 0: note every record; consume them or not. */
static void read_ring0(struct ring *r, int consume)
{
	const struct perf_event_header *h;

	perf_reader_begin(&r->rd);
	while ((h = perf_reader_next(&r->rd)))
		note(r, h);
	CHECK(!r->rd.error, "ring 0: reader error %d", r->rd.error);
	if (consume)
		perf_reader_consume(&r->rd);
}

static long open_tp(int backward, u64 st)
{
	struct perf_event_attr a;
	long fd;

	attr_init(&a, PERF_TYPE_TRACEPOINT, RT_TP_SYS_ENTER_PRCTL);
	a.sample_period = 1;
	a.sample_type = st;
	a.disabled = 1;
	if (backward) {
		a.write_backward = 1;
	} else {
		a.read_format = read_fmt;
		a.sample_id_all = 1;
		a.task = 1;
		a.mmap2 = 1;
	}
	fd = perf_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		die("perf_event_open", (int)fd);
	return fd;
}

static void tour_prctl(u64 i)
{
	RSYS(SYS_prctl, OPT(i), 0xa1, 0xa2, 0xa3, 0xa4);
}

static int count_cb(void *ctx, void *data, size_t size)
{
	++*(int *)ctx;
	return 0;
}

/* Ring 2: rt_unlink_log on unlinkat; 10 records read, 16 more made. */
static struct ring_buffer *fill_log(int *fd)
{
	struct ring_buffer *rb;
	char path[32];
	int got = 0;

	*fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "tour_log", 0, 0, 4096, NULL);
	if (*fd < 0)
		die("bpf(BPF_MAP_CREATE)", *fd);
	attach_handler(RT_HANDLER_UNLINK_LOG, fd, 1, RT_TP_SYS_ENTER_UNLINKAT);
	rb = ring_buffer__new(*fd, count_cb, &got, NULL);
	if (!rb)
		die("ring_buffer__new", errno);
	for (int i = 0; i < 26; i++) {
		snprintf(path, sizeof(path), "/tmp/tour-%02d", i);
		syscall(__NR_unlinkat, AT_FDCWD, path, 0);   /* ENOENT is fine */
		if (i == 9)
			ring_buffer__consume(rb);
	}
	CHECK(got == 10, "ring 2: consumed %d, not 10", got);
	return rb;
}

/* Ring 3: three samples submitted, one discarded, one left reserved. */
static struct user_ring_buffer *fill_in(int *fd)
{
	struct user_ring_buffer *ur;
	__u64 *s;

	*fd = bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, "tour_in", 0, 0, 4096, NULL);
	if (*fd < 0)
		die("bpf(BPF_MAP_CREATE)", *fd);
	ur = user_ring_buffer__new(*fd, NULL);
	if (!ur)
		die("user_ring_buffer__new", errno);
	for (int k = 1; k <= 5; k++) {
		s = user_ring_buffer__reserve(ur, k == 5 ? 16 : 8);
		if (!s)
			die("user_ring_buffer__reserve", errno);
		s[0] = 0x7075720000000000ull + k;        /* "pur" + k */
		if (k <= 3)
			user_ring_buffer__submit(ur, s);
		else if (k == 4)
			user_ring_buffer__discard(ur, s);
		else
			s[1] = 0x4255535942555359ull;      /* "YSUBYSUB": never submitted */
	}
	return ur;
}

static void say_bpf(struct ring_buffer *rb, int in_fd)
{
	struct ring *r = ring_buffer__ring(rb, 0);
	unsigned long cons = ring__consumer_pos(r), prod = ring__producer_pos(r);
	unsigned long drop = ring__rt_dropped(r);
	const unsigned long *ucons, *uprod;

	printf("tour: ring 2 consumer_pos=%lu producer_pos=%lu dropped=%lu\n", cons, prod, drop);
	CHECK(cons == 10 * 288 && prod == 24 * 288 && drop == 2, "ring 2 positions");
	ucons = mmap(NULL, 4096, PROT_READ, MAP_SHARED, in_fd, 0);
	uprod = mmap(NULL, 4096, PROT_READ, MAP_SHARED, in_fd, 4096);
	if (ucons == MAP_FAILED || uprod == MAP_FAILED)
		die("mmap(user ring)", errno);
	printf("tour: ring 3 consumer_pos=%lu producer_pos=%lu\n", *ucons, *uprod);
	CHECK(*ucons == 0 && *uprod == 4 * 16 + 24, "ring 3 positions");
}

/* MMAP2 of an executable mapping of our own binary, then FORK. */
static void sideband(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	void *p;
	pid_t child;

	if (fd < 0)
		die("open(/proc/self/exe)", errno);
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap(/proc/self/exe)", errno);
	printf("tour: mmap2 addr=%p\n", p);
	munmap(p, 4096);
	close(fd);
	child = fork();
	if (child == 0)
		_exit(0);
	printf("tour: pid=%d fork child=%d\n", (int)getpid(), (int)child);
	waitpid(child, NULL, 0);
}

int main(void)
{
	struct ring r0, r1;
	int log_fd, in_fd;
	long a, b;
	struct ring_buffer *rb = fill_log(&log_fd);
	struct user_ring_buffer *ur = fill_in(&in_fd);

	a = open_tp(0, sample_st);
	b = open_tp(1, PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW);
	if (ring_map(&r0, a, 1, 0) || ring_map(&r1, b, 1, RING_BACKWARD | RING_OVERWRITE))
		die("mmap(perf)", errno);
	perf_ioctl(a, PERF_EVENT_IOC_ENABLE, 0);
	perf_ioctl(b, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < CALLS; i++) {
		tour_prctl((u64)i);
		if (ring_pending(&r0) > 2048)
			read_ring0(&r0, 1);
	}
	sideband();
	perf_ioctl(a, PERF_EVENT_IOC_PAUSE_OUTPUT, 1);
	for (int i = CALLS; i < CALLS + PAUSED; i++)
		tour_prctl((u64)i);
	perf_ioctl(a, PERF_EVENT_IOC_PAUSE_OUTPUT, 0);
	tour_prctl(CALLS + PAUSED);
	read_ring0(&r0, 0);             /* look, but leave them unread */

	printf("tour: ring 0 id=%llu data_head=%llu data_tail=%llu\n",
	       (unsigned long long)perf_id(a), (unsigned long long)r0.up->data_head,
	       (unsigned long long)r0.up->data_tail);
	for (unsigned int k = nseen > KEEP ? nseen - KEEP : 0; k < nseen; k++) {
		struct seen *s = &last[k % KEEP];
		printf("tour: ring 0 record pos=%llu type=%u size=%u opt=%#llx value=%llu\n",
		       (unsigned long long)s->pos, s->type, s->size, (unsigned long long)s->opt,
		       (unsigned long long)s->value);
	}
	printf("tour: ring 0 starts=");
	for (unsigned int k = nseen > 256 ? nseen - 256 : 0; k < nseen; k++)
		printf("%llu%s", (unsigned long long)starts[k % 256], k + 1 < nseen ? "," : "\n");
	CHECK(nseen >= KEEP && last[(nseen - 2) % KEEP].type == PERF_RECORD_LOST &&
	      last[(nseen - 2) % KEEP].value == PAUSED, "ring 0: no LOST of %d", PAUSED);
	printf("tour: ring 1 id=%llu data_head=%#llx\n", (unsigned long long)perf_id(b),
	       (unsigned long long)r1.up->data_head);
	CHECK((u64)-r1.up->data_head > 4096, "ring 1 has not wrapped");
	say_bpf(rb, in_fd);
	printf("tour: stopping\n");
	fflush(stdout);
	syscall(SYS_getppid);                   /* the marker */
	tour_prctl(0xff);                       /* into perf_output_begin */
	printf("tour: %s\n", bad ? "FAILED" : "done");
	ring_unmap(&r0);
	ring_unmap(&r1);
	ring_buffer__free(rb);
	user_ring_buffer__free(ur);
	return bad ? 1 : 0;
}
