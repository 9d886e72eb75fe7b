/* Ringtail's uapi bpf.h, included by path so that the system's cannot
 * stand in for it (types.h first, whose guard keeps bpf.h's own include
 * from reaching the system's). */
#include "../../include/uapi/linux/types.h"
#include "../../include/uapi/linux/bpf.h"
#define BPF_UAPI_TABLE_FN bpf_uapi_table_ours
#include "bpf_uapi_expand.h"

/* What Debian's 6.1 header predates, for test_bpf_uapi.c. */
long long bpf_uapi_newer(const char *name)
{
#define N(nm, v) if (!__builtin_strcmp(name, nm)) return (long long)(v)
	N("BPF_F_RB_OVERWRITE", BPF_F_RB_OVERWRITE);
	N("BPF_RB_OVERWRITE_POS", BPF_RB_OVERWRITE_POS);
	N("offsetof(log_true_size)", offsetof(union bpf_attr, log_true_size));
	N("offsetof(prog_token_fd)", offsetof(union bpf_attr, prog_token_fd));
	N("offsetof(fd_array_cnt)", offsetof(union bpf_attr, fd_array_cnt));
	N("offsetof(value_type_btf_obj_fd)", offsetof(union bpf_attr, value_type_btf_obj_fd));
	N("offsetof(map_token_fd)", offsetof(union bpf_attr, map_token_fd));
	N("RT_BPF_RB_DROPPED", RT_BPF_RB_DROPPED);
	N("RT_BPF_RB_DROPPED_OFF", RT_BPF_RB_DROPPED_OFF);
	N("sizeof(union bpf_attr)", sizeof(union bpf_attr));
#undef N
	return -12345;
}
