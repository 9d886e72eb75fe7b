/* Private to user/libbpf: the ring structures, so that host tests can run
 * the consumer and producer code over memory laid out by the kernel core
 * (user/libbpf/tests/test_bpf_lib.c) without a bpf(2) underneath. */
#pragma once
#include <stdbool.h>
#include <sys/epoll.h>
#include <bpf/libbpf.h>

struct ring {
	ring_buffer_sample_fn sample_cb;
	void *ctx;
	unsigned long *consumer_pos;  /* user page 0 */
	unsigned long *producer_pos;  /* user page 1: producer_pos, overwrite_pos, ... */
	unsigned char *data;          /* user page 2: the data, mapped twice */
	unsigned long mask;
	size_t page_size;
	int map_fd;
	bool overwrite;               /* BPF_F_RB_OVERWRITE: start at overwrite_pos */
};

struct ring_buffer {
	struct epoll_event *events;
	struct ring **rings;
	size_t page_size;
	int epoll_fd;
	int ring_cnt;
};

struct user_ring_buffer {
	struct epoll_event event;
	unsigned long *consumer_pos;
	unsigned long *producer_pos;
	unsigned char *data;
	unsigned long mask;
	size_t page_size;
	int map_fd;
	int epoll_fd;
};

/* Consume up to n records of r; the count, or a callback's error. */
int ringbuf_process_ring(struct ring *r, size_t n);

/* Tests: point a ring at already mapped pages (no fds, no munmap). */
void ring__init_mem(struct ring *r, void *cons_page, void *prod_page, unsigned long size,
		    bool overwrite, ring_buffer_sample_fn cb, void *ctx);
void user_ring_buffer__init_mem(struct user_ring_buffer *rb, void *cons_page, void *prod_page,
				unsigned long size, int epoll_fd);

/* Parse a sysfs CPU list ("0-3,5") into mask[0..n); the highest CPU + 1,
 * or a negative errno. */
int libbpf_parse_cpu_list(const char *s, bool *mask, int n);
