/* The BPF ring buffer core: Linux's BPF_MAP_TYPE_RINGBUF (kernel producers,
 * one user consumer) and BPF_MAP_TYPE_USER_RINGBUF (one user producer, a
 * kernel consumer), on caller-provided memory, knowing nothing of files,
 * fds or mm. The same file builds in the kernel and natively on the host.
 *
 * Memory: one virtually contiguous area of bpf_ringbuf_area_size(size):
 *
 *	page 0       struct bpf_ringbuf (kernel-private, never mapped to user)
 *	page 1       consumer page: unsigned long consumer_pos
 *	page 2       producer page: struct bpf_ringbuf_prod
 *	page 3...    the size bytes of data pages
 *	then         the same data pages again (a second mapping, not a copy)
 *
 * so that a record that runs off the end continues contiguously, and a
 * record header's pg_off (pages from page 0 to the header, 3 + data page,
 * as Linux on x86_64) leads back to page 0 from the sample alone. User
 * space maps pages 1.. of the area: mmap offset 0 is the consumer page.
 * Permissions (bpf_ringbuf_mmap_check): kernel rings give user space only
 * the consumer page writable; user rings give everything but it.
 *
 * Kernel producer, from any context on any CPU, NMI included (no locks,
 * no waiting on another CPU or on an interrupted context):
 *
 *	struct rec *r = bpf_ringbuf_reserve(rb, sizeof(*r), 0);
 *	if (r) {                       // else counted in the drop counter
 *		fill(r);
 *		bpf_ringbuf_submit(r, 0);  // or bpf_ringbuf_discard(r, 0)
 *	}
 *
 * Wakeups are never done here: the core calls wakeup_fn, which must only
 * defer (the kernel queues an irq_work that wakes poll/epoll waiters).
 * The algorithm and its barriers are described at the top of ringbuf.c.
 *
 * Callers: the BPF helpers (kernel/bpf/helpers.c) for bytecode, and the
 * built-in handlers, a fast path kept beside bytecode: bpf(BPF_PROG_LOAD)
 * with no instructions, prog_type BPF_PROG_TYPE_TRACEPOINT and prog_name
 * = a handler's name selects one; attr.fd_array lists the maps it uses, in the order the
 * handler documents; PERF_EVENT_IOC_SET_BPF attaches it to a tracepoint.
 * The handler is called with the struct bpf_ringbuf pointers of those maps
 * and calls the functions below.
 */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>
#include <linux/bpf.h>

#define BPF_RINGBUF_PAGE_SIZE 4096UL
#define BPF_RINGBUF_MIN_SIZE BPF_RINGBUF_PAGE_SIZE
#define BPF_RINGBUF_MAX_SIZE (1UL << 31)          /* largest power of two in max_entries */
#define BPF_RINGBUF_MAX_RECORD_SZ (0xffffffffU / 4) /* the top two bits of len are flags */
#define BPF_RINGBUF_MAX_DRAIN 131072               /* samples per user ring drain */
#define BPF_RINGBUF_DYNPTR_MAX 0xffffffU           /* Linux's largest sample for a drain */

/* Linux's EPOLLIN|EPOLLRDNORM and EPOLLOUT|EPOLLWRNORM. */
#define BPF_RINGBUF_POLLIN  0x041u
#define BPF_RINGBUF_POLLOUT 0x104u

/* The producer page (page 2). Offsets 0-23 are Linux 6.19's; Linux leaves
 * the rest zero. A kernel ring maps it read-only to user space, so the
 * kernel may trust it; a user ring maps it writable, and the kernel reads
 * only producer_pos there, as hostile input. */
struct bpf_ringbuf_prod {
	unsigned long producer_pos;   /* published: headers below it are written */
	unsigned long overwrite_pos;  /* BPF_F_RB_OVERWRITE: oldest record kept */
	unsigned long pending_pos;    /* at or below the oldest BUSY record */
	unsigned long __pad[13];
	unsigned long dropped;        /* RT_BPF_RB_DROPPED_OFF: refused records */
};

struct bpf_ringbuf;

/* Called when a consumer (kernel ring) or producer (user ring) is owed a
 * wakeup; may run in NMI context, so it must only defer the work. */
typedef void (*bpf_ringbuf_wakeup_fn)(struct bpf_ringbuf *rb, void *arg);

/* Page 0 of the area. */
struct bpf_ringbuf {
	unsigned long mask;           /* data size - 1 */
	u32 map_type;                 /* BPF_MAP_TYPE_RINGBUF or _USER_RINGBUF */
	bool overwrite;               /* BPF_F_RB_OVERWRITE */
	unsigned long *ready;         /* one bit per 8 data bytes: see ringbuf.c */
	bpf_ringbuf_wakeup_fn wakeup_fn;
	void *wakeup_arg;
	/* Reservation point, ahead of producer_pos while headers are being
	 * written; every producer writes it, so it has a line of its own. */
	unsigned long rsv __aligned(64);
	/* User ring: a drain is running (EBUSY for another). */
	int busy __aligned(64);
};

/* Steps at which bpf_rb_test_hook() runs (host tests only). */
enum bpf_rb_step {
	BPF_RB_STEP_RESERVED,      /* rsv moved, header not yet written */
	BPF_RB_STEP_HEADER,        /* header written, not yet published */
	BPF_RB_STEP_BIT_SET,       /* ready bit set, producer_pos not re-checked */
	BPF_RB_STEP_PUBLISHED,     /* producer_pos stored, successor not looked for */
	BPF_RB_STEP_NR
};

/* Bytes of virtual area and of private ready bitmap for a ring of size. */
static inline unsigned long bpf_ringbuf_area_size(u32 size)
{
	return 3 * BPF_RINGBUF_PAGE_SIZE + 2 * (unsigned long)size;
}
static inline unsigned long bpf_ringbuf_bitmap_size(u32 size)
{
	return MAX(size / 64, (u32)sizeof(unsigned long));
}

/* BPF_MAP_CREATE checks of a ring buffer map, Linux's errno for each
 * (map_type, map_flags, key/value size, max_entries, numa_node,
 * map_extra, btf_vmlinux_value_type_id). The syscall layer still checks
 * the attr size and tail, the map name and fds. */
int bpf_ringbuf_check_attr(const union bpf_attr *attr);

/* Lay out a ring in area (bpf_ringbuf_area_size(size) bytes, data pages
 * mapped twice). Pages 0-2 are zeroed here; data need not be. bitmap:
 * bpf_ringbuf_bitmap_size(size) zeroed bytes for a kernel ring, NULL for
 * a user ring. Returns the ring (== area), or NULL on bad arguments. */
struct bpf_ringbuf *bpf_ringbuf_init(void *area, u32 size, u32 map_type, u32 map_flags,
				     unsigned long *bitmap, bpf_ringbuf_wakeup_fn fn, void *arg);

static inline unsigned long *bpf_ringbuf_consumer(const struct bpf_ringbuf *rb)
{
	return (unsigned long *)((u8 *)rb + BPF_RINGBUF_PAGE_SIZE);
}
static inline struct bpf_ringbuf_prod *bpf_ringbuf_producer(const struct bpf_ringbuf *rb)
{
	return (struct bpf_ringbuf_prod *)((u8 *)rb + 2 * BPF_RINGBUF_PAGE_SIZE);
}
static inline u8 *bpf_ringbuf_data(const struct bpf_ringbuf *rb)
{
	return (u8 *)rb + 3 * BPF_RINGBUF_PAGE_SIZE;
}

/* --- kernel rings (BPF_MAP_TYPE_RINGBUF) ----------------------------- */

/* A record of size bytes, BUSY until submitted or discarded. NULL (and
 * one more drop) if it does not fit; NULL without counting if flags != 0
 * (Linux accepts no reserve flags). */
void *bpf_ringbuf_reserve(struct bpf_ringbuf *rb, u64 size, u64 flags);
/* flags: 0 (wake the consumer if it is waiting at this record),
 * BPF_RB_NO_WAKEUP or BPF_RB_FORCE_WAKEUP. */
void bpf_ringbuf_submit(void *sample, u64 flags);
void bpf_ringbuf_discard(void *sample, u64 flags);
/* reserve + copy + submit: 0, -EINVAL (flags), -EAGAIN (no room, counted). */
long bpf_ringbuf_output(struct bpf_ringbuf *rb, const void *data, u64 size, u64 flags);
/* BPF_RB_AVAIL_DATA, _RING_SIZE, _CONS_POS, _PROD_POS, _OVERWRITE_POS,
 * RT_BPF_RB_DROPPED; 0 for anything else (as Linux). Snapshots. */
u64 bpf_ringbuf_query(struct bpf_ringbuf *rb, u64 flags);

/* --- user rings (BPF_MAP_TYPE_USER_RINGBUF) -------------------------- */

/* One sample: size bytes at data, in memory user space can still write,
 * so copy what you use and never read a length twice. Return nonzero to
 * stop the drain after this sample (it is consumed either way). */
typedef int (*bpf_user_ringbuf_cb)(const void *data, u32 size, void *ctx);

/* Consume up to BPF_RINGBUF_MAX_DRAIN committed samples, skipping
 * discarded ones. Returns the samples passed to cb, or -EINVAL (flags, a
 * misaligned producer_pos, a header claiming more than was produced),
 * -E2BIG (a sample larger than the ring) or -EBUSY (another drain is
 * running); on an error nothing more is consumed. Wakes the producer
 * (wakeup_fn) when space was freed, unless BPF_RB_NO_WAKEUP; always with
 * BPF_RB_FORCE_WAKEUP. */
long bpf_user_ringbuf_drain(struct bpf_ringbuf *rb, bpf_user_ringbuf_cb cb, void *ctx, u64 flags);

/* --- file operations the kernel wires to the map fd ------------------ */

/* mmap of npages pages at page offset pgoff (0 = consumer page): 0, or
 * -EINVAL (MAP_PRIVATE, empty or past the end), -EPERM (a writable
 * mapping of anything but the consumer page of a kernel ring, or of the
 * consumer page of a user ring). The kernel must also refuse later
 * mprotect to PROT_WRITE of a read-only mapping and any PROT_EXEC, and
 * must not let mremap grow the mapping (Linux: no VM_MAYWRITE, no
 * VM_MAYEXEC, VM_DONTEXPAND). */
int bpf_ringbuf_mmap_check(const struct bpf_ringbuf *rb, unsigned long pgoff,
			   unsigned long npages, bool writable, bool shared);
/* The kernel address backing user page pgoff of the mapping. */
static inline void *bpf_ringbuf_mmap_page(const struct bpf_ringbuf *rb, unsigned long pgoff)
{
	return (u8 *)rb + (pgoff + 1) * BPF_RINGBUF_PAGE_SIZE;
}
/* poll/epoll mask now: kernel ring POLLIN when data is available, user
 * ring POLLOUT while it is not full (Linux's level-triggered rules). */
unsigned int bpf_ringbuf_poll(struct bpf_ringbuf *rb);
