/* The mman/time/eventpoll comparison: each side fills a table of every
 * constant in uapi_misc_list.h, from its own headers. */
#pragma once

struct uapi_const {
	const char *name;
	long long value;
};

int uapi_misc_ours(struct uapi_const *out, int max);
int uapi_misc_sys(struct uapi_const *out, int max);
/* sizeof and offsetof(data) of struct epoll_event on each side. */
void uapi_epoll_layout_ours(int *size, int *data_off);
void uapi_epoll_layout_sys(int *size, int *data_off);
