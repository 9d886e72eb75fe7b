/* Waiting for files to become ready: shared by poll, ppoll and epoll. */
#pragma once
#include <lib/types.h>

struct poll_table;

#define POLL_NOWAIT (~0ull)     /* deadline: just look, never sleep */

/* Call check(arg, pt) until it returns nonzero (ready count or error),
 * the absolute clock_ns() deadline passes (0 = never), or a signal or kill
 * arrives (-EINTR). check asks files with f->ops->poll(f, pt), which
 * registers the wait queues that announce changes. Returns check's value,
 * 0 on timeout, or -EINTR. */
long poll_wait_until(long (*check)(void *arg, struct poll_table *pt), void *arg, u64 deadline);
