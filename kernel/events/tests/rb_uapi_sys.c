/* The system's perf_event.h (Debian linux-libc-dev), the reference. */
#include <stddef.h>
#include <linux/perf_event.h>
#define UAPI_TABLE_FN uapi_table_sys
#include "rb_uapi_expand.h"
