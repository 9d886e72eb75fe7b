/* The same constants from the system's Linux headers (linux-libc-dev). */
#include <stddef.h>
#include <linux/mman.h>
#include <linux/time.h>
#include <linux/eventpoll.h>
#include "uapi_misc.h"

int uapi_misc_sys(struct uapi_const *out, int max)
{
	int n = 0;
#define X(name) if (n < max) out[n++] = (struct uapi_const){ #name, (long long)(name) };
#include "uapi_misc_list.h"
#undef X
	return n;
}

void uapi_epoll_layout_sys(int *size, int *data_off)
{
	*size = (int)sizeof(struct epoll_event);
	*data_off = (int)offsetof(struct epoll_event, data);
}
