/* Helpers for the SMP test programs: perf_event_open, a mapped buffer
 * read with the project's reader (lib/perf_reader.c), CPU pinning. */
#pragma once

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <ringtail/tracepoints.h>
#include <lib/perf_reader.h>

static inline int perf_open(struct perf_event_attr *a, int pid, int cpu, int group, unsigned long fl)
{
	a->size = sizeof(*a);
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, group, fl);
}

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

struct ring {
	int fd;
	void *map;
	size_t len;
	struct perf_reader r;
	unsigned char scratch[65536];
};

/* Map 1 + pages pages of fd, normal (writable) mode. */
static inline int ring_map(struct ring *g, int fd, int pages)
{
	g->fd = fd;
	g->len = (size_t)(pages + 1) * 4096;
	g->map = mmap(NULL, g->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (g->map == MAP_FAILED)
		return -1;
	perf_reader_init(&g->r, g->map, (char *)g->map + 4096, (unsigned long)pages * 4096, 0,
			 g->scratch, sizeof(g->scratch));
	return 0;
}

static inline void ring_unmap(struct ring *g)
{
	munmap(g->map, g->len);
}

/* read() with read_format ID | LOST: value, id, lost. */
struct count_id_lost {
	unsigned long long value, id, lost;
};
