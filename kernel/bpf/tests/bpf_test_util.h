/* Shared by the BPF ring buffer host tests: a ring laid out as the kernel
 * lays it out, with the data pages really mapped twice (a memfd mapped at
 * two addresses), between PROT_NONE guard pages so that any access outside
 * the area faults. A second, "user" mapping of the same memfd gives what
 * user space sees: for a kernel ring only the consumer page is writable,
 * for a user ring everything but it (the permissions of
 * bpf_ringbuf_mmap_check), so a test that writes where user space cannot
 * crashes instead of passing. */
#pragma once
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../ringbuf.h"

#define TBR_PAGE BPF_RINGBUF_PAGE_SIZE

struct tbr_view {
	u8 *map;                  /* guard page, pages, guard page */
	size_t map_len;
	unsigned long *cons;      /* user page 0 */
	struct bpf_ringbuf_prod *prod;   /* user page 1 */
	u8 *data;                 /* user page 2: data, then data again */
};

struct test_bpf_rb {
	struct bpf_ringbuf *rb;
	u32 size, type;
	int memfd;
	u8 *kmap;                 /* guard, area, guard */
	size_t kmap_len;
	unsigned long *bitmap;
	struct tbr_view user;     /* what user space maps */
	unsigned long wakeups;
	int efd;                  /* if > 0, an eventfd each wakeup signals */
};

static void tbr_wakeup(struct bpf_ringbuf *rb, void *arg)
{
	struct test_bpf_rb *t = arg;
	u64 one = 1;

	(void)rb;
	__atomic_fetch_add(&t->wakeups, 1, __ATOMIC_RELAXED);
	if (t->efd > 0 && write(t->efd, &one, sizeof(one)) < 0)
		abort();
}

static inline unsigned long tbr_wakeups(struct test_bpf_rb *t)
{
	return __atomic_load_n(&t->wakeups, __ATOMIC_RELAXED);
}

/* Map file pages [off, off + len) at addr, replacing what is there. */
static inline int tbr_map_at(void *addr, size_t len, int prot, int fd, off_t off)
{
	void *p = mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, fd, off);
	return p == addr ? 0 : -errno;
}

/* The user mapping: consumer page, producer page, data, data. */
static inline int tbr_map_user(struct test_bpf_rb *t, struct tbr_view *v)
{
	bool kern = t->type == BPF_MAP_TYPE_RINGBUF;
	int rw = PROT_READ | PROT_WRITE;

	v->map_len = (4 * TBR_PAGE) + 2 * (size_t)t->size;
	v->map = mmap(NULL, v->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->map == MAP_FAILED)
		return -errno;
	u8 *base = v->map + TBR_PAGE;
	if (tbr_map_at(base, TBR_PAGE, kern ? rw : PROT_READ, t->memfd, 0) ||
	    tbr_map_at(base + TBR_PAGE, TBR_PAGE + t->size, kern ? PROT_READ : rw, t->memfd, TBR_PAGE) ||
	    tbr_map_at(base + 2 * TBR_PAGE + t->size, t->size, kern ? PROT_READ : rw, t->memfd,
		       2 * TBR_PAGE))
		return -ENOMEM;
	v->cons = (unsigned long *)base;
	v->prod = (struct bpf_ringbuf_prod *)(base + TBR_PAGE);
	v->data = base + 2 * TBR_PAGE;
	return 0;
}

static inline int tbr_init(struct test_bpf_rb *t, u32 size, u32 type, u32 flags)
{
	memset(t, 0, sizeof(*t));
	t->size = size;
	t->type = type;
	t->memfd = memfd_create("bpf_rb", MFD_CLOEXEC);
	if (t->memfd < 0 || ftruncate(t->memfd, 2 * TBR_PAGE + size))
		return -errno;
	/* Kernel view: guard, page 0 (private), cons, prod, data, data, guard. */
	t->kmap_len = bpf_ringbuf_area_size(size) + 2 * TBR_PAGE;
	t->kmap = mmap(NULL, t->kmap_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->kmap == MAP_FAILED)
		return -errno;
	u8 *area = t->kmap + TBR_PAGE;
	int rw = PROT_READ | PROT_WRITE;
	if (mmap(area, TBR_PAGE, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != area ||
	    tbr_map_at(area + TBR_PAGE, 2 * TBR_PAGE + size, rw, t->memfd, 0) ||
	    tbr_map_at(area + 3 * TBR_PAGE + size, size, rw, t->memfd, 2 * TBR_PAGE))
		return -ENOMEM;
	if (type == BPF_MAP_TYPE_RINGBUF) {
		t->bitmap = calloc(1, bpf_ringbuf_bitmap_size(size));
		if (!t->bitmap)
			return -ENOMEM;
	}
	t->rb = bpf_ringbuf_init(area, size, type, flags, t->bitmap, tbr_wakeup, t);
	if (!t->rb)
		return -EINVAL;
	return tbr_map_user(t, &t->user);
}

static inline void tbr_free(struct test_bpf_rb *t)
{
	if (t->user.map && t->user.map != MAP_FAILED)
		munmap(t->user.map, t->user.map_len);
	if (t->kmap && t->kmap != MAP_FAILED)
		munmap(t->kmap, t->kmap_len);
	if (t->memfd > 0)
		close(t->memfd);
	free(t->bitmap);
	memset(t, 0, sizeof(*t));
}

static inline unsigned long tbr_dropped(struct test_bpf_rb *t)
{
	return bpf_ringbuf_query(t->rb, RT_BPF_RB_DROPPED);
}

/* Header at position pos, as user space sees it. */
static inline u32 *tbr_hdr(struct test_bpf_rb *t, unsigned long pos)
{
	return (u32 *)(t->user.data + (pos & (t->size - 1)));
}

/* A minimal libbpf-style consumer over the user view, for core tests that
 * do not want the library: calls cb for each committed, undiscarded
 * record from consumer_pos on, stopping at BUSY; returns records seen. */
static inline long tbr_consume(struct test_bpf_rb *t, void (*cb)(void *data, u32 len, void *ctx),
			       void *ctx)
{
	unsigned long cons = __atomic_load_n(t->user.cons, __ATOMIC_ACQUIRE);
	unsigned long prod = __atomic_load_n(&t->user.prod->producer_pos, __ATOMIC_ACQUIRE);
	long n = 0;

	while (cons < prod) {
		u32 len = __atomic_load_n(tbr_hdr(t, cons), __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			if (cb)
				cb(t->user.data + (cons & (t->size - 1)) + 8, len, ctx);
			n++;
		}
		cons += ALIGN_UP((len & ~BPF_RINGBUF_DISCARD_BIT) + 8, 8);
		__atomic_store_n(t->user.cons, cons, __ATOMIC_RELEASE);
	}
	return n;
}
