/* Definitions shared by bpf.h and libbpf.h, as in libbpf. */
#ifndef __RT_LIBBPF_COMMON_H
#define __RT_LIBBPF_COMMON_H

#include <stddef.h>

#define LIBBPF_API __attribute__((visibility("default")))

/* Declare and initialize an options struct: zeroed, with .sz set, so the
 * library can tell which fields the caller knew about. */
#define LIBBPF_OPTS(TYPE, NAME, ...) \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

#endif
