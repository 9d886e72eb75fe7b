/* Mapping a ring buffer map fd, as Linux's selftests do (ringbuf.c and
 * user_ringbuf.c): which parts may be writable, what mprotect and mremap
 * may do later, the data mapped twice back to back, partial munmap, a
 * mapping that outlives its fd, and poll. Runs on Linux too (the
 * reference); there the records come from a socket filter run with
 * BPF_PROG_TEST_RUN instead of rt_unlink_log (see bpf_test.h). */
#include <sys/epoll.h>
#include "bpf_test.h"

/* mprotect(PROT_EXEC) of a map fd mapping is EACCES (map fds live on a
 * noexec mount, so mmap clears VM_MAYEXEC); mremap that does not grow a
 * mapping succeeds (VM_DONTEXPAND only forbids growing). */
#define MPROTECT_EXEC_ERRNO EACCES
#define MREMAP_SHRINK_ERRNO 0

#define DATA_PAGES 4
#define SIZE (DATA_PAGES * PG)
#define ALL_PAGES (2 + 2 * DATA_PAGES)   /* consumer, producer, data twice */

static void *map_at(int fd, unsigned long off_pages, unsigned long pages, int prot, int flags)
{
	return mmap(NULL, pages * PG, prot, flags, fd, (off_t)(off_pages * PG));
}

/* mmap's errno, or 0 (and the mapping undone) if it succeeded. */
static int map_err(int fd, unsigned long off_pages, unsigned long pages, int prot, int flags)
{
	void *p = map_at(fd, off_pages, pages, prot, flags);
	if (p != MAP_FAILED) {
		munmap(p, pages * PG);
		return 0;
	}
	return errno;
}

static int fault_read(const volatile void *p)
{
	return FAULT_TRY((void)peek8((const void *)p));
}

static int fault_write(volatile void *p)
{
	return FAULT_TRY(poke8((void *)p, peek8((void *)p)));
}

/* --- kernel-producer rings -------------------------------------------------- */

/* Linux's ringbuf selftest: the consumer page is the user's, writable, but
 * cannot grow or become executable. */
static void t_kern_consumer_page(void)
{
	int fd = ringbuf_new(SIZE);
	if (!EXPECT_GE(fd, 0))
		return;
	unsigned long *cons = map_at(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!EXPECT_TRUE(cons != MAP_FAILED))
		return;
	EXPECT_EQ(*cons, 0);
	EXPECT_EQ(fault_write(cons), 0);
	*cons = 0;
	/* mremap cannot grow it (VM_DONTEXPAND). */
	void *r = mremap(cons, PG, 2 * PG, 0);
	EXPECT_TRUE(r == MAP_FAILED);
	EXPECT_EQ(errno, EFAULT);
	r = mremap(cons, PG, 2 * PG, MREMAP_MAYMOVE);
	EXPECT_TRUE(r == MAP_FAILED);
	EXPECT_EQ(errno, EFAULT);
	/* Never executable. */
	EXPECT_EQ(mprotect(cons, PG, PROT_EXEC), -1);
	EXPECT_EQ(errno, MPROTECT_EXEC_ERRNO);
	EXPECT_EQ(mprotect(cons, PG, PROT_READ | PROT_EXEC), -1);
	EXPECT_EQ(errno, MPROTECT_EXEC_ERRNO);
	EXPECT_EQ(map_err(fd, 0, 1, PROT_READ | PROT_EXEC, MAP_SHARED), EPERM);
	EXPECT_EQ(map_err(fd, 0, 1, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED), EPERM);
	/* The mapping is unchanged by the failures: still RW. */
	EXPECT_EQ(fault_write(cons), 0);
	/* Dropping to read-only and back: VM_MAYWRITE stays. */
	EXPECT_EQ(mprotect(cons, PG, PROT_READ), 0);
	EXPECT_EQ(fault_write(cons), SIGSEGV);
	EXPECT_EQ(mprotect(cons, PG, PROT_READ | PROT_WRITE), 0);
	EXPECT_EQ(fault_write(cons), 0);
	munmap(cons, PG);
	close(fd);
}

static void t_kern_ro_parts(void)
{
	int fd = ringbuf_new(SIZE);
	if (!EXPECT_GE(fd, 0))
		return;
	/* Writable: only exactly the consumer page. */
	EXPECT_EQ(map_err(fd, 1, 1, PROT_READ | PROT_WRITE, MAP_SHARED), EPERM);   /* producer */
	EXPECT_EQ(map_err(fd, 2, 1, PROT_READ | PROT_WRITE, MAP_SHARED), EPERM);   /* data */
	EXPECT_EQ(map_err(fd, 2, DATA_PAGES, PROT_WRITE, MAP_SHARED), EPERM);
	EXPECT_EQ(map_err(fd, 0, 2, PROT_READ | PROT_WRITE, MAP_SHARED), EPERM);   /* cons + prod */
	EXPECT_EQ(map_err(fd, 1, 1 + 2 * DATA_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED), EPERM);
	/* Read-only: anything in range. */
	EXPECT_EQ(map_err(fd, 1, 1, PROT_READ, MAP_SHARED), 0);
	EXPECT_EQ(map_err(fd, 2, 2 * DATA_PAGES, PROT_READ, MAP_SHARED), 0);
	EXPECT_EQ(map_err(fd, 0, ALL_PAGES, PROT_READ, MAP_SHARED), 0);
	EXPECT_EQ(map_err(fd, ALL_PAGES - 1, 1, PROT_READ, MAP_SHARED), 0);
	EXPECT_EQ(map_err(fd, 1, 1, PROT_READ, MAP_SHARED_VALIDATE), 0);
	unsigned char *p = map_at(fd, 1, 1 + 2 * DATA_PAGES, PROT_READ, MAP_SHARED);
	if (!EXPECT_TRUE(p != MAP_FAILED))
		return;
	EXPECT_EQ(*(unsigned long *)p, 0);                 /* producer_pos */
	EXPECT_EQ(fault_read(p + PG + 2 * SIZE - 1), 0);
	EXPECT_EQ(fault_write(p), SIGSEGV);
	EXPECT_EQ(fault_write(p + PG), SIGSEGV);
	/* ... and cannot be made writable (no VM_MAYWRITE). */
	EXPECT_EQ(mprotect(p, PG, PROT_READ | PROT_WRITE), -1);
	EXPECT_EQ(errno, EACCES);
	EXPECT_EQ(mprotect(p + PG, SIZE, PROT_WRITE), -1);
	EXPECT_EQ(errno, EACCES);
	EXPECT_EQ(mprotect(p, PG, PROT_EXEC), -1);
	EXPECT_EQ(errno, MPROTECT_EXEC_ERRNO);
	EXPECT_EQ(fault_write(p), SIGSEGV);
	/* Nor grow; shrinking is allowed (Linux). */
	void *r = mremap(p, PG + 2 * SIZE, PG + 3 * SIZE, MREMAP_MAYMOVE);
	EXPECT_TRUE(r == MAP_FAILED);
	EXPECT_EQ(errno, EFAULT);
	errno = 0;
	r = mremap(p, PG + 2 * SIZE, PG + SIZE, 0);
	EXPECT_EQ(r == MAP_FAILED ? errno : 0, MREMAP_SHRINK_ERRNO);
	if (r != MAP_FAILED) {
		EXPECT_PTR_EQ(r, p);
		EXPECT_EQ(fault_read(p + PG + SIZE - 1), 0);
		EXPECT_EQ(fault_read(p + PG + SIZE), SIGSEGV);
	}
	munmap(p, PG + 2 * SIZE);
	close(fd);
}

static void t_kern_bad_maps(void)
{
	int fd = ringbuf_new(SIZE);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(map_err(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE), EINVAL);
	EXPECT_EQ(map_err(fd, 0, 1, PROT_READ, MAP_PRIVATE), EINVAL);
	EXPECT_EQ(map_err(fd, 1, 1, PROT_READ, MAP_PRIVATE), EINVAL);
	EXPECT_EQ(map_err(fd, 0, ALL_PAGES + 1, PROT_READ, MAP_SHARED), EINVAL);   /* too long */
	EXPECT_EQ(map_err(fd, 1, ALL_PAGES, PROT_READ, MAP_SHARED), EINVAL);
	EXPECT_EQ(map_err(fd, ALL_PAGES, 1, PROT_READ, MAP_SHARED), EINVAL);       /* past the end */
	EXPECT_EQ(map_err(fd, 1000, 1, PROT_READ, MAP_SHARED), EINVAL);
	close(fd);
	/* Perf event arrays cannot be mapped at all. */
	int arr = perf_array_map(4);
	if (EXPECT_GE(arr, 0)) {
		/* Linux: bpf_map_mmap without map_mmap is ENOTSUPP (524). */
		EXPECT_EQ(map_err(arr, 0, 1, PROT_READ, MAP_SHARED), ENOTSUPP_);
		close(arr);
	}
}

/* Lengths are rounded up to pages; offsets must be page-aligned; a
 * PROT_NONE mapping can later be made readable, never writable. */
static void t_kern_lengths(void)
{
	int fd = ringbuf_new(SIZE);
	if (!EXPECT_GE(fd, 0))
		return;
	unsigned char *c = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (EXPECT_TRUE(c != MAP_FAILED)) {
		EXPECT_EQ(fault_write(c + PG - 1), 0);
		munmap(c, 100);
	}
	unsigned char *p = mmap(NULL, PG + 1, PROT_READ, MAP_SHARED, fd, (off_t)PG);
	if (EXPECT_TRUE(p != MAP_FAILED)) {
		EXPECT_EQ(fault_read(p + 2 * PG - 1), 0);      /* the first data page */
		munmap(p, PG + 1);
	}
	EXPECT_TRUE(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100) == MAP_FAILED);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_TRUE(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	EXPECT_EQ(errno, EINVAL);
	/* Write-only asks for write: the consumer page allows it. */
	c = mmap(NULL, PG, PROT_WRITE, MAP_SHARED, fd, 0);
	if (EXPECT_TRUE(c != MAP_FAILED))
		munmap(c, PG);
	p = mmap(NULL, PG, PROT_NONE, MAP_SHARED, fd, (off_t)PG);
	if (EXPECT_TRUE(p != MAP_FAILED)) {
		EXPECT_EQ(fault_read(p), SIGSEGV);
		EXPECT_EQ(mprotect(p, PG, PROT_READ), 0);
		EXPECT_EQ(fault_read(p), 0);
		EXPECT_EQ(mprotect(p, PG, PROT_READ | PROT_WRITE), -1);
		EXPECT_EQ(errno, EACCES);
		munmap(p, PG);
	}
	close(fd);
}

/* Consume everything published, through the consumer page. */
static void consume_all(unsigned long *cons, const unsigned long *prod)
{
	__atomic_store_n(cons, __atomic_load_n(prod, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

/* The data pages appear twice back to back: the same bytes at data+i and
 * data+SIZE+i, so a record that wraps reads contiguously. */
static void t_kern_data_twice(void)
{
	int fd = ringbuf_new(SIZE);
	struct producer pr;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(producer_init(&pr, fd), 0))
		return;
	unsigned long *cons = map_at(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	unsigned char *p = map_at(fd, 1, 1 + 2 * DATA_PAGES, PROT_READ, MAP_SHARED);
	if (!EXPECT_TRUE(cons != MAP_FAILED) || !EXPECT_TRUE(p != MAP_FAILED))
		return;
	const unsigned long *prod = (const unsigned long *)p;
	const unsigned char *data = p + PG;
	/* Go round the ring about 1.5 times, consuming as we go. */
	int per = (int)(SIZE / 2 / pr.rec), wrapped = 0;
	for (int round = 0; round < 3; round++) {
		EXPECT_EQ(produce(&pr, per), 0);
		EXPECT_EQ(*prod - *cons, (unsigned long)per * pr.rec);
		consume_all(cons, prod);
	}
	unsigned long end = *prod;
	EXPECT_EQ(end, 3ul * per * pr.rec);
	EXPECT_EQ(memcmp(data, data + SIZE, SIZE), 0);
	/* The records the ring still holds (the last SIZE bytes): find the one
	 * that straddles the end, if any, and read it whole through the
	 * second copy. */
	for (unsigned long pos = end - SIZE / pr.rec * pr.rec; pos < end; pos += pr.rec) {
		unsigned long off = pos & (SIZE - 1);
		const __u32 *hdr = (const __u32 *)(data + off);
		if (!EXPECT_EQ(hdr[0], pr.len))
			break;
		if (off + pr.rec > SIZE) {
			wrapped++;
			if (on_ringtail()) {
				const struct rt_unlink_event *e = (const void *)(hdr + 2);
				EXPECT_EQ(e->pid, getpid());
				EXPECT_EQ(strncmp(e->filename, "/tmp/rt-produce-", 16), 0);
			} else {
				EXPECT_EQ(*(const __u64 *)(hdr + 2), 0x5a5a5a5a);
			}
		}
	}
	if (on_ringtail())
		EXPECT_EQ(wrapped, 1);   /* 288-byte records do not divide the ring */
	/* A byte written by the kernel is visible in both copies. */
	int nonzero = 0;
	for (unsigned long i = 0; i < SIZE; i++)
		nonzero += data[i] != 0;
	EXPECT_GT(nonzero, 0);
	munmap(cons, PG);
	munmap(p, PG + 2 * SIZE);
	producer_fini(&pr);
	close(fd);
}

/* Partial munmap (the second data copy, then the producer page, then a
 * hole in the middle) leaves the rest working, and the ring usable. */
static int seen;
static int count_cb(void *ctx, void *data, size_t size)
{
	seen++;
	return 0;
}

static void t_kern_partial_munmap(void)
{
	int fd = ringbuf_new(SIZE);
	struct producer pr;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(producer_init(&pr, fd), 0))
		return;
	unsigned char *p = map_at(fd, 1, 1 + 2 * DATA_PAGES, PROT_READ, MAP_SHARED);
	if (!EXPECT_TRUE(p != MAP_FAILED))
		return;
	EXPECT_EQ(munmap(p + PG + SIZE, SIZE), 0);              /* second copy */
	EXPECT_EQ(fault_read(p + PG + SIZE), SIGSEGV);
	EXPECT_EQ(munmap(p + PG + PG, PG), 0);                   /* a hole: data page 1 */
	EXPECT_EQ(fault_read(p + PG + PG), SIGSEGV);
	EXPECT_EQ(produce(&pr, 3), 0);
	EXPECT_EQ(*(unsigned long *)p, 3ul * pr.rec);            /* producer page still live */
	EXPECT_EQ(*(const __u32 *)(p + PG), pr.len);
	EXPECT_EQ(munmap(p, PG), 0);                             /* producer page */
	EXPECT_EQ(fault_read(p + PG), 0);                        /* data page 0 still there */
	EXPECT_EQ(fault_read(p + 3 * PG), 0);                    /* data page 2 too */
	/* The ring itself is unaffected: libbpf maps it afresh. */
	seen = 0;
	struct ring_buffer *rb = ring_buffer__new(fd, count_cb, NULL, NULL);
	if (EXPECT_TRUE(rb != NULL)) {
		EXPECT_EQ(ring_buffer__consume(rb), 3);
		EXPECT_EQ(produce(&pr, 5), 0);
		EXPECT_EQ(ring_buffer__consume(rb), 5);
		EXPECT_EQ(seen, 8);
		ring_buffer__free(rb);
	}
	munmap(p + PG, PG);
	munmap(p + 3 * PG, SIZE - 2 * PG);
	producer_fini(&pr);
	close(fd);
}

/* A mapping keeps the map alive after its fd is closed. */
static void t_close_fd_keeps_mapping(void)
{
	int fd = ringbuf_new(SIZE);
	struct producer pr;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(producer_init(&pr, fd), 0))
		return;
	unsigned long *cons = map_at(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	unsigned char *p = map_at(fd, 1, 1 + 2 * DATA_PAGES, PROT_READ, MAP_SHARED);
	if (!EXPECT_TRUE(cons != MAP_FAILED) || !EXPECT_TRUE(p != MAP_FAILED))
		return;
	EXPECT_EQ(produce(&pr, 2), 0);
	close(fd);                      /* the program and the mappings hold it */
	EXPECT_EQ(produce(&pr, 2), 0);
	EXPECT_EQ(*(unsigned long *)p, 4ul * pr.rec);
	consume_all(cons, (unsigned long *)p);
	EXPECT_EQ(*cons, 4ul * pr.rec);
	producer_fini(&pr);             /* now only the mappings */
	EXPECT_EQ(fault_read(p + PG + 2 * SIZE - 1), 0);
	EXPECT_EQ(fault_write(cons), 0);
	EXPECT_EQ(*(unsigned long *)p, 4ul * pr.rec);
	munmap(p, PG + 2 * SIZE);
	EXPECT_EQ(*cons, 4ul * pr.rec);
	munmap(cons, PG);
	/* A mapping made from a map with no fd left, through a user ring. */
	int u = user_ringbuf_new(PG);
	if (!EXPECT_GE(u, 0))
		return;
	unsigned char *up = map_at(u, 1, 3, PROT_READ | PROT_WRITE, MAP_SHARED);
	close(u);
	if (EXPECT_TRUE(up != MAP_FAILED)) {
		poke8(up + PG + 5, 0x42);
		EXPECT_EQ(peek8(up + PG + PG + 5), 0x42);
		munmap(up, 3 * PG);
	}
}

/* --- user-producer rings ---------------------------------------------------- */

static void t_user_ring_maps(void)
{
	int fd = user_ringbuf_new(SIZE);
	if (!EXPECT_GE(fd, 0))
		return;
	/* consumer_pos is the kernel's: read-only. */
	EXPECT_EQ(map_err(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED), EPERM);
	EXPECT_EQ(map_err(fd, 0, 2, PROT_READ | PROT_WRITE, MAP_SHARED), EPERM);
	EXPECT_EQ(map_err(fd, 0, 1, PROT_WRITE, MAP_SHARED), EPERM);
	EXPECT_EQ(map_err(fd, 0, 1, PROT_READ | PROT_EXEC, MAP_SHARED), EPERM);
	EXPECT_EQ(map_err(fd, 1, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE), EINVAL);
	EXPECT_EQ(map_err(fd, 1, ALL_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED), EINVAL);
	EXPECT_EQ(map_err(fd, 0, ALL_PAGES, PROT_READ, MAP_SHARED), 0);
	unsigned long *cons = map_at(fd, 0, 1, PROT_READ, MAP_SHARED);
	unsigned char *p = map_at(fd, 1, 1 + 2 * DATA_PAGES, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!EXPECT_TRUE(cons != MAP_FAILED) || !EXPECT_TRUE(p != MAP_FAILED))
		return;
	EXPECT_EQ(*cons, 0);
	EXPECT_EQ(fault_write(cons), SIGSEGV);
	EXPECT_EQ(mprotect(cons, PG, PROT_READ | PROT_WRITE), -1);
	EXPECT_EQ(errno, EACCES);
	EXPECT_EQ(fault_write(cons), SIGSEGV);
	/* Producer page and data: writable, the data twice. */
	EXPECT_EQ(fault_write(p), 0);
	unsigned char *data = p + PG;
	/* peek8/poke8: the compiler must not assume the copies are apart. */
	for (unsigned long i = 0; i < SIZE; i += 509)
		poke8(data + i, (unsigned char)(i * 7 + 1));
	for (unsigned long i = 0; i < SIZE; i += 509)
		if (!EXPECT_EQ(peek8(data + SIZE + i), (unsigned char)(i * 7 + 1)))
			break;
	poke8(data + 2 * SIZE - 1, 0x99);   /* through the second copy */
	EXPECT_EQ(peek8(data + SIZE - 1), 0x99);
	memset(data, 0, SIZE);
	__asm__ volatile("" ::: "memory");
	EXPECT_EQ(peek8(data + 2 * SIZE - 1), 0);
	EXPECT_EQ(mprotect(p, PG, PROT_READ | PROT_EXEC), -1);
	EXPECT_EQ(errno, MPROTECT_EXEC_ERRNO);
	munmap(cons, PG);
	munmap(p, PG + 2 * SIZE);
	close(fd);
}

/* --- poll ------------------------------------------------------------------------ */

#define ALL_EV (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)

/* revents now (poll reports only what was asked for, so ask for the
 * normal-data bits too). */
static int poll_now(int fd, short events)
{
	struct pollfd pf = { .fd = fd, .events = events };
	int n = poll(&pf, 1, 0);
	return n < 0 ? -errno : n ? pf.revents : 0;
}

static void t_poll_kernel_ring(void)
{
	int fd = ringbuf_new(SIZE);
	struct producer pr;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(producer_init(&pr, fd), 0))
		return;
	unsigned long *cons = map_at(fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	unsigned long *prod = map_at(fd, 1, 1, PROT_READ, MAP_SHARED);
	if (!EXPECT_TRUE(cons != MAP_FAILED) || !EXPECT_TRUE(prod != MAP_FAILED))
		return;
	EXPECT_EQ(poll_now(fd, ALL_EV), 0);          /* empty, never writable */
	EXPECT_EQ(produce(&pr, 1), 0);
	EXPECT_EQ(poll_now(fd, ALL_EV), POLLIN | POLLRDNORM);
	EXPECT_EQ(poll_now(fd, POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
	EXPECT_EQ(poll_now(fd, POLLOUT | POLLWRNORM), 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	EXPECT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
	EXPECT_EQ(out.events, EPOLLIN);
	EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);              /* level-triggered */
	consume_all(cons, prod);
	EXPECT_EQ(poll_now(fd, POLLIN | POLLRDNORM), 0);
	EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);
	/* Partly consumed is still readable. */
	EXPECT_EQ(produce(&pr, 2), 0);
	*cons += pr.rec;
	EXPECT_EQ(poll_now(fd, POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
	consume_all(cons, prod);
	EXPECT_EQ(poll_now(fd, POLLIN | POLLRDNORM), 0);
	close(ep);
	munmap(cons, PG);
	munmap(prod, PG);
	producer_fini(&pr);
	close(fd);
}

static int kill_drain_attach(int uring, int *out_ring)
{
	*out_ring = ringbuf_new(16 * PG);
	int maps[2] = { uring, *out_ring };
	return attach_handler(RT_HANDLER_KILL_DRAIN, maps, 2, RT_TP_SYS_EXIT_KILL);
}

static void t_poll_user_ring(void)
{
	int fd = user_ringbuf_new(PG);
	if (!EXPECT_GE(fd, 0))
		return;
	struct user_ring_buffer *ur = user_ring_buffer__new(fd, NULL);
	if (!EXPECT_TRUE(ur != NULL))
		return;
	EXPECT_EQ(poll_now(fd, ALL_EV), POLLOUT | POLLWRNORM);
	int n = 0;
	for (;;) {
		__u64 *s = user_ring_buffer__reserve(ur, 8);
		if (!s)
			break;
		*s = (__u64)++n;
		user_ring_buffer__submit(ur, s);
		if (n < (int)(PG / 16) &&   /* not full yet */
		    !EXPECT_EQ(poll_now(fd, POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM))
			break;
	}
	EXPECT_EQ(errno, ENOSPC);
	EXPECT_EQ(n, PG / 16);
	EXPECT_EQ(poll_now(fd, ALL_EV), 0);           /* full */
	if (on_ringtail()) {
		/* The kernel drains at kill(): writable again. */
		int out = -1, pfd = kill_drain_attach(fd, &out);
		if (EXPECT_GE(pfd, 0)) {
			EXPECT_EQ(kill(getpid(), 0), 0);
			EXPECT_EQ(poll_now(fd, POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM);
			close(pfd);
		}
		close(out);
	}
	user_ring_buffer__free(ur);
	close(fd);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_kern_consumer_page),
	KTAP_CASE(t_kern_ro_parts),
	KTAP_CASE(t_kern_bad_maps),
	KTAP_CASE(t_kern_lengths),
	KTAP_CASE(t_kern_data_twice),
	KTAP_CASE(t_kern_partial_munmap),
	KTAP_CASE(t_close_fd_keeps_mapping),
	KTAP_CASE(t_user_ring_maps),
	KTAP_CASE(t_poll_kernel_ring),
	KTAP_CASE(t_poll_user_ring),
};

int main(void)
{
	fault_catch_install();
	return ktap_run(cases, KTAP_COUNT(cases));
}
