/* BPF links (BPF_LINK_CREATE with attach_type BPF_PERF_EVENT): a program
 * attached to a tracepoint perf event for as long as the link fd lives,
 * as libbpf attaches when the kernel has perf links. The link holds the
 * perf event's file, so closing the event fd first changes nothing;
 * closing the link detaches (kernel/events/bpf_attach.c waits for runs in
 * flight) and drops the event. Linux's checks in Linux's order: the
 * program fd, the program type against the attach type, flags, then the
 * target fd (EBADF when it is not a perf event: libbpf's probe). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/usermem.h>
#include "../events/internal.h"
#include "bpf.h"

struct bpf_link {
	u32 id;
	u32 prog_id;
	u64 cookie;
	struct file *perf_file;
};

static const struct file_ops link_fops;

static void link_free(struct bpf_link *l)
{
	perf_event_detach_bpf(perf_event_from_file(l->perf_file));
	file_put(l->perf_file);
	kfree(l);
}

static void link_release(struct file *f)
{
	link_free(f->priv);
}

static const struct file_ops link_fops = {
	.name = "bpf_link",
	.release = link_release,
};

bool bpf_file_is_link(struct file *f)
{
	return f && f->ops == &link_fops;
}

long bpf_link_create(const union bpf_attr *attr)
{
	struct bpf_prog *p = bpf_prog_from_fd((int)attr->link_create.prog_fd);
	long rc;
	if (!p) {
		struct file *f = fd_get((int)attr->link_create.prog_fd);
		if (f)
			file_put(f);
		return f ? -EINVAL : -EBADF;
	}
	if (p->type != BPF_PROG_TYPE_TRACEPOINT ||
	    attr->link_create.attach_type != BPF_PERF_EVENT) {
		rc = -EINVAL;
		goto put_prog;
	}
	if (attr->link_create.flags) {
		rc = -EINVAL;
		goto put_prog;
	}
	struct file *pf = fd_get((int)attr->link_create.target_fd);
	struct perf_event *e = pf ? perf_event_from_file(pf) : NULL;
	if (!e) {
		if (pf)
			file_put(pf);
		rc = -EBADF;
		goto put_prog;
	}
	struct bpf_link *l = kzalloc(sizeof(*l));
	if (!l) {
		file_put(pf);
		rc = -ENOMEM;
		goto put_prog;
	}
	l->prog_id = p->id;
	l->cookie = attr->link_create.perf_event.bpf_cookie;
	l->perf_file = pf;
	rc = perf_attach_bpf_prog(e, p);        /* takes the program reference */
	p = NULL;
	if (rc) {
		file_put(pf);
		kfree(l);
		return rc;
	}
	l->id = bpf_next_id();
	struct file *f = file_alloc(&link_fops, l, O_RDWR);
	if (!f) {
		link_free(l);
		return -ENOMEM;
	}
	f->mode = 0600;
	int fd = fd_install(f, true);
	if (fd < 0)
		file_put(f);
	return fd;
put_prog:
	if (p)
		bpf_prog_put(p);
	return rc;
}

long bpf_link_info(struct file *f, u64 uinfo, u32 len, u32 *out_len)
{
	const struct bpf_link *l = f->priv;
	struct bpf_link_info info;
	memset(&info, 0, sizeof(info));
	*out_len = MIN(len, (u32)sizeof(info));
	info.type = BPF_LINK_TYPE_PERF_EVENT;
	info.id = l->id;
	info.prog_id = l->prog_id;
	info.perf_event.type = BPF_PERF_EVENT_TRACEPOINT;
	info.perf_event.tracepoint.cookie = l->cookie;
	return copy_to_user(uinfo, &info, *out_len) ? -EFAULT : 0;
}
