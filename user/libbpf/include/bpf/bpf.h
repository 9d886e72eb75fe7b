/* Ringtail's libbpf: the low-level bpf(2) wrappers, libbpf's names and
 * signatures. They return the fd or 0, or a negative errno (also left in
 * errno), as libbpf 1.x. Only what Ringtail's bpf(2) implements, plus
 * what its tests need against Linux. */
#ifndef __RT_LIBBPF_BPF_H
#define __RT_LIBBPF_BPF_H

#include <linux/bpf.h>
#include <stddef.h>
#include "libbpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_map_create_opts {
	size_t sz;
	__u32 btf_fd;
	__u32 btf_key_type_id;
	__u32 btf_value_type_id;
	__u32 btf_vmlinux_value_type_id;
	__u32 inner_map_fd;
	__u32 map_flags;
	__u64 map_extra;
	__u32 numa_node;
	__u32 map_ifindex;
	__s32 value_type_btf_obj_fd;
	__u32 token_fd;
};

LIBBPF_API int bpf_map_create(enum bpf_map_type map_type, const char *map_name, __u32 key_size,
			      __u32 value_size, __u32 max_entries,
			      const struct bpf_map_create_opts *opts);

struct bpf_prog_load_opts {
	size_t sz;
	int attempts;                 /* retries on EAGAIN; 0 means 5 */
	__u32 expected_attach_type;
	__u32 prog_btf_fd;
	__u32 prog_flags;
	__u32 prog_ifindex;
	__u32 kern_version;
	__u32 attach_btf_id;
	__u32 attach_prog_fd;
	__u32 attach_btf_obj_fd;
	const int *fd_array;          /* Ringtail: the handler's maps, in order */
	const void *func_info;
	__u32 func_info_cnt;
	__u32 func_info_rec_size;
	const void *line_info;
	__u32 line_info_cnt;
	__u32 line_info_rec_size;
	__u32 log_level;
	__u32 log_size;
	char *log_buf;
	__u32 log_true_size;          /* out */
	__u32 token_fd;
	__u32 fd_array_cnt;
};

/* On Ringtail, prog_name picks a built-in handler (prog_type
 * BPF_PROG_TYPE_TRACEPOINT, no instructions) and opts->fd_array /
 * fd_array_cnt pass its maps. */
LIBBPF_API int bpf_prog_load(enum bpf_prog_type prog_type, const char *prog_name,
			     const char *license, const struct bpf_insn *insns, size_t insn_cnt,
			     struct bpf_prog_load_opts *opts);

LIBBPF_API int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags);
LIBBPF_API int bpf_map_lookup_elem(int fd, const void *key, void *value);
LIBBPF_API int bpf_map_delete_elem(int fd, const void *key);
LIBBPF_API int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len);
LIBBPF_API int bpf_map_get_info_by_fd(int map_fd, struct bpf_map_info *info, __u32 *info_len);

#ifdef __cplusplus
}
#endif
#endif
