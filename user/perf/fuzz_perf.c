/* fuzz_perf: random perf syscalls from a fixed, printed seed while
 * interrupt-context writers (Ringtail: the NMI cycles event; Linux: a
 * cpu-clock timer) sample into a buffer of their own.
 *
 *     fuzz_perf [SEED [CALLS]]        (Ringtail runs it with no arguments)
 *
 * Each step is one of: perf_event_open with a random attr (random type,
 * config, size and tail bytes, sample_type/read_format bits, flag bits,
 * periods, wakeups, pid/cpu/group_fd/flags, or a bogus attr pointer);
 * close; ioctl with a perf request ('$' numbers, any direction/size) or a
 * stray one, with numbers, fds or (bad) pointers; read with random sizes;
 * mmap in random shapes/protections/flags/offsets; munmap (whole or a
 * part); mprotect/madvise/mremap on a mapping; poll; a garbage data_tail;
 * a drain of a mapping with the project's reader; or workload (page
 * faults, syscalls, yields) so events fire. The kernel must survive, every
 * result must be a value or -errno, rings we never corrupted must parse,
 * and this process must be intact. Ringtail checks after exit that
 * everything was freed.
 *
 * Kept away from the host (Linux) only: dynamic PMU types (uprobe/kprobe
 * would patch files or the kernel), hardware breakpoints, tracepoints
 * other than the syscall ones, and events on other processes. Everywhere:
 * sigtrap (would kill us), SIGIO is ignored (random FIOSETOWN-like state).
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define DEFAULT_SEED 0x706572665f667a7aULL    /* "perf_fzz" */
#define DEFAULT_CALLS 100000
#define NFD 24
#define NMAP 16

static u64 rs;
static u64 rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dULL;
}
#define PICK(arr) ((arr)[rnd() % (sizeof(arr) / sizeof((arr)[0]))])

static int host;
static long fds[NFD];
static int fd_backward[NFD], fd_was_mapped[NFD];
static struct mapping { u8 *base; size_t len; int check, backward, corrupt; struct perf_reader rd; } maps[NMAP];
static u8 *buf, *hole, *work, *scratch;     /* buf: 2 pages then the hole */
static long helper_tid, tps[5];
static volatile int helper_stop;
static long calls, ok_calls, errs, weird, bad_rings, drained;
static volatile unsigned long canary[32];
static int last_slot = -1;        /* the slot of the last successful open */

static void *helper(void *x)
{
	(void)x;
	helper_tid = RSYS(SYS_gettid);
	struct timespec ts = { 0, 1000000 };
	while (!helper_stop)
		nanosleep(&ts, NULL);
	return NULL;
}

static long account(long r)
{
	calls++;
	if (r >= 0)
		ok_calls++;
	else if (r >= -4095)
		errs++;
	else if (weird++ < 5)
		ktap_diag("odd return value %#lx after %ld calls", r, calls);
	return r;
}

static long any_fd(void)
{
	switch (rnd() % 6) {
	case 0: return -1;
	case 1: return (long)(rnd() % 3);
	case 2: return 1000;
	default: { long f = fds[rnd() % NFD]; return f ? f : -1; }
	}
}

static long bad_ptr(void)
{
	static const u64 p[] = { 0, BAD_KERNEL, BAD_NONCANON, BAD_TOP, ~0ULL };
	return rnd() % 3 ? (long)hole : (long)PICK(p);
}

static long any_arg(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return 1;
	case 2: return -1;
	case 3: return (long)(rnd() % 64);
	case 4: return any_fd();
	case 5: return bad_ptr();
	case 6: return (long)(buf + (rnd() % 2048) * 4 - 8 * (rnd() % 2));
	default: return (long)rnd();
	}
}

static void fill_attr(struct perf_event_attr *a)
{
	static const u32 sizes[] = { 0, 64, 72, 80, 96, 104, 112, 120, 128, 136, 200, 4096, 4097, 31, 65 };
	static const u64 periods[] = { 0, 1, 2, 10, 1000, 100000, 1ULL << 63, 3 };
	u64 *w = (u64 *)a;

	memset(buf, 0, 2 * PG);
	if (rnd() % 8 == 0)
		for (int i = 0; i < 256; i++)
			buf[rnd() % (2 * PG)] = (u8)rnd();
	switch (rnd() % 10) {
	case 0: case 1: case 2: case 3:
		a->type = PERF_TYPE_SOFTWARE;
		a->config = rnd() % 4 ? rnd() % 12 : rnd();
		break;
	case 4: case 5:
		a->type = PERF_TYPE_TRACEPOINT;
		a->config = rnd() % 4 ? (u64)tps[rnd() % 5] : host ? 100000 + rnd() % 1000 : rnd() % 30000;
		break;
	case 6: case 7:
		a->type = PERF_TYPE_HARDWARE;
		a->config = rnd() % 4 ? rnd() % 12 : rnd();
		break;
	default:
		a->type = host ? (rnd() % 2 ? (u32)(3 + rnd() % 2) : 0x10000 + (u32)rnd() % 0xfff0000)
			       : (u32)(rnd() % 2 ? rnd() % 12 : rnd());
		a->config = rnd();
	}
	a->size = rnd() % 4 ? sizeof(*a) : PICK(sizes);
	a->sample_period = rnd() % 8 ? PICK(periods) : rnd();
	a->sample_type = rnd() % 8 ? rnd() & (PERF_SAMPLE_MAX - 1) & (rnd() | 0x107ef) : rnd();
	a->read_format = rnd() % 8 ? rnd() % PERF_FORMAT_MAX : rnd();
	w[5] = rnd() & rnd() & ~(1ULL << 37);          /* flag bits, never sigtrap */
	if (rnd() % 8)
		w[5] &= (1ULL << 38) - 1;
	a->wakeup_events = rnd() % 4 ? (u32)(rnd() % 8) : (u32)rnd();
	if (rnd() % 4 == 0) {
		a->bp_type = (u32)rnd();
		a->config1 = rnd() % 2 ? rnd() : (u64)bad_ptr();
		a->config2 = rnd();
		a->branch_sample_type = rnd();
		a->sample_regs_user = rnd();
		a->sample_stack_user = (u32)(rnd() % 2 ? rnd() % 70000 : rnd());
		a->clockid = (s32)(rnd() % 2 ? rnd() % 12 : rnd());
		a->sample_max_stack = (u16)(rnd() % 2 ? rnd() % 130 : rnd());
		a->aux_watermark = (u32)rnd();
	}
	if (rnd() % 16 == 0)
		a->__reserved_2 = (u16)rnd();
}

/* An attr Linux accepts (mostly), so the later calls have live events. */
static void sane_attr(struct perf_event_attr *a)
{
	static const u64 sw[] = { PERF_COUNT_SW_CPU_CLOCK, PERF_COUNT_SW_TASK_CLOCK,
				  PERF_COUNT_SW_PAGE_FAULTS, PERF_COUNT_SW_CONTEXT_SWITCHES,
				  PERF_COUNT_SW_DUMMY };
	static const u64 st_ok = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
				 PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_CPU |
				 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW |
				 PERF_SAMPLE_READ | PERF_SAMPLE_STREAM_ID;
	memset(buf, 0, 2 * PG);
	switch (rnd() % 4) {
	case 0: case 1: attr_init(a, PERF_TYPE_SOFTWARE, PICK(sw)); break;
	case 2: attr_init(a, PERF_TYPE_TRACEPOINT, (u64)tps[rnd() % 5]); break;
	default: attr_init(a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	}
	a->sample_period = PICK(((u64[]){ 0, 1, 2, 7, 1000, 20000, 100000 }));
	a->sample_type = rnd() & st_ok;
	a->read_format = rnd() % PERF_FORMAT_MAX;
	a->disabled = rnd() % 3 == 0;
	a->exclude_user = rnd() % 6 == 0;
	a->exclude_kernel = rnd() % 6 == 0;
	a->sample_id_all = rnd() % 2;
	a->write_backward = rnd() % 5 == 0;
	a->context_switch = rnd() % 5 == 0;
	a->wakeup_events = (u32)(rnd() % 4);
	if (rnd() % 4 == 0) {
		a->watermark = 1;
		a->wakeup_watermark = (u32)(rnd() % 8192);
	}
	if (rnd() % 6 == 0) {
		a->freq = 1;
		a->sample_freq = PICK(((u64[]){ 1, 100, 1000, 4000 }));
	}
}

/* Timer and cycle events fire by time: a few dozen of them at the 10 us
 * minimum would eat the CPU (on Linux too), so their periods stay >= 100 us
 * (1e6 cycles) and their frequencies <= 1 kHz. Period-1 floods are
 * test_perf_nmi's business; everything else keeps its random period. */
static void tame(struct perf_event_attr *a)
{
	u64 min = a->type == PERF_TYPE_HARDWARE ? 1000000 : 100000;
	if (!((a->type == PERF_TYPE_SOFTWARE && a->config <= PERF_COUNT_SW_TASK_CLOCK) ||
	      a->type == PERF_TYPE_HARDWARE))
		return;
	if (a->freq)
		a->sample_freq = a->sample_freq % 1000;
	else if (a->sample_period && a->sample_period < min)
		a->sample_period += min;
}

static void op_open(void)
{
	struct perf_event_attr *a;
	long pid, cpu, grp, flags, r;
	u64 big = 4096 + 8;
	int sane = rnd() % 2;

	a = (struct perf_event_attr *)(buf + 2 * PG - (rnd() % 2 ? big : sizeof(*a) + 64));
	if (sane)
		sane_attr(a);
	else
		fill_attr(a);
	tame(a);
	long ptr = sane || rnd() % 10 ? (long)a : (rnd() % 2 ? bad_ptr() : (long)(buf + 2 * PG - 40));
	switch (rnd() % 6) {
	case 0: pid = -1; break;
	case 1: pid = helper_tid; break;
	case 2: pid = 0x3fffffff; break;
	case 3: pid = host ? RSYS(SYS_gettid) : (long)(rnd() % 64); break;
	default: pid = 0;
	}
	cpu = rnd() % 3 ? -1 : PICK(((long[]){ 0, 1, 2, 100000, -2 }));
	grp = rnd() % 3 ? -1 : any_fd();
	flags = rnd() % 3 ? 0 : (rnd() % 2 ? (long)(rnd() % 16) : (long)rnd());
	if (sane) {
		pid = rnd() % 4 ? 0 : helper_tid;
		cpu = -1;
		grp = -1;
		flags = rnd() % 2 ? PERF_FLAG_FD_CLOEXEC : 0;
	}
	r = account(perf_open((struct perf_event_attr *)ptr, pid, cpu, grp, (unsigned long)flags));
	if (r < 0)
		return;
	int slot = (int)(rnd() % NFD);
	if (fds[slot])
		RSYS(SYS_close, fds[slot]);
	fds[slot] = r;
	fd_backward[slot] = ptr == (long)a && a->write_backward;
	fd_was_mapped[slot] = 0;
	last_slot = slot;
}

static void op_close(void)
{
	int slot = (int)(rnd() % NFD);
	if (!fds[slot])
		return;
	account(RSYS(SYS_close, fds[slot]));
	fds[slot] = 0;
}

static void op_ioctl(void)
{
	static const unsigned long reqs[] = {
		PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_DISABLE, PERF_EVENT_IOC_REFRESH,
		PERF_EVENT_IOC_RESET, PERF_EVENT_IOC_PERIOD, PERF_EVENT_IOC_SET_OUTPUT,
		PERF_EVENT_IOC_SET_FILTER, PERF_EVENT_IOC_ID, PERF_EVENT_IOC_SET_BPF,
		PERF_EVENT_IOC_PAUSE_OUTPUT, 0xc008240a /* QUERY_BPF */, 0x4008240b /* MODIFY_ATTRIBUTES */,
		0x5401, 0x541b, 0x12345678,
	};
	unsigned long req = rnd() % 3 ? PICK(reqs) : _IOC(rnd() % 4, '$', rnd() % 16, rnd() % 64);
	long fd = rnd() % 8 ? any_fd() : (long)rnd();
	long arg = any_arg();
	if (req == PERF_EVENT_IOC_SET_FILTER && rnd() % 2) {   /* a real string */
		strcpy((char *)buf, PICK(((const char *[]){ "id == 1", "common_pid != 0", "x", "(" })));
		arg = (long)buf;
	}
	if (req == PERF_EVENT_IOC_SET_OUTPUT)
		for (int i = 0; i < NFD; i++)
			if (fds[i] == fd)
				fd_was_mapped[i] = 1;
	account(RSYS(SYS_ioctl, fd, req, arg));
}

static void op_read(void)
{
	long n = rnd() % 4 ? (long)(rnd() % 80) : (long)rnd();
	long p = rnd() % 4 ? (long)(buf + rnd() % 64) : bad_ptr();
	long fd = any_fd();
	if (fd >= 0 && fd <= 2)
		fd = 1000;        /* a read on the console would wait for input */
	account(RSYS(SYS_read, fd, p, n));
}

static void forget_map(int i)
{
	maps[i].base = NULL;
}

/* Does mapping i share its buffer with another live mapping? Page 0 is
 * writable: put a marker in its reserved area and look for it elsewhere. */
static int shared(int i)
{
	u64 mark = rnd() | 1, *mine = (u64 *)(maps[i].base + 512);
	volatile int found = 0;
	*mine = mark;
	for (volatile int j = 0; j < NMAP; j++) {
		u64 v = 0;
		if (j == i || !maps[j].base)
			continue;
		if (FAULT_TRY(v = *(volatile u64 *)(maps[j].base + 512)) == 0 && v == mark) {
			maps[j].check = 0;
			found = 1;
		}
	}
	*mine = 0;
	return found;
}

static void op_mmap(void)
{
	static const size_t pages[] = { 0, 1, 2, 3, 4, 5, 9, 17, 33, 2, 2, 3 };
	int slot = (int)(rnd() % NMAP), slot_fd = (int)(rnd() % NFD);
	if (last_slot >= 0 && rnd() % 2)
		slot_fd = last_slot;   /* map what was just opened */
	long fd = rnd() % 8 || host ? fds[slot_fd] : any_fd();
	size_t len = rnd() % 5 ? PICK(pages) * PG : rnd() % (70 * PG);
	int prot = rnd() % 4 ? PROT_READ | (rnd() % 3 ? PROT_WRITE : 0) : (int)(rnd() % 8);
	int flags = rnd() % 8 ? MAP_SHARED : PICK(((int[]){ MAP_PRIVATE, MAP_SHARED | MAP_POPULATE, 0, MAP_SHARED | MAP_LOCKED }));
	long off = rnd() % 8 ? 0 : PICK(((long[]){ (long)PG, 1, -(long)PG, 2 * (long)PG }));
	/* Linux makes mmap of an event that had a buffer before (mapped, or
	 * SET_OUTPUT) wait for an RCU grace period, up to seconds on the host
	 * VMs here: there, map each event at most once and never after. */
	if (host && fd == fds[slot_fd] && fd_was_mapped[slot_fd])
		return;
	if (maps[slot].base) {
		RSYS(SYS_munmap, maps[slot].base, maps[slot].len);
		forget_map(slot);
	}
	long r = account(RSYS(SYS_mmap, 0, len, prot, flags, fd, off));
	if (r < 0 && r >= -4095)
		return;
	if (fd == fds[slot_fd])
		fd_was_mapped[slot_fd] = 1;
	maps[slot].base = (u8 *)r;
	maps[slot].len = (len + PG - 1) & ~(PG - 1);
	/* Reading is checked only for normal-mode forward/backward rings we
	 * created alone; a second mapping or a corrupt tail would race. */
	maps[slot].check = fd == fds[slot_fd] && fd > 0 && (prot & PROT_WRITE) && (prot & PROT_READ) &&
			   (flags & MAP_SHARED) && maps[slot].len >= 2 * PG;
	maps[slot].backward = fd_backward[slot_fd];
	maps[slot].corrupt = 0;
	if (maps[slot].check) {
		struct perf_event_mmap_page *up = (void *)r;
		if (up->data_head != 0 || up->data_size != maps[slot].len - PG || shared(slot))
			maps[slot].check = 0;   /* an existing buffer */
		else
			perf_reader_init(&maps[slot].rd, up, (u8 *)r + PG, up->data_size,
					 maps[slot].backward ? PERF_READER_BACKWARD : 0, scratch, SCRATCH_SIZE);
	}
}

static void op_vm(void)
{
	int i = (int)(rnd() % NMAP);
	struct mapping *m = &maps[i];
	if (!m->base)
		return;
	switch (rnd() % 6) {
	case 0:
		account(RSYS(SYS_munmap, m->base, m->len));
		forget_map(i);
		break;
	case 1:   /* part of it: refused by Linux; if not, forget it all */
		if (m->len > PG && account(RSYS(SYS_munmap, m->base + PG, PG)) == 0) {
			RSYS(SYS_munmap, m->base, m->len);
			forget_map(i);
		}
		break;
	case 2:
		account(RSYS(SYS_mprotect, m->base, rnd() % 2 ? m->len : PG, (int)(rnd() % 4)));
		m->check = 0;
		break;
	case 3:
		account(RSYS(SYS_madvise, m->base, m->len, PICK(((int[]){ MADV_DONTNEED, MADV_NORMAL, MADV_WILLNEED, MADV_DONTFORK }))));
		break;
	case 4: {
		size_t nlen = m->len + PG * (rnd() % 3);
		long r = account(RSYS(SYS_mremap, m->base, m->len, nlen, MREMAP_MAYMOVE));
		if (r >= 0 || r < -4095) {
			RSYS(SYS_munmap, r, nlen);
			forget_map(i);
		}
		break;
	}
	default:   /* garbage data_tail: the kernel must cope, we stop checking */
		if (FAULT_TRY(*(volatile u64 *)&((struct perf_event_mmap_page *)m->base)->data_tail = rnd()) == 0)
			m->corrupt = 1;
	}
}

static void op_poll(void)
{
	struct pollfd p[3];
	for (int i = 0; i < 3; i++) {
		p[i].fd = (int)any_fd();
		p[i].events = (short)(rnd() % 2 ? POLLIN : rnd());
	}
	account(RSYS(SYS_poll, rnd() % 8 ? (long)p : bad_ptr(), 1 + rnd() % 3, 0));
}

static void op_drain(void)
{
	struct mapping *m = &maps[rnd() % NMAP];
	const struct perf_event_header *h;
	if (!m->base || !m->check || m->corrupt)
		return;
	perf_reader_begin(&m->rd);
	while ((h = perf_reader_next(&m->rd)))
		drained++;
	if (m->rd.error) {
		if (bad_rings++ < 5)
			ktap_diag("ring error %d after %ld calls", m->rd.error, calls);
		m->check = 0;
	}
	perf_reader_consume(&m->rd);
}

static void op_work(void)
{
	static size_t next;
	switch (rnd() % 4) {
	case 0:
		for (int i = 0; i < 4; i++, next++)
			work[(next % 256) * PG] = 1;
		if (next % 256 == 0)
			RSYS(SYS_madvise, work, 256 * PG, MADV_DONTNEED);
		break;
	case 1:
		account(RSYS(PICK(((long[]){ NR_getpid, NR_getppid, NR_getpgid })), 0));
		break;
	case 2:
		account(RSYS(NR_prctl, 3, 0, 0, 0, 0));
		break;
	default:
		RSYS(SYS_sched_yield);
	}
}

int main(int argc, char **argv)
{
	u64 seed = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_SEED;
	long ncalls = argc > 2 ? strtol(argv[2], NULL, 0) : DEFAULT_CALLS;
	struct perf_event_attr a;
	struct ring bg;
	pthread_t t;
	u64 t0 = now_ns(CLOCK_MONOTONIC);

	ktap_plan(3);
	ktap_diag("fuzz_perf: seed %#llx, %ld calls", (unsigned long long)seed, ncalls);
	rs = seed ? seed : 1;
	host = !on_ringtail();
	signal(SIGIO, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	fault_catch_install();
	buf = fresh_pages(3);
	work = fresh_pages(256);
	scratch = malloc(SCRATCH_SIZE);
	if (!buf || !work || !scratch || RSYS(SYS_munmap, buf + 2 * PG, PG))
		return 1;
	hole = buf + 2 * PG;
	for (int i = 0; i < 32; i++)
		canary[i] = 0xc0ffee00ULL + (u64)i;
	tps[0] = tp_raw_enter();
	tps[1] = tp_raw_exit();
	tps[2] = tp_sys_enter("getpid");
	tps[3] = tp_sys_enter("getppid");
	tps[4] = tp_sys_enter("prctl");
	/* Keep every tracepoint in use all run long: on Linux, freeing the
	 * last event of a tracepoint waits for an RCU grace period. */
	long pin[5];
	for (int i = 0; i < 5; i++) {
		attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tps[i]);
		a.disabled = 1;
		pin[i] = perf_open(&a, 0, -1, -1, 0);
	}
	pthread_create(&t, NULL, helper, NULL);
	while (!helper_tid)
		sched_yield();

	/* Interrupt-context writers for the whole run. */
	if (hw_cycles_ok())
		attr_init(&a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	else
		attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
	a.sample_period = hw_cycles_ok() ? 1000000 : 100000;   /* ~2.6 kHz NMIs, 10 kHz timer */
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN;
	long bgfd = perf_open(&a, 0, -1, -1, 0);
	int bg_ok = bgfd >= 0 && ring_map(&bg, bgfd, 4, 0) == 0;

	while (calls < ncalls) {
		switch (rnd() % 20) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6: op_open(); break;
		case 7: op_close(); break;
		case 8: case 9: case 10: case 11: op_ioctl(); break;
		case 12: op_read(); break;
		case 13: case 14: op_mmap(); break;
		case 15: op_vm(); break;
		case 16: op_poll(); break;
		case 17: op_drain(); break;
		default: op_work();
		}
		if (bg_ok && calls % 64 == 0 && ring_pass(&bg, NULL, NULL) < 0 && bad_rings++ < 5)
			ktap_diag("background ring broken");
		if (calls % 25000 == 0)
			ktap_diag("%ld calls", calls);
	}
	for (int i = 0; i < NMAP; i++)
		if (maps[i].base)
			RSYS(SYS_munmap, maps[i].base, maps[i].len);
	for (int i = 0; i < NFD; i++)
		if (fds[i])
			RSYS(SYS_close, fds[i]);
	for (int i = 0; i < 5; i++)
		if (pin[i] >= 0)
			perf_close(pin[i]);
	helper_stop = 1;
	pthread_join(t, NULL);
	ktap_diag("%ld calls in %llu ms: %ld ok, %ld errors; %ld records drained", calls,
		  (unsigned long long)((now_ns(CLOCK_MONOTONIC) - t0) / 1000000), ok_calls, errs, drained);
	ktap_result(calls >= ncalls && weird == 0, "survived_random_perf_calls");
	ktap_result(bad_rings == 0 && bg_ok, "rings_stayed_well_formed");
	int intact = 1;
	for (int i = 0; i < 32; i++)
		intact &= canary[i] == 0xc0ffee00ULL + (u64)i;
	memset(buf, 0x5a, 2 * PG);
	intact &= buf[2 * PG - 1] == 0x5a && RSYS(SYS_getpid) > 0;
	ktap_result(intact, "process_intact");
	if (bg_ok)
		ring_unmap(&bg);
	perf_close(bgfd);
	return ktap_done();
}
