/* The system's bpf.h (Debian linux-libc-dev), the reference. */
#include <linux/bpf.h>
#define BPF_UAPI_TABLE_FN bpf_uapi_table_sys
#include "bpf_uapi_expand.h"
