/* What uname(2) says (kernel/proc/uts.c). Ringtail reports sysname
 * "Linux" and a Linux-style release, as other Linux-compatible kernels do:
 * programs choose code paths by the kernel version they see. */
#pragma once
#include <lib/types.h>

#define UTS_SYSNAME "Linux"
#define UTS_RELEASE "6.18.0-ringtail"
#define UTS_VERSION "#1 SMP PREEMPT Ringtail"
#define UTS_MACHINE "x86_64"
#define UTS_LEN 64

void uts_get_hostname(char *buf, size_t size);
/* 0, or -EINVAL if longer than UTS_LEN. */
int uts_set_hostname(const char *name, size_t len);
