/* Ringtail's uapi headers, included by path so that the system's cannot
 * stand in for them (types.h first: its guard keeps eventpoll.h's own
 * include from reaching the system's). */
#include <stddef.h>
#include "../linux/types.h"
#include "../linux/mman.h"
#include "../linux/time.h"
#include "../linux/eventpoll.h"
#include "uapi_misc.h"

int uapi_misc_ours(struct uapi_const *out, int max)
{
	int n = 0;
#define X(name) if (n < max) out[n++] = (struct uapi_const){ #name, (long long)(name) };
#include "uapi_misc_list.h"
#undef X
	return n;
}

void uapi_epoll_layout_ours(int *size, int *data_off)
{
	*size = (int)sizeof(struct epoll_event);
	*data_off = (int)offsetof(struct epoll_event, data);
}
