/* bpf(2) wrappers with libbpf's names and return conventions (fd or 0 on
 * success, -errno on failure with errno set). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#ifndef __NR_bpf
#define __NR_bpf 321   /* x86_64 */
#endif

/* The attr prefix this library fills in; newer kernels accept a shorter
 * attr (the rest reads as zero), older ones a longer one if its tail is 0. */
#define ATTR_SZ sizeof(union bpf_attr)

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, ATTR_SZ);

	return r < 0 ? -errno : (int)r;
}

/* opts with a size we do not know must have zeros where we have nothing. */
static bool opts_ok(const void *opts, size_t sz, size_t known)
{
	const unsigned char *p = opts;

	if (!opts)
		return true;
	if (sz < sizeof(size_t))
		return false;
	for (size_t i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}

#define OPTS_OK(o) opts_ok((o), (o) ? (o)->sz : 0, sizeof(*(o)))
#define OPT(o, f, def) ((o) && (o)->sz >= offsetof(__typeof__(*(o)), f) + sizeof((o)->f) ? (o)->f : (def))

static int fail(int err)
{
	errno = err;
	return -err;
}

int bpf_map_create(enum bpf_map_type map_type, const char *map_name, __u32 key_size,
		   __u32 value_size, __u32 max_entries, const struct bpf_map_create_opts *opts)
{
	union bpf_attr attr;

	if (!OPTS_OK(opts))
		return fail(EINVAL);
	memset(&attr, 0, sizeof(attr));
	attr.map_type = map_type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	if (map_name)
		strncpy(attr.map_name, map_name, BPF_OBJ_NAME_LEN - 1);
	attr.btf_fd = OPT(opts, btf_fd, 0);
	attr.btf_key_type_id = OPT(opts, btf_key_type_id, 0);
	attr.btf_value_type_id = OPT(opts, btf_value_type_id, 0);
	attr.btf_vmlinux_value_type_id = OPT(opts, btf_vmlinux_value_type_id, 0);
	attr.inner_map_fd = OPT(opts, inner_map_fd, 0);
	attr.map_flags = OPT(opts, map_flags, 0);
	attr.map_extra = OPT(opts, map_extra, 0);
	attr.numa_node = OPT(opts, numa_node, 0);
	attr.map_ifindex = OPT(opts, map_ifindex, 0);
	attr.value_type_btf_obj_fd = OPT(opts, value_type_btf_obj_fd, 0);
	attr.map_token_fd = OPT(opts, token_fd, 0);
	return sys_bpf(BPF_MAP_CREATE, &attr);
}

int bpf_prog_load(enum bpf_prog_type prog_type, const char *prog_name, const char *license,
		  const struct bpf_insn *insns, size_t insn_cnt, struct bpf_prog_load_opts *opts)
{
	union bpf_attr attr;
	int attempts, fd;

	if (!OPTS_OK(opts) || insn_cnt > 0xffffffffu)
		return fail(EINVAL);
	attempts = OPT(opts, attempts, 0);
	if (attempts < 0)
		return fail(EINVAL);
	if (!attempts)
		attempts = 5;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = prog_type;
	attr.insn_cnt = (__u32)insn_cnt;
	attr.insns = (unsigned long)insns;
	attr.license = (unsigned long)license;
	if (prog_name)
		strncpy(attr.prog_name, prog_name, BPF_OBJ_NAME_LEN - 1);
	attr.expected_attach_type = OPT(opts, expected_attach_type, 0);
	attr.prog_btf_fd = OPT(opts, prog_btf_fd, 0);
	attr.prog_flags = OPT(opts, prog_flags, 0);
	attr.prog_ifindex = OPT(opts, prog_ifindex, 0);
	attr.kern_version = OPT(opts, kern_version, 0);
	attr.attach_btf_id = OPT(opts, attach_btf_id, 0);
	attr.attach_prog_fd = OPT(opts, attach_prog_fd, 0);
	if (!attr.attach_prog_fd)
		attr.attach_btf_obj_fd = OPT(opts, attach_btf_obj_fd, 0);
	attr.fd_array = (unsigned long)OPT(opts, fd_array, NULL);
	attr.fd_array_cnt = OPT(opts, fd_array_cnt, 0);
	attr.func_info = (unsigned long)OPT(opts, func_info, NULL);
	attr.func_info_cnt = OPT(opts, func_info_cnt, 0);
	attr.func_info_rec_size = OPT(opts, func_info_rec_size, 0);
	attr.line_info = (unsigned long)OPT(opts, line_info, NULL);
	attr.line_info_cnt = OPT(opts, line_info_cnt, 0);
	attr.line_info_rec_size = OPT(opts, line_info_rec_size, 0);
	attr.log_level = OPT(opts, log_level, 0);
	attr.log_size = OPT(opts, log_size, 0);
	attr.log_buf = (unsigned long)OPT(opts, log_buf, NULL);
	attr.prog_token_fd = OPT(opts, token_fd, 0);
	do
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
	while (fd == -EAGAIN && --attempts > 0);
	if (opts && opts->sz >= offsetof(struct bpf_prog_load_opts, log_true_size) + sizeof(__u32))
		opts->log_true_size = attr.log_true_size;
	return fd;
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)key;
	attr.value = (unsigned long)value;
	attr.flags = flags;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &attr);
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)key;
	attr.value = (unsigned long)value;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr);
}

int bpf_map_delete_elem(int fd, const void *key)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)key;
	return sys_bpf(BPF_MAP_DELETE_ELEM, &attr);
}

int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len)
{
	union bpf_attr attr;
	int err;

	if (!info_len)
		return fail(EINVAL);
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = bpf_fd;
	attr.info.info_len = *info_len;
	attr.info.info = (unsigned long)info;
	err = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
	if (!err)
		*info_len = attr.info.info_len;
	return err;
}

int bpf_map_get_info_by_fd(int map_fd, struct bpf_map_info *info, __u32 *info_len)
{
	return bpf_obj_get_info_by_fd(map_fd, info, info_len);
}
