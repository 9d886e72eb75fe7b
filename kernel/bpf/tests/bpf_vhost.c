/* Host side of the BPF core for tests (bpf_vhost.h): allocation, maps by
 * fd, the log buffer, and a verify call that owns its instruction copy. */
#include <stdlib.h>
#include <string.h>
#include <lib/errno.h>
#include "bpf_vhost.h"

void *bpf_core_zalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void bpf_core_free(void *p)
{
	free(p);
}

static u8 array_values[16];
static u8 ro_values[8] = { 42 };
static struct bpf_vmap maps[] = {
	{ .type = BPF_MAP_TYPE_RINGBUF, .max_entries = 4096, .id = 1 },
	{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 16, .max_entries = 1,
	  .id = 2, .elem_size = 16, .values = array_values },
	{ .type = BPF_MAP_TYPE_USER_RINGBUF, .max_entries = 4096, .id = 3 },
	{ .type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 8, .max_entries = 16, .id = 4 },
	{ .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1, .id = 5,
	  .flags = BPF_F_RDONLY_PROG, .frozen = true, .elem_size = 8, .values = ro_values },
};

struct bpf_vmap *vhost_map(int fd)
{
	return fd >= 1 && fd <= (int)(sizeof(maps) / sizeof(maps[0])) ? &maps[fd - 1] : NULL;
}

static struct bpf_vmap *map_get(void *priv, int fd, long *err)
{
	struct bpf_vmap *m = vhost_map(fd);
	if (!m)
		*err = -EBADF;
	return m;
}

static void map_put(void *priv, struct bpf_vmap *m)
{
}

static void log_write(void *priv, const char *s, size_t n)
{
	struct vhost *h = priv;
	if (n > VHOST_LOG_MAX - 1 - h->log_len) {     /* keep the end, as Linux */
		s += n - (VHOST_LOG_MAX - 1 - h->log_len);
		n = VHOST_LOG_MAX - 1 - h->log_len;
	}
	memcpy(h->log + h->log_len, s, n);
	h->log_len += n;
	h->log[h->log_len] = 0;
}

static long map_read(void *priv, struct bpf_vmap *m, u32 off, u32 size, u64 *val)
{
	if (m->type != BPF_MAP_TYPE_ARRAY || off + size > m->value_size)
		return -EINVAL;
	u64 v = 0;
	memcpy(&v, m->values + off, size);
	*val = v;
	return 0;
}

const struct bpf_verify_ops vhost_ops = {
	.map_get = map_get, .map_put = map_put, .log_write = log_write, .map_read = map_read,
};

int vhost_verify(struct vhost *h, struct bpf_verify_args *a, const struct bpf_insn *insns,
		 u32 len, u32 prog_type, bool privileged, u32 log_level)
{
	memset(a, 0, sizeof(*a));
	h->log_len = 0;
	h->log[0] = 0;
	a->insns = malloc((len ? len : 1) * sizeof(*insns));
	memcpy(a->insns, insns, len * sizeof(*insns));
	a->len = len;
	a->prog_type = prog_type;
	a->privileged = privileged;
	a->gpl = true;
	a->log_level = log_level;
	a->ops = &vhost_ops;
	a->helpers = h->helpers;
	a->priv = h;
	return bpf_verify(a);
}

void vhost_release(struct bpf_verify_args *a)
{
	free(a->insns);
	free(a->subprogs);
	a->insns = NULL;
	a->subprogs = NULL;
}
