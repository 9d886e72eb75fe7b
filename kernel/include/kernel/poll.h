/* poll internals shared with epoll. */
#pragma once
#include <lib/types.h>

struct kpollfd;
long do_poll(struct kpollfd *fds, size_t nfds, u64 deadline);
