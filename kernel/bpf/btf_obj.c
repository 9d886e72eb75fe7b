/* BTF objects (BPF_BTF_LOAD): the blob copied in, checked by btf.c, kept
 * behind an fd with an id for as long as an fd or a program holds it.
 * Programs give theirs at BPF_PROG_LOAD (prog_btf_fd) with func_info and
 * line_info, which the verifier checks and prints source lines from.
 * Loading errors are Linux's (E2BIG past BTF_MAX_SIZE, EINVAL for a bad
 * blob with the reason in btf_log_buf when one was given). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/usermem.h>
#include "bpf.h"
#include "btf.h"

#define BTF_MAX_SIZE (16u << 20)

struct bpf_btf_obj {
	int refs;
	u32 id;
	u8 *data;
	struct bpf_btf btf;
};

static const struct file_ops btf_fops;

void bpf_btf_obj_put(struct bpf_btf_obj *o)
{
	if (!o || __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL))
		return;
	bpf_btf_release(&o->btf);
	kfree(o->data);
	kfree(o);
}

static void btf_release(struct file *f)
{
	bpf_btf_obj_put(f->priv);
}

static const struct file_ops btf_fops = {
	.name = "btf",
	.release = btf_release,
};

bool bpf_file_is_btf(struct file *f)
{
	return f && f->ops == &btf_fops;
}

struct bpf_btf_obj *bpf_btf_obj_get(int fd, long *err)
{
	struct file *f = fd_get(fd);
	struct bpf_btf_obj *o = NULL;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (bpf_file_is_btf(f)) {
		o = f->priv;
		__atomic_fetch_add(&o->refs, 1, __ATOMIC_RELAXED);
	} else {
		*err = -EINVAL;
	}
	file_put(f);
	return o;
}

const struct bpf_btf *bpf_btf_obj_btf(const struct bpf_btf_obj *o)
{
	return &o->btf;
}

u32 bpf_btf_obj_id(const struct bpf_btf_obj *o)
{
	return o ? o->id : 0;
}

long bpf_btf_load(const union bpf_attr *attr)
{
	if (attr->btf_flags || attr->btf_token_fd)
		return -EINVAL;
	if (!!attr->btf_log_buf != !!attr->btf_log_size ||
	    (attr->btf_log_buf && !attr->btf_log_level) || (attr->btf_log_level & ~15u) ||
	    attr->btf_log_size > UINT32_MAX >> 2)
		return -EINVAL;
	if (attr->btf_size > BTF_MAX_SIZE)
		return -E2BIG;
	if (!attr->btf_size)
		return -EINVAL;
	struct bpf_btf_obj *o = kzalloc(sizeof(*o));
	u8 *data = kmalloc(attr->btf_size);
	long rc = -ENOMEM;
	char err[128];
	if (!o || !data)
		goto fail;
	rc = -EFAULT;
	if (copy_from_user(data, attr->btf, attr->btf_size))
		goto fail;
	err[0] = 0;
	rc = bpf_btf_parse(&o->btf, data, attr->btf_size, err, sizeof(err));
	if (rc) {
		if (attr->btf_log_level && attr->btf_log_buf) {
			size_t n = strlen(err);
			if (n + 2 > attr->btf_log_size)
				n = attr->btf_log_size - 2;
			err[n] = '\n';
			err[n + 1] = 0;
			if (copy_to_user(attr->btf_log_buf, err, n + 2))
				rc = -EFAULT;
		}
		goto fail;
	}
	o->data = data;
	o->refs = 1;
	o->id = bpf_next_id();
	struct file *f = file_alloc(&btf_fops, o, O_RDWR);
	if (!f) {
		bpf_btf_obj_put(o);
		return -ENOMEM;
	}
	f->mode = 0600;
	int fd = fd_install(f, true);
	if (fd < 0)
		file_put(f);
	return fd;
fail:
	kfree(data);
	kfree(o);
	return rc;
}

long bpf_btf_info(struct file *f, u64 uinfo, u32 len, u32 *out_len)
{
	const struct bpf_btf_obj *o = f->priv;
	struct bpf_btf_info info, in;
	memset(&info, 0, sizeof(info));
	memset(&in, 0, sizeof(in));
	*out_len = MIN(len, (u32)sizeof(info));
	if (copy_from_user(&in, uinfo, *out_len))
		return -EFAULT;
	/* As Linux: btf_size in is the room at btf; out, the blob's size. */
	if (in.btf && copy_to_user(in.btf, o->data, MIN(in.btf_size, o->btf.size)))
		return -EFAULT;
	info.btf = in.btf;
	info.btf_size = o->btf.size;
	info.id = o->id;
	return copy_to_user(uinfo, &info, *out_len) ? -EFAULT : 0;
}
