/* perf_test.c - see perf_test.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "perf_test.h"

u64 perf_count(long fd)
{
	u64 v[8];
	return perf_read(fd, v, 8) >= 8 ? v[0] : ~0ULL;
}

u64 perf_id(long fd)
{
	u64 id = ~0ULL;
	return perf_ioctl(fd, PERF_EVENT_IOC_ID, (long)&id) == 0 ? id : ~0ULL;
}

/* --- tracepoints --------------------------------------------------------- */
static const char *const tracefs_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static int tracefs_root(void)
{
	static int which = -2;
	if (which == -2) {
		which = -1;
		for (int i = 0; i < 2 && which < 0; i++) {
			char p[128];
			snprintf(p, sizeof(p), "%s/events/raw_syscalls/sys_enter/id", tracefs_roots[i]);
			if (access(p, R_OK) == 0)
				which = i;
		}
	}
	return which;
}

long tp_id(const char *group, const char *name)
{
	char path[256], buf[32];
	int root, fd;
	long n;

	/* Ringtail has tracefs too (its ids are ringtail/tracepoints.h's). */
	root = tracefs_root();
	if (root < 0)
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs_roots[root], group, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

const char *tp_unavailable(void)
{
	if (tracefs_root() >= 0)
		return NULL;
	return "tracefs not mounted (mount -t tracefs nodev /sys/kernel/tracing)";
}

long tp_sys_enter(const char *name)
{
	char n[64];
	snprintf(n, sizeof(n), "sys_enter_%s", name);
	return tp_id("syscalls", n);
}
long tp_raw_enter(void) { return tp_id("raw_syscalls", "sys_enter"); }
long tp_raw_exit(void) { return tp_id("raw_syscalls", "sys_exit"); }

int hw_cycles_ok(void)
{
	static int ok = -1;
	if (ok < 0) {
		struct perf_event_attr a;
		attr_init(&a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
		a.disabled = 1;
		long fd = perf_open(&a, 0, -1, -1, 0);
		ok = fd >= 0;
		if (fd >= 0)
			perf_close(fd);
	}
	return ok;
}

/* --- the ring ------------------------------------------------------------ */
long ring_map(struct ring *r, long fd, unsigned data_pages, unsigned flags)
{
	int prot = PROT_READ | ((flags & RING_OVERWRITE) ? 0 : PROT_WRITE);
	long p;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->len = (1 + data_pages) * PG;
	p = RSYS(SYS_mmap, 0, r->len, prot, MAP_SHARED, fd, 0);
	if (p < 0 && p >= -4095)
		return p;
	r->scratch = malloc(SCRATCH_SIZE);
	if (!r->scratch) {
		RSYS(SYS_munmap, p, r->len);
		return -ENOMEM;
	}
	r->base = (u8 *)p;
	r->up = (struct perf_event_mmap_page *)p;
	r->data = r->base + PG;
	r->data_size = data_pages * PG;
	r->flags = flags;
	perf_reader_init(&r->rd, r->up, r->data, r->data_size, flags, r->scratch, SCRATCH_SIZE);
	return 0;
}

void ring_unmap(struct ring *r)
{
	if (r->base)
		RSYS(SYS_munmap, r->base, r->len);
	free(r->scratch);
	r->base = NULL;
	r->scratch = NULL;
}

long ring_pass(struct ring *r, record_fn fn, void *arg)
{
	const struct perf_event_header *h;
	long n = 0;

	perf_reader_begin(&r->rd);
	while ((h = perf_reader_next(&r->rd))) {
		n++;
		if (fn && fn(h, arg))
			break;
	}
	perf_reader_consume(&r->rd);
	return r->rd.error ? -1 : n;
}

/* --- records ------------------------------------------------------------- */
static const char *const rec_names[] = {
	[PERF_RECORD_MMAP] = "MMAP", [PERF_RECORD_LOST] = "LOST", [PERF_RECORD_COMM] = "COMM",
	[PERF_RECORD_EXIT] = "EXIT", [PERF_RECORD_THROTTLE] = "THROTTLE",
	[PERF_RECORD_UNTHROTTLE] = "UNTHROTTLE", [PERF_RECORD_FORK] = "FORK",
	[PERF_RECORD_READ] = "READ", [PERF_RECORD_SAMPLE] = "SAMPLE",
	[PERF_RECORD_MMAP2] = "MMAP2", [PERF_RECORD_AUX] = "AUX",
	[PERF_RECORD_ITRACE_START] = "ITRACE_START", [PERF_RECORD_LOST_SAMPLES] = "LOST_SAMPLES",
	[PERF_RECORD_SWITCH] = "SWITCH", [PERF_RECORD_SWITCH_CPU_WIDE] = "SWITCH_CPU_WIDE",
};

const char *record_name(u32 type)
{
	if (type < sizeof(rec_names) / sizeof(rec_names[0]) && rec_names[type])
		return rec_names[type];
	return "OTHER";
}

static size_t read_words(u64 read_format)
{
	return 1 + !!(read_format & PERF_FORMAT_TOTAL_TIME_ENABLED) +
	       !!(read_format & PERF_FORMAT_TOTAL_TIME_RUNNING) + !!(read_format & PERF_FORMAT_ID) +
	       !!(read_format & PERF_FORMAT_LOST);
}

int parse_sample(const struct perf_event_header *h, u64 st, u64 read_format, struct sample *s)
{
	const u8 *p = (const u8 *)(h + 1), *end = (const u8 *)h + h->size;
#define TAKE(dst, n) do { if ((size_t)(end - p) < (n)) return -1; memcpy((dst), p, (n)); p += (n); } while (0)
	memset(s, 0, sizeof(*s));
	if (h->type != PERF_RECORD_SAMPLE || h->size < sizeof(*h) || (h->size & 7))
		return -1;
	if (st & ~(u64)(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |
			PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN |
			PERF_SAMPLE_RAW))
		return -1;   /* layouts this parser does not know */
	if (st & PERF_SAMPLE_IDENTIFIER) TAKE(&s->identifier, 8);
	if (st & PERF_SAMPLE_IP) TAKE(&s->ip, 8);
	if (st & PERF_SAMPLE_TID) { TAKE(&s->pid, 4); TAKE(&s->tid, 4); }
	if (st & PERF_SAMPLE_TIME) TAKE(&s->time, 8);
	if (st & PERF_SAMPLE_ADDR) TAKE(&s->addr, 8);
	if (st & PERF_SAMPLE_ID) TAKE(&s->id, 8);
	if (st & PERF_SAMPLE_STREAM_ID) TAKE(&s->stream_id, 8);
	if (st & PERF_SAMPLE_CPU) { TAKE(&s->cpu, 4); TAKE(&s->cpu_res, 4); }
	if (st & PERF_SAMPLE_PERIOD) TAKE(&s->period, 8);
	if (st & PERF_SAMPLE_READ) {
		if (read_format & PERF_FORMAT_GROUP)
			return -1;
		TAKE(s->read, read_words(read_format) * 8);
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		TAKE(&s->nr, 8);
		if (s->nr > (size_t)(end - p) / 8)
			return -1;
		s->ips = (const u64 *)p;
		p += s->nr * 8;
	}
	if (st & PERF_SAMPLE_RAW) {
		TAKE(&s->raw_size, 4);
		if (s->raw_size > (size_t)(end - p))
			return -1;
		s->raw = p;
		p += s->raw_size;
	}
#undef TAKE
	return p == end ? 0 : -1;
}

size_t sample_id_size(u64 st)
{
	return 8 * (!!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) + !!(st & PERF_SAMPLE_ID) +
		    !!(st & PERF_SAMPLE_STREAM_ID) + !!(st & PERF_SAMPLE_CPU) +
		    !!(st & PERF_SAMPLE_IDENTIFIER));
}

int parse_sample_id(const struct perf_event_header *h, size_t body, u64 st, struct sample_id *sid)
{
	const u8 *p = (const u8 *)(h + 1) + body;

	memset(sid, 0, sizeof(*sid));
	if (h->size != sizeof(*h) + body + sample_id_size(st))
		return -1;
	if (st & PERF_SAMPLE_TID) { memcpy(&sid->pid, p, 4); memcpy(&sid->tid, p + 4, 4); p += 8; }
	if (st & PERF_SAMPLE_TIME) { memcpy(&sid->time, p, 8); p += 8; }
	if (st & PERF_SAMPLE_ID) { memcpy(&sid->id, p, 8); p += 8; }
	if (st & PERF_SAMPLE_STREAM_ID) { memcpy(&sid->stream_id, p, 8); p += 8; }
	if (st & PERF_SAMPLE_CPU) { memcpy(&sid->cpu, p, 4); memcpy(&sid->cpu_res, p + 4, 4); p += 8; }
	if (st & PERF_SAMPLE_IDENTIFIER) memcpy(&sid->identifier, p, 8);
	return 0;
}

/* --- workloads ----------------------------------------------------------- */
u8 *fresh_pages(size_t n)
{
	long p = RSYS(SYS_mmap, 0, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0 && p >= -4095)
		return NULL;
	RSYS(SYS_madvise, p, n * PG, MADV_NOHUGEPAGE_);   /* Ringtail may say EINVAL: fine */
	return (u8 *)p;
}

void free_pages_(u8 *p, size_t n)
{
	if (p)
		RSYS(SYS_munmap, p, n * PG);
}

__attribute__((noinline)) void touch_pages(long fd, u8 *p, size_t n, size_t off)
{
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (size_t i = 0; i < n; i++)
		*(volatile u8 *)(p + i * PG + off) = 1;
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
}
