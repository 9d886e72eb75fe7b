/* The bpf.h comparison: one table per header, built by bpf_uapi_expand.h. */
#pragma once
#include "../../events/tests/rb_uapi.h"   /* struct uapi_item */

size_t bpf_uapi_table_ours(struct uapi_item *out, size_t max);
size_t bpf_uapi_table_sys(struct uapi_item *out, size_t max);
/* Values only our newer header has (bpf_uapi_ours.c), by name; -1 if none. */
long long bpf_uapi_newer(const char *name);
