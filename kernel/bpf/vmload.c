/* BPF_PROG_LOAD of bytecode: Linux's attr checks in Linux's order, the
 * instructions copied in, the verifier run with the maps the program
 * names (held by the program from then on), and the verifier log written
 * to the caller's buffer as Linux does (log_level, log_size, log_buf; the
 * end of the log kept unless BPF_LOG_FIXED; ENOSPC when it did not fit;
 * log_true_size written back), and the program's BTF (prog_btf_fd with
 * func_info and line_info records, Linux's record size rules). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>
#include <kernel/usermem.h>
#include "bpf.h"
#include "verifier.h"

#define BPF_LOG_MASK (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED)
#define BPF_MAXINSNS_UNPRIV 4096
#define PROG_FLAGS_KNOWN (BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_STATE_FREQ | \
			  BPF_F_SLEEPABLE | BPF_F_TEST_RND_HI32 | BPF_F_XDP_HAS_FRAGS)

struct load_ctx {
	const union bpf_attr *attr;
	u64 ulog;
	u32 log_size;
	bool fixed;
	bool truncated;
	u32 true_size;
	long log_err;
};

static struct bpf_vmap *map_get(void *priv, int fd, long *err)
{
	struct file *f = fd_get(fd);
	struct bpf_map *m = NULL;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (bpf_file_is_map(f)) {
		m = f->priv;
		bpf_map_get(m);
	} else {
		*err = -EINVAL;
	}
	file_put(f);
	return m ? &m->vm : NULL;
}

static void map_put(void *priv, struct bpf_vmap *vm)
{
	bpf_map_put(vm->owner);
}

static long fd_array_get(void *priv, u32 idx, int *fd)
{
	const struct load_ctx *lc = priv;
	if (!lc->attr->fd_array)
		return -EPROTO;
	return copy_from_user(fd, lc->attr->fd_array + (u64)idx * sizeof(u32), sizeof(u32)) ?
		       -EFAULT : 0;
}

/* The whole log, once: its head (BPF_LOG_FIXED) or its end in the
 * caller's log_size bytes, NUL-terminated. */
static void log_write(void *priv, const char *s, size_t n)
{
	struct load_ctx *lc = priv;
	lc->true_size = (u32)n + 1;
	if (!lc->ulog || !lc->log_size)
		return;
	size_t room = lc->log_size - 1, take = n < room ? n : room;
	const char *from = lc->fixed ? s : s + (n - take);
	lc->truncated = n > room;
	if (copy_to_user(lc->ulog, from, take) || copy_to_user(lc->ulog + take, "", 1))
		lc->log_err = -EFAULT;
}

/* A frozen read-only array's bytes, which can no longer change. */
static long map_read(void *priv, struct bpf_vmap *m, u32 off, u32 size, u64 *val)
{
	if (m->type != BPF_MAP_TYPE_ARRAY || !m->frozen || size > 8 || off + size > m->value_size)
		return -EINVAL;
	u64 v = 0;
	memcpy(&v, m->values + off, size);
	*val = v;
	return 0;
}

static const struct bpf_verify_ops kernel_verify_ops = {
	.map_get = map_get, .map_put = map_put, .fd_array_get = fd_array_get,
	.log_write = log_write, .map_read = map_read,
};

/* Linux 6.4+: buffer and size together or not at all, a buffer needs a
 * level (a level alone only measures: log_true_size), known level bits. */
static long check_log_attr(const union bpf_attr *attr)
{
	if (!!attr->log_buf != !!attr->log_size || (attr->log_buf && !attr->log_level) ||
	    (attr->log_level & ~BPF_LOG_MASK) || attr->log_size > UINT32_MAX >> 2)
		return -EINVAL;
	return 0;
}

/* cnt records of rec_size bytes at urec into kernel records of size
 * bytes (Linux: rec_size at least ours, a multiple of 4, at most 252, any
 * bytes past ours zero). NULL and *rc on failure. */
static void *copy_records(u64 urec, u32 cnt, u32 rec_size, u32 size, long *rc)
{
	if (rec_size < size || rec_size > 252 || rec_size % 4) {
		*rc = -EINVAL;
		return NULL;
	}
	u8 *out = kzalloc((size_t)cnt * size);
	if (!out) {
		*rc = -ENOMEM;
		return NULL;
	}
	for (u32 i = 0; i < cnt; i++) {
		u8 rec[252];
		if (copy_from_user(rec, urec + (u64)i * rec_size, rec_size)) {
			*rc = -EFAULT;
			goto fail;
		}
		for (u32 j = size; j < rec_size; j++)
			if (rec[j]) {
				*rc = -E2BIG;
				goto fail;
			}
		memcpy(out + (size_t)i * size, rec, size);
	}
	return out;
fail:
	kfree(out);
	return NULL;
}

void bpf_prog_free_vm(struct bpf_prog *p)
{
	bpf_btf_obj_put(p->btf);
	for (u32 i = 0; i < p->nr_used_maps; i++)
		bpf_map_put(p->used_maps[i]);
	kfree(p->used_maps);
	kfree((void *)p->vm.insns);
	kfree((void *)p->vm.subprogs);
}

long bpf_prog_load_vm(const union bpf_attr *attr, u64 uattr, u32 attr_size,
		      const char name[BPF_OBJ_NAME_LEN], bool gpl)
{
	bool privileged = current_proc()->cred.euid == 0;
	long rc;

	if (attr->prog_flags & ~PROG_FLAGS_KNOWN)
		return -EINVAL;
	if (attr->prog_flags & BPF_F_SLEEPABLE)
		return -EINVAL;         /* no sleepable program types here */
	if (attr->prog_type != BPF_PROG_TYPE_SOCKET_FILTER &&
	    attr->prog_type != BPF_PROG_TYPE_TRACEPOINT)
		return -EINVAL;
	if (!privileged && attr->prog_type != BPF_PROG_TYPE_SOCKET_FILTER)
		return -EPERM;
	if (!attr->insn_cnt || attr->insn_cnt > (privileged ? BPF_INSNS_MAX : BPF_MAXINSNS_UNPRIV))
		return -E2BIG;
	if ((rc = check_log_attr(attr)))
		return rc;

	struct bpf_verify_args *a = kzalloc(sizeof(*a));
	struct bpf_prog *p = kzalloc(sizeof(*p));
	struct bpf_insn *insns = kmalloc((size_t)attr->insn_cnt * sizeof(*insns));
	void *func_info = NULL, *line_info = NULL;
	struct load_ctx lc = {
		.attr = attr, .ulog = attr->log_buf, .log_size = attr->log_size,
		.fixed = attr->log_level & BPF_LOG_FIXED,
	};
	rc = -ENOMEM;
	if (!a || !p || !insns)
		goto fail;
	rc = -EFAULT;
	if (copy_from_user(insns, attr->insns, (size_t)attr->insn_cnt * sizeof(*insns)))
		goto fail;
	if (attr->func_info_cnt || attr->line_info_cnt) {
		p->btf = bpf_btf_obj_get((int)attr->prog_btf_fd, &rc);
		if (!p->btf)
			goto fail;
		a->btf = bpf_btf_obj_btf(p->btf);
		if (attr->func_info_cnt &&
		    !(func_info = copy_records(attr->func_info, attr->func_info_cnt,
					       attr->func_info_rec_size,
					       sizeof(struct bpf_func_info), &rc)))
			goto fail;
		if (attr->line_info_cnt &&
		    !(line_info = copy_records(attr->line_info, attr->line_info_cnt,
					       attr->line_info_rec_size,
					       sizeof(struct bpf_line_info), &rc)))
			goto fail;
		a->func_info = func_info;
		a->func_info_cnt = attr->func_info_cnt;
		a->line_info = line_info;
		a->line_info_cnt = attr->line_info_cnt;
	}
	a->insns = insns;
	a->len = attr->insn_cnt;
	a->prog_type = attr->prog_type;
	a->privileged = privileged;
	a->gpl = gpl;
	a->log_level = attr->log_level & ~BPF_LOG_FIXED;
	a->helpers = bpf_kernel_helpers;
	a->ops = &kernel_verify_ops;
	a->priv = &lc;
	rc = bpf_verify(a);
	if (lc.log_err)
		rc = lc.log_err;
	else if (attr->log_level && (lc.truncated || a->log_full))
		rc = -ENOSPC;
	if (attr_size >= offsetof(union bpf_attr, log_true_size) + sizeof(u32) &&
	    attr->log_level &&
	    copy_to_user(uattr + offsetof(union bpf_attr, log_true_size), &lc.true_size,
			 sizeof(u32)))
		rc = -EFAULT;
	p->used_maps = kzalloc((a->nr_used_maps ? a->nr_used_maps : 1) * sizeof(*p->used_maps));
	if (!p->used_maps && !rc)
		rc = -ENOMEM;
	for (u32 i = 0; i < a->nr_used_maps; i++) {
		if (p->used_maps)
			p->used_maps[p->nr_used_maps++] = a->used_maps[i]->owner;
		else
			bpf_map_put(a->used_maps[i]->owner);
	}
	p->vm.subprogs = a->subprogs;
	p->vm.insns = insns;
	insns = NULL;
	if (rc)
		goto fail;
	p->vm.len = a->len;
	p->vm.nr_subprogs = a->nr_subprogs;
	p->vm.helpers = bpf_kernel_helpers;
	p->vm.nr_helpers = __BPF_FUNC_MAX_ID;
	p->type = attr->prog_type;
	p->verified_insns = a->insn_processed;
	p->refs = 1;
	p->gpl = gpl;
	memcpy(p->name, name, BPF_OBJ_NAME_LEN);
	p->load_time = clock_ns();
	p->id = bpf_next_id();
	kfree(a);
	kfree(func_info);
	kfree(line_info);
	return bpf_prog_install(p);
fail:
	kfree(func_info);
	kfree(line_info);
	if (p) {
		bpf_prog_free_vm(p);
		kfree(p);
	}
	kfree(insns);
	kfree(a);
	return rc;
}
