/* Shared by the ring buffer host tests: a buffer laid out like a real
 * mapping (user page, then the data pages, contiguous) between two
 * PROT_NONE guard pages, so a write outside the data area faults; with
 * trb_init_any's twice, also the sample path's double mapping. */
#pragma once
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <errno.h>
#include <lib/perf_reader.h>
#include "../ring_buffer.h"

#define TRB_MAX_PAGES 64

struct test_rb {
	struct perf_buffer rb;
	struct perf_event_mmap_page *up;
	u8 *data;
	u8 *map;
	size_t map_len;
	u8 *twice;                 /* trb_init_twice: the data mapped twice */
	size_t twice_len;
	void *pages[TRB_MAX_PAGES];
	unsigned int nr_pages;
	unsigned long wakeups;     /* wakeup callback calls */
};

static void trb_wakeup(struct perf_buffer *rb, void *arg)
{
	(void)rb;
	__atomic_fetch_add(&((struct test_rb *)arg)->wakeups, 1, __ATOMIC_RELAXED);
}

/* twice: the data pages are also mapped twice in a row (as the kernel
 * maps a perf buffer for the sample path: perf_buffer.data_twice), between
 * guard pages. Both views share the same memory (a memfd), so what is
 * written through one is read through the other. */
static inline int trb_init_any(struct test_rb *t, unsigned int nr_pages, bool overwrite,
			       bool backward, unsigned long watermark, bool twice)
{
	size_t len = (size_t)nr_pages * PERF_RB_PAGE_SIZE;
	memset(t, 0, sizeof(*t));
	t->nr_pages = nr_pages;
	t->map_len = (size_t)(nr_pages + 3) * PERF_RB_PAGE_SIZE;
	t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->map == MAP_FAILED)
		return -ENOMEM;
	mprotect(t->map, PERF_RB_PAGE_SIZE, PROT_NONE);
	mprotect(t->map + t->map_len - PERF_RB_PAGE_SIZE, PERF_RB_PAGE_SIZE, PROT_NONE);
	t->up = (struct perf_event_mmap_page *)(t->map + PERF_RB_PAGE_SIZE);
	t->data = t->map + 2 * PERF_RB_PAGE_SIZE;
	if (twice && nr_pages) {
		int fd = (int)syscall(SYS_memfd_create, "trb", 0);  /* no _GNU_SOURCE here */
		if (fd < 0 || ftruncate(fd, (off_t)len))
			return -ENOMEM;
		t->twice_len = 2 * len + 2 * PERF_RB_PAGE_SIZE;
		t->twice = mmap(NULL, t->twice_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t->twice == MAP_FAILED ||
		    mmap(t->data, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
			return -ENOMEM;
		for (int i = 0; i < 2; i++)
			if (mmap(t->twice + PERF_RB_PAGE_SIZE + i * len, len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
				return -ENOMEM;
		close(fd);
	}
	for (unsigned int i = 0; i < nr_pages; i++)
		t->pages[i] = t->data + (size_t)i * PERF_RB_PAGE_SIZE;
	struct perf_buffer_config cfg = {
		.user_page = t->up,
		.data_pages = t->pages,
		.data_twice = t->twice ? t->twice + PERF_RB_PAGE_SIZE : NULL,
		.nr_pages = nr_pages,
		.overwrite = overwrite,
		.backward = backward,
		.watermark = watermark,
		.wakeup = trb_wakeup,
		.wakeup_arg = t,
	};
	return perf_buffer_init(&t->rb, &cfg);
}

static inline int trb_init(struct test_rb *t, unsigned int nr_pages, bool overwrite,
			   bool backward, unsigned long watermark)
{
	return trb_init_any(t, nr_pages, overwrite, backward, watermark, false);
}

static inline void trb_free(struct test_rb *t)
{
	munmap(t->map, t->map_len);
	if (t->twice)
		munmap(t->twice, t->twice_len);
}

static inline unsigned long trb_size(const struct test_rb *t)
{
	return (unsigned long)t->nr_pages * PERF_RB_PAGE_SIZE;
}

/* A record of `size` bytes: header, then u64 words seq, seq+1, ... */
static inline void trb_make(void *buf, u32 type, u16 size, u64 seq)
{
	struct perf_event_header *h = buf;
	u64 *w = (u64 *)(h + 1);

	h->type = type;
	h->misc = 0;
	h->size = size;
	for (unsigned int i = 0; i < (size - sizeof(*h)) / 8; i++)
		w[i] = seq + i;
}

static inline bool trb_check(const struct perf_event_header *h, u32 type, u16 size, u64 seq)
{
	const u64 *w = (const u64 *)(h + 1);

	if (h->type != type || h->size != size)
		return false;
	for (unsigned int i = 0; i < (size - sizeof(*h)) / 8; i++)
		if (w[i] != seq + i)
			return false;
	return true;
}

static inline int trb_put(struct test_rb *t, const struct perf_output_ctx *ctx, u16 size, u64 seq)
{
	u64 buf[8192];

	trb_make(buf, PERF_RECORD_SAMPLE, size, seq);
	return perf_output(&t->rb, ctx, buf, size);
}
