/* perf_test.h - the helpers every perf test program shares (user/perf,
 * user/smp, user/bpf): perf_event_open and friends, CPU pinning, the
 * mapped ring read with the project's reader, record parsing.
 *
 * Every program here is an ordinary Linux program: it runs unchanged on a
 * Linux host (the reference) and on Ringtail. What differs is looked up at
 * run time, never compiled in:
 *   - tracepoint ids: from tracefs (Linux and Ringtail alike)
 *     (tp_id());
 *   - the NMI-driven cycles event exists only on Ringtail (hw_cycles_ok()).
 * Syscalls go through RSYS() so results are the kernel's (-errno), which the
 * EXPECT_ERRNO checks compare directly. Built with perf_test.c and
 * lib/perf_reader.c.
 */
#pragma once
#ifndef _GNU_SOURCE
#error "build with -D_GNU_SOURCE (rt_user.h needs REG_RIP, pinning needs cpu_set_t)"
#endif
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <lib/types.h>
#include <arch/barrier.h>
#include <linux/perf_event.h>
#include <ringtail/tracepoints.h>
#include <lib/perf_reader.h>
#include "rt_user.h"

#ifndef SYS_perf_event_open
#define SYS_perf_event_open 298
#endif
#define PG 4096UL
#define SCRATCH_SIZE 65536
#define MADV_NOHUGEPAGE_ 15

/* Syscall numbers used as tracepoint workloads (x86_64). */
#define NR_getpid 39
#define NR_kill 62
#define NR_getppid 110
#define NR_getpgid 121
#define NR_prctl 157

static inline void attr_init(struct perf_event_attr *a, u32 type, u64 config)
{
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->size = sizeof(*a);
	a->config = config;
}

static inline long perf_open(const struct perf_event_attr *a, long pid, long cpu, long group,
			     unsigned long flags)
{
	return RSYS(SYS_perf_event_open, a, pid, cpu, group, flags);
}

static inline long perf_ioctl(long fd, unsigned long req, long arg)
{
	return RSYS(SYS_ioctl, fd, req, arg);
}

static inline long perf_close(long fd) { return RSYS(SYS_close, fd); }

/* read() into n u64 words; returns bytes read or -errno. */
static inline long perf_read(long fd, u64 *v, size_t n) { return RSYS(SYS_read, fd, v, n * 8); }

/* read() with read_format ID | LOST: value, id, lost. */
struct count_id_lost {
	unsigned long long value, id, lost;
};

/* The counter value (first word of read()), or ~0 on failure. */
u64 perf_count(long fd);
/* The event id (PERF_EVENT_IOC_ID), or ~0 on failure. */
u64 perf_id(long fd);

/* --- CPUs ---------------------------------------------------------------- */
static inline int ncpus(void)
{
	cpu_set_t s;
	if (sched_getaffinity(0, sizeof(s), &s))
		return 1;
	return CPU_COUNT(&s);
}

static inline int pin_to(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

/* --- tracepoints --------------------------------------------------------- */
/* The id of tracepoint group:name (e.g. "syscalls", "sys_enter_getppid"):
 * > 0, or -ENOENT (unknown), or -ENODEV (Linux without tracefs mounted). */
long tp_id(const char *group, const char *name);
/* NULL when tracepoints can be used here, else why not (for KTAP_SKIP). */
const char *tp_unavailable(void);
/* Shorthands: syscalls:sys_enter_<name>, raw_syscalls:sys_enter/exit. */
long tp_sys_enter(const char *name);
long tp_raw_enter(void);
long tp_raw_exit(void);

/* PERF_SAMPLE_RAW payloads of the syscall tracepoints (Linux layout). */
struct tp_common {
	u16 common_type;
	u8 common_flags;
	u8 common_preempt_count;
	s32 common_pid;
};
struct tp_raw_sys_enter {
	struct tp_common c;
	s64 id;
	u64 args[6];
};
struct tp_raw_sys_exit {
	struct tp_common c;
	s64 id;
	s64 ret;
};
/* syscalls:sys_enter_NAME. Linux records only the syscall's own arguments
 * (so a getppid record ends after nr); Ringtail records all six. */
struct tp_sys_enter {
	struct tp_common c;
	s32 nr;
	u32 pad;
	u64 args[6];
};

/* 1 when the emulated cycles event (PERF_TYPE_HARDWARE CPU_CYCLES) can be
 * opened: on Ringtail. Linux hosts here have no PMU. */
int hw_cycles_ok(void);

/* --- the ring ------------------------------------------------------------ */
#define RING_BACKWARD  PERF_READER_BACKWARD
#define RING_OVERWRITE PERF_READER_OVERWRITE   /* map read-only */

struct ring {
	long fd;
	u8 *base;
	size_t len;
	struct perf_event_mmap_page *up;
	u8 *data;
	u64 data_size;
	unsigned flags;
	struct perf_reader rd;
	u8 *scratch;
};

/* Map 1 + data_pages pages of fd (MAP_SHARED, offset 0; PROT_WRITE unless
 * RING_OVERWRITE). Returns 0 or -errno. */
long ring_map(struct ring *r, long fd, unsigned data_pages, unsigned flags);
void ring_unmap(struct ring *r);
/* One reader pass: calls fn for every whole record (oldest first forward,
 * newest first backward) until fn returns nonzero, then consumes what was
 * returned. Returns the records passed to fn, or -1 on a broken record. */
typedef int (*record_fn)(const struct perf_event_header *h, void *arg);
long ring_pass(struct ring *r, record_fn fn, void *arg);
/* Bytes published and not yet consumed (forward, normal mode). */
static inline u64 ring_pending(const struct ring *r)
{
	return READ_ONCE(r->up->data_head) - READ_ONCE(r->up->data_tail);
}

/* --- records ------------------------------------------------------------- */
struct sample {
	u64 identifier, ip;
	u32 pid, tid;
	u64 time, addr, id, stream_id;
	u32 cpu, cpu_res;
	u64 period;
	u64 read[5];            /* non-group PERF_SAMPLE_READ, as read_format */
	u64 nr;                 /* CALLCHAIN */
	const u64 *ips;
	u32 raw_size;           /* RAW */
	const u8 *raw;
};
/* Decode a PERF_RECORD_SAMPLE. Returns 0, or -1 when the record's size
 * does not match sample_type exactly (a torn or misparsed record). */
int parse_sample(const struct perf_event_header *h, u64 sample_type, u64 read_format,
		 struct sample *s);

struct sample_id {
	u32 pid, tid;
	u64 time, id, stream_id;
	u32 cpu, cpu_res;
	u64 identifier;
};
/* Bytes the sample_id_all trailer takes for this sample_type. */
size_t sample_id_size(u64 sample_type);
/* Decode the trailer of a non-sample record whose body (after the header)
 * has body_size fixed bytes. Returns 0, or -1 if the size does not fit. */
int parse_sample_id(const struct perf_event_header *h, size_t body_size, u64 sample_type,
		    struct sample_id *sid);
const char *record_name(u32 type);

/* --- workloads ----------------------------------------------------------- */
/* n fresh anonymous pages, never touched, without huge pages (so every
 * first write is exactly one page fault). NULL on failure. */
u8 *fresh_pages(size_t n);
void free_pages_(u8 *p, size_t n);
/* Enable fd, write one byte at p + i*PG + off for i < n, disable fd. With
 * fd < 0 it only warms the code path (so the measured run takes no
 * instruction-fetch or stack faults of its own). */
void touch_pages(long fd, u8 *p, size_t n, size_t off);
