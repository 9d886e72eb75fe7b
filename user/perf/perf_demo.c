/* perf_demo: what `make run` shows. Samples CPU 0 for two seconds while a
 * small workload runs, then prints what came out of the ring buffer: the
 * records by type, the most sampled functions (kernel names from
 * /proc/kallsyms, user names from this program's own sections), the
 * syscalls seen and the lost count. Also an ordinary Linux program: as root
 * on a Linux host it prints the same report about that machine's CPU 0.
 *
 * All events go into ONE buffer (PERF_EVENT_IOC_SET_OUTPUT), read with the
 * project's lib/perf_reader while they are written.
 *
 * `perf_demo --work MS` only runs the workload for MS milliseconds: what
 * `make record` profiles with rtperf.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "perf_test.h"

#define SECONDS 2
#define MS 1000000ULL
#define ST (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_ID | PERF_SAMPLE_RAW)

/* --- the workload: each function in its own section, so the linker's
 * __start_/__stop_ symbols give its exact address range ----------------- */
#define DEMO_FN(name) __attribute__((noinline, section("sec_" #name))) static
static volatile int stop_work;
static volatile u64 sink;

DEMO_FN(demo_compute) void demo_compute(void)
{
	u64 x = sink | 1;
	for (int i = 0; i < 200000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
}

DEMO_FN(demo_checksum) void demo_checksum(const u8 *p, size_t n)
{
	u32 c = ~0u;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	sink += c;
}

DEMO_FN(demo_syscalls) void demo_syscalls(void)
{
	for (int i = 0; i < 200; i++)
		RSYS(SYS_getppid);
}

DEMO_FN(demo_page_faults) void demo_page_faults(void)
{
	u8 *p = fresh_pages(64);
	if (!p)
		return;
	for (int i = 0; i < 64; i++)
		p[i * PG] = (u8)i;
	demo_checksum(p, 4096);
	free_pages_(p, 64);
}

static void *workload(void *arg)
{
	struct timespec ts = { 0, 1000000 };
	(void)arg;
	while (!stop_work) {
		demo_compute();
		demo_syscalls();
		demo_page_faults();
		nanosleep(&ts, NULL);
	}
	return NULL;
}

extern const char __start_sec_demo_compute[], __stop_sec_demo_compute[], __start_sec_demo_checksum[],
	__stop_sec_demo_checksum[], __start_sec_demo_syscalls[], __stop_sec_demo_syscalls[],
	__start_sec_demo_page_faults[], __stop_sec_demo_page_faults[];
static const struct { const char *name; const char *start, *end; } user_fns[] = {
	{ "demo_compute", __start_sec_demo_compute, __stop_sec_demo_compute },
	{ "demo_checksum", __start_sec_demo_checksum, __stop_sec_demo_checksum },
	{ "demo_syscalls", __start_sec_demo_syscalls, __stop_sec_demo_syscalls },
	{ "demo_page_faults", __start_sec_demo_page_faults, __stop_sec_demo_page_faults },
};

/* --- kernel symbols ------------------------------------------------------- */
struct ksym { u64 addr; const char *name; };
static struct ksym *ksyms;
static size_t nksyms;

static int ksym_cmp(const void *a, const void *b)
{
	u64 x = ((const struct ksym *)a)->addr, y = ((const struct ksym *)b)->addr;
	return x < y ? -1 : x > y;
}

/* "ffffffff80100000 T name [module]": text symbols only. */
static void load_kallsyms(void)
{
	size_t cap = 0, len = 0, size = 1 << 20;
	char *text = malloc(size);
	int fd = open("/proc/kallsyms", O_RDONLY);
	long n;
	if (fd < 0 || !text)
		return;
	while ((n = read(fd, text + len, size - len - 1)) > 0) {
		len += (size_t)n;
		if (size - len < 4096 && !(text = realloc(text, size *= 2)))
			return;
	}
	close(fd);
	text[len] = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *end, *name;
		u64 addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || !end[1] || !strchr("tTW", end[1]) || end[2] != ' ' || !addr)
			continue;
		name = end + 3;
		name[strcspn(name, " \t")] = 0;
		if (nksyms == cap && !(ksyms = realloc(ksyms, (cap = cap ? 2 * cap : 4096) * sizeof(*ksyms))))
			return;
		ksyms[nksyms].addr = addr;
		ksyms[nksyms++].name = name;
	}
	qsort(ksyms, nksyms, sizeof(*ksyms), ksym_cmp);
}

static const char *ksym_name(u64 ip)
{
	size_t lo = 0, hi = nksyms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ksyms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? ksyms[lo - 1].name : NULL;
}

/* --- what the consumer counts ----------------------------------------------- */
enum { EV_CLOCK, EV_CYCLES, EV_SYSCALL, EV_FAULT, EV_SWITCH, NEV };
static const char *const ev_names[NEV] = { "cpu-clock", "cycles (NMI)", "sys_enter", "page-faults", "context-switch" };
static long ev_fd[NEV] = { -1, -1, -1, -1, -1 };
static u64 ev_id[NEV], ev_samples[NEV];
static u64 rec_count[PERF_RECORD_MAX + 1], lost_in_records;
static u64 syscall_count[512];

#define MAXFN 512
static struct fn { const char *name; char where; u64 key, samples; } fns[MAXFN];
static int nfns;
static u64 fn_samples;

static void count_ip(u64 ip, int kernel)
{
	const char *name = NULL;
	char buf[32];
	if (kernel) {
		name = ksym_name(ip);
		if (!name) {
			snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)(ip & ~0xfffULL));
			name = buf;
		}
	} else {
		name = "(libc and other code)";
		for (size_t i = 0; i < sizeof(user_fns) / sizeof(user_fns[0]); i++)
			if (ip >= (u64)user_fns[i].start && ip < (u64)user_fns[i].end)
				name = user_fns[i].name;
	}
	fn_samples++;
	for (int i = 0; i < nfns; i++)
		if (fns[i].where == (kernel ? 'k' : 'u') && !strcmp(fns[i].name, name)) {
			fns[i].samples++;
			return;
		}
	if (nfns < MAXFN) {
		fns[nfns].name = name == buf ? strdup(buf) : name;
		fns[nfns].where = kernel ? 'k' : 'u';
		fns[nfns++].samples = 1;
	}
}

static int consume(const struct perf_event_header *h, void *arg)
{
	struct sample s;
	(void)arg;
	rec_count[h->type <= PERF_RECORD_MAX ? h->type : PERF_RECORD_MAX]++;
	if (h->type == PERF_RECORD_LOST)
		lost_in_records += ((const u64 *)(h + 1))[1];
	if (h->type != PERF_RECORD_SAMPLE)
		return 0;
	for (int e = 0; e < NEV; e++) {
		if (ev_fd[e] < 0 || ((const u64 *)(h + 1))[2] != ev_id[e])
			continue;
		ev_samples[e]++;
		if (parse_sample(h, e == EV_SYSCALL ? ST : ST & ~(u64)PERF_SAMPLE_RAW, 0, &s))
			break;
		if (e == EV_CLOCK || e == EV_CYCLES)
			count_ip(s.ip, (h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL);
		if (e == EV_SYSCALL && s.raw_size >= 16) {
			s64 nr = ((const struct tp_raw_sys_enter *)s.raw)->id;
			syscall_count[nr >= 0 && nr < 511 ? nr : 511]++;
		}
	}
	return 0;
}

static int by_samples(const void *a, const void *b)
{
	u64 x = ((const struct fn *)a)->samples, y = ((const struct fn *)b)->samples;
	return x < y ? 1 : x > y ? -1 : 0;
}

static const char *syscall_name(int nr)
{
	static const struct { int nr; const char *name; } t[] = {
		{ 0, "read" }, { 1, "write" }, { 3, "close" }, { 7, "poll" }, { 9, "mmap" },
		{ 11, "munmap" }, { 16, "ioctl" }, { 24, "sched_yield" }, { 28, "madvise" },
		{ 35, "nanosleep" }, { 39, "getpid" }, { 110, "getppid" }, { 202, "futex" },
		{ 228, "clock_gettime" }, { 230, "clock_nanosleep" }, { 271, "ppoll" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].nr == nr)
			return t[i].name;
	return NULL;
}

/* --- setup ------------------------------------------------------------------ */
static long open_ev(int e, long pid, long cpu)
{
	struct perf_event_attr a;
	switch (e) {
	case EV_CLOCK: attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK); a.sample_period = MS; break;
	case EV_CYCLES: attr_init(&a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES); a.sample_period = 2000000; break;
	case EV_SYSCALL: attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp_raw_enter()); a.sample_period = 1; break;
	case EV_FAULT: attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS); a.sample_period = 1; break;
	default: attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY); a.context_switch = 1;
	}
	a.sample_type = e == EV_SYSCALL ? ST : ST & ~(u64)PERF_SAMPLE_RAW;
	a.read_format = PERF_FORMAT_ID | PERF_FORMAT_LOST;
	a.disabled = 1;
	a.watermark = 1;
	a.wakeup_watermark = 32 * 1024;
	return perf_open(&a, pid, cpu, -1, 0);
}

/* The workload alone, for a profiler outside (rtperf record). */
static int work_only(long ms)
{
	pthread_t t;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	if (ms <= 0 || pthread_create(&t, NULL, workload, NULL))
		return 2;
	nanosleep(&ts, NULL);
	stop_work = 1;
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct ring r;
	pthread_t t;
	cpu_set_t cpu0;
	long pid = -1, cpu = 0;
	u64 lost_read = 0, v[3];

	if (argc == 3 && !strcmp(argv[1], "--work"))
		return work_only(atol(argv[2]));

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);   /* workload inherits CPU 0 */
	load_kallsyms();                               /* before sampling: it is big on Linux */
	printf("perf_demo: sampling CPU 0 for %d seconds while a small workload runs...\n", SECONDS);
	fflush(stdout);
	if (pthread_create(&t, NULL, workload, NULL))
		return 1;
	ev_fd[EV_CLOCK] = open_ev(EV_CLOCK, pid, cpu);
	if (ev_fd[EV_CLOCK] < 0) {                    /* not root on Linux: this process only */
		pid = 0;
		cpu = -1;
		ev_fd[EV_CLOCK] = open_ev(EV_CLOCK, pid, cpu);
	}
	if (ev_fd[EV_CLOCK] < 0 || ring_map(&r, ev_fd[EV_CLOCK], 64, 0)) {
		printf("perf_demo: cannot open or map a cpu-clock event (%ld)\n", ev_fd[EV_CLOCK]);
		return 1;
	}
	for (int e = 0; e < NEV; e++) {
		if (e != EV_CLOCK && !(e == EV_CYCLES && !hw_cycles_ok()) && !(e == EV_SYSCALL && tp_unavailable()))
			ev_fd[e] = open_ev(e, pid, cpu);
		if (ev_fd[e] >= 0 && e != EV_CLOCK && perf_ioctl(ev_fd[e], PERF_EVENT_IOC_SET_OUTPUT, ev_fd[EV_CLOCK])) {
			perf_close(ev_fd[e]);
			ev_fd[e] = -1;
		}
		ev_id[e] = ev_fd[e] >= 0 ? perf_id(ev_fd[e]) : ~0ULL;
	}
	for (int e = 0; e < NEV; e++)
		if (ev_fd[e] >= 0)
			perf_ioctl(ev_fd[e], PERF_EVENT_IOC_ENABLE, 0);

	u64 t0 = now_ns(CLOCK_MONOTONIC);
	struct pollfd p = { (int)ev_fd[EV_CLOCK], POLLIN, 0 };
	while (now_ns(CLOCK_MONOTONIC) - t0 < SECONDS * 1000 * MS) {
		poll(&p, 1, 100);
		ring_pass(&r, consume, NULL);
	}
	for (int e = 0; e < NEV; e++)
		if (ev_fd[e] >= 0)
			perf_ioctl(ev_fd[e], PERF_EVENT_IOC_DISABLE, 0);
	stop_work = 1;
	pthread_join(t, NULL);
	ring_pass(&r, consume, NULL);
	for (int e = 0; e < NEV; e++)
		if (ev_fd[e] >= 0 && perf_read(ev_fd[e], v, 3) == 24)
			lost_read += v[2];

	printf("\nWhat was sampled: %s.\nAll events write into ONE ring buffer of 64 pages:\n",
	       pid < 0 ? "everything on CPU 0 (kernel, idle and this program)" : "this program only (not root)");
	for (int e = 0; e < NEV; e++)
		printf("  %-15s %s\n", ev_names[e], ev_fd[e] < 0 ? "not available here" :
		       e == EV_CLOCK ? "a sample every 1 ms of CPU time" :
		       e == EV_CYCLES ? "a sample every 2,000,000 cycles, taken in NMI context" :
		       e == EV_SYSCALL ? "a sample at every system call entry (raw_syscalls:sys_enter)" :
		       e == EV_FAULT ? "a sample at every page fault" : "a record at every context switch");
	printf("\nRecords by type:\n");
	for (int i = 1; i <= PERF_RECORD_MAX; i++)
		if (rec_count[i])
			printf("  %-16s %8llu\n", record_name((u32)i), (unsigned long long)rec_count[i]);
	for (int e = 0; e < NEV; e++)
		if (ev_fd[e] >= 0 && e != EV_SWITCH)
			printf("    from %-15s %6llu samples\n", ev_names[e], (unsigned long long)ev_samples[e]);

	qsort(fns, (size_t)nfns, sizeof(fns[0]), by_samples);
	printf("\nTop sampled functions (cpu-clock%s samples):\n"
	       "  [k] kernel, named from /proc/kallsyms%s; [u] this demo's workload\n",
	       ev_fd[EV_CYCLES] >= 0 ? " and cycles" : "", nksyms ? "" : " (not readable: addresses)");
	for (int i = 0; i < nfns && i < 10; i++)
		printf("  %5.1f%%  %6llu  [%c] %s\n", 100.0 * (double)fns[i].samples / (double)(fn_samples ? fn_samples : 1),
		       (unsigned long long)fns[i].samples, fns[i].where, fns[i].name);

	if (ev_fd[EV_SYSCALL] >= 0) {
		printf("\nSystem calls seen on CPU 0 (top 5):\n");
		for (int k = 0; k < 5; k++) {
			int best = -1;
			for (int i = 0; i < 512; i++)
				if (syscall_count[i] && (best < 0 || syscall_count[i] > syscall_count[best]))
					best = i;
			if (best < 0)
				break;
			const char *nm = syscall_name(best);
			printf("  %8llu  %s (%d)\n", (unsigned long long)syscall_count[best], nm ? nm : "syscall", best);
			syscall_count[best] = 0;
		}
	}
	printf("\nLost: %llu samples (read() with PERF_FORMAT_LOST; LOST records in the ring say %llu).\n",
	       (unsigned long long)lost_read, (unsigned long long)lost_in_records);
	printf("\nHow to read this: every line above was counted from records the kernel\n"
	       "wrote into the mmap()ed ring while this program read it (data_head/data_tail).\n"
	       "A sample records where the CPU was: [k] in the kernel, [u] in user space.\n"
	       "Lost samples are ones the kernel dropped because the ring was full.\n"
	       "The tests in user/perf/ check each of these mechanisms one by one.\n");
	ring_unmap(&r);
	for (int e = 0; e < NEV; e++)
		if (ev_fd[e] >= 0)
			perf_close(ev_fd[e]);
	return rec_count[PERF_RECORD_SAMPLE] ? 0 : 1;
}
