/* bpf(2): Linux's attr rules and errnos for the commands Ringtail has.
 *
 * attr is read as Linux reads it: at most a page, anything past the
 * kernel's union must be zero (E2BIG), anything past the command's last
 * field must be zero (EINVAL). Maps are created by map.c; BPF_PROG_LOAD
 * verifies bytecode (vmload.c), or without instructions picks a built-in
 * handler by name (prog.c). */
#include <arch/barrier.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include "bpf.h"

#define PAGE_BYTES 4096u

#define ATTR_END(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

/* The bytes of attr past the command's last field must be zero. */
static bool tail_zero(const union bpf_attr *attr, size_t from)
{
	const u8 *p = (const u8 *)attr;
	for (size_t i = from; i < sizeof(*attr); i++)
		if (p[i])
			return false;
	return true;
}

/* Linux's object name rule: letters, digits, '_' and '.', NUL-terminated
 * within BPF_OBJ_NAME_LEN. */
static bool name_ok(const char *src, char dst[BPF_OBJ_NAME_LEN])
{
	memset(dst, 0, BPF_OBJ_NAME_LEN);
	for (unsigned int i = 0; i < BPF_OBJ_NAME_LEN; i++) {
		char c = src[i];
		if (!c)
			return true;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return false;
		dst[i] = c;
	}
	return false;
}

static long map_create(const union bpf_attr *attr)
{
	char name[BPF_OBJ_NAME_LEN];
	if (!tail_zero(attr, ATTR_END(map_token_fd)))
		return -EINVAL;
	if ((attr->map_flags & BPF_F_RDONLY) && (attr->map_flags & BPF_F_WRONLY))
		return -EINVAL;
	/* No BTF, no map-in-map, no offload, no tokens. */
	if (attr->btf_key_type_id || attr->btf_value_type_id || attr->inner_map_fd ||
	    attr->map_ifindex || attr->map_token_fd || attr->value_type_btf_obj_fd)
		return -EINVAL;
	if (!name_ok(attr->map_name, name))
		return -EINVAL;
	return bpf_map_create(attr, name);
}

/* Map element commands: arrays, hashes and perf event arrays. Linux's
 * order: attr, lookup flags, the fd, the map's access from user space
 * (BPF_F_RDONLY / BPF_F_WRONLY at creation: EPERM), BPF_F_LOCK (no map
 * here has a spin lock: EINVAL), then the map's own checks. */
#define BPF_F_LOCK 4
static long map_elem(int cmd, const union bpf_attr *attr)
{
	size_t end = cmd == BPF_MAP_DELETE_ELEM ? ATTR_END(key) :
		     cmd == BPF_MAP_GET_NEXT_KEY ? ATTR_END(next_key) : ATTR_END(flags);
	if (!tail_zero(attr, end))
		return -EINVAL;
	if (cmd == BPF_MAP_LOOKUP_ELEM && (attr->flags & ~(u64)BPF_F_LOCK))
		return -EINVAL;
	struct file *f = fd_get((int)attr->map_fd);
	if (!f)
		return -EBADF;
	if (!bpf_file_is_map(f)) {
		file_put(f);
		return -EINVAL;
	}
	struct bpf_map *m = f->priv;
	bool read = cmd == BPF_MAP_LOOKUP_ELEM || cmd == BPF_MAP_GET_NEXT_KEY;
	u32 deny = read ? BPF_F_WRONLY : BPF_F_RDONLY;
	long rc;
	if (m->flags & deny) {
		file_put(f);
		return -EPERM;
	}
	if (!read && __atomic_load_n(&m->vm.frozen, __ATOMIC_ACQUIRE)) {
		file_put(f);
		return -EPERM;          /* frozen: no more writes from user space */
	}
	if (cmd != BPF_MAP_DELETE_ELEM && (attr->flags & BPF_F_LOCK)) {
		file_put(f);
		return -EINVAL;
	}
	if (m->type == BPF_MAP_TYPE_HASH) {
		rc = bpf_hash_syscall(m, cmd, attr->key, attr->value, attr->flags);
		file_put(f);
		return rc;
	}
	if (cmd == BPF_MAP_GET_NEXT_KEY) {
		rc = m->type == BPF_MAP_TYPE_ARRAY ? bpf_array_next_key(m, attr->key, attr->value)
						   : -ENOTSUPP;
		file_put(f);
		return rc;
	}
	if (m->type == BPF_MAP_TYPE_ARRAY) {
		rc = cmd == BPF_MAP_LOOKUP_ELEM ? bpf_array_lookup(m, attr->key, attr->value) :
		     cmd == BPF_MAP_UPDATE_ELEM ? bpf_array_update(m, attr->key, attr->value,
								    attr->flags)
						: -EINVAL;      /* array elements stay */
		file_put(f);
		return rc;
	}
	switch (cmd) {
	case BPF_MAP_UPDATE_ELEM:
		rc = bpf_map_update(m, attr->key, attr->value, attr->flags);
		break;
	case BPF_MAP_DELETE_ELEM:
		rc = bpf_map_delete(m, attr->key);
		break;
	default:
		/* Lookups: rings have no keys, fd arrays do not show their
		 * fds to user space. */
		rc = m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY && attr->key ? -EINVAL : -ENOTSUPP;
	}
	file_put(f);
	return rc;
}

static bool license_gpl(const char *l)
{
	return !strcmp(l, "GPL") || !strcmp(l, "Dual BSD/GPL") || !strcmp(l, "GPL v2") ||
	       !strcmp(l, "Dual MIT/GPL") || !strcmp(l, "Dual MPL/GPL") ||
	       !strcmp(l, "GPL and additional rights");
}

static long prog_load(const union bpf_attr *attr, u64 uattr, u32 size)
{
	char name[BPF_OBJ_NAME_LEN], license[128];
	if (!tail_zero(attr, ATTR_END(fd_array_cnt)))
		return -EINVAL;
	/* As Linux: at most 127 bytes are read; a longer license is cut, not
	 * refused (only a fault is EFAULT). */
	long lic = strncpy_from_user(license, attr->license, sizeof(license) - 1);
	if (lic < 0 && lic != -ENAMETOOLONG)
		return -EFAULT;
	license[sizeof(license) - 1] = 0;
	if (!name_ok(attr->prog_name, name))
		return -EINVAL;
	if (attr->insn_cnt || attr->insns)
		return bpf_prog_load_vm(attr, uattr, size, name, license_gpl(license));
	/* No instructions: a built-in handler, chosen by name. */
	if (attr->prog_type != BPF_PROG_TYPE_TRACEPOINT)
		return -EINVAL;         /* the only kind of handler there is */
	const struct bpf_handler *h = bpf_handler_find(name);
	if (!h)
		return -ENOENT;         /* no built-in handler of that name */
	if (attr->fd_array_cnt != h->nr_maps)
		return -EINVAL;
	u32 fds[BPF_PROG_MAX_MAPS];
	if (h->nr_maps && copy_from_user(fds, attr->fd_array, h->nr_maps * sizeof(u32)))
		return -EFAULT;
	struct bpf_prog *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->h = h;
	p->refs = 1;
	memcpy(p->name, name, sizeof(name));
	p->type = BPF_PROG_TYPE_TRACEPOINT;
	p->gpl = license_gpl(license);
	p->load_time = clock_ns();
	long rc = 0;
	for (unsigned int i = 0; i < h->nr_maps && !rc; i++) {
		struct file *f = fd_get((int)fds[i]);
		if (!f) {
			rc = -EBADF;
		} else if (!bpf_file_is_map(f)) {
			rc = -EINVAL;
		} else {
			p->maps[i] = f->priv;
			bpf_map_get(p->maps[i]);
			if (p->maps[i]->type != h->map_types[i])
				rc = -EINVAL;   /* the handler cannot use this map */
		}
		if (f)
			file_put(f);
	}
	if (rc) {
		bpf_prog_put(p);
		return rc;
	}
	p->id = bpf_next_id();
	return bpf_prog_install(p);
}

static long map_info(struct bpf_map *m, u64 uinfo, u32 len, u32 *out_len)
{
	struct bpf_map_info info;
	memset(&info, 0, sizeof(info));
	info.type = m->type;
	info.id = m->id;
	info.key_size = m->key_size;
	info.value_size = m->value_size;
	info.max_entries = m->max_entries;
	info.map_flags = m->flags;
	memcpy(info.name, m->name, sizeof(info.name));
	*out_len = MIN(len, (u32)sizeof(info));
	return copy_to_user(uinfo, &info, *out_len) ? -EFAULT : 0;
}

static long prog_info(struct bpf_prog *p, u64 uinfo, u32 len, u32 *out_len)
{
	struct bpf_prog_info info, in;
	memset(&info, 0, sizeof(info));
	memset(&in, 0, sizeof(in));
	*out_len = MIN(len, (u32)sizeof(info));
	if (copy_from_user(&in, uinfo, *out_len))
		return -EFAULT;
	info.type = p->type;
	info.verified_insns = p->verified_insns;
	info.btf_id = bpf_btf_obj_id(p->btf);
	info.id = p->id;
	info.load_time = p->load_time;
	info.gpl_compatible = p->gpl;
	info.run_cnt = READ_ONCE(p->run_cnt);
	memcpy(info.name, p->name, sizeof(info.name));
	/* As Linux: nr_map_ids in is the room at map_ids; out, the count. */
	u32 nr = p->h ? p->h->nr_maps : p->nr_used_maps;
	struct bpf_map *const *maps = p->h ? p->maps : p->used_maps;
	info.nr_map_ids = nr;
	info.map_ids = in.map_ids;
	for (u32 i = 0; i < MIN(in.nr_map_ids, nr); i++)
		if (copy_to_user(in.map_ids + i * sizeof(u32), &maps[i]->id, sizeof(u32)))
			return -EFAULT;
	return copy_to_user(uinfo, &info, *out_len) ? -EFAULT : 0;
}

static long obj_get_info(union bpf_attr *attr, u64 uattr)
{
	if (!tail_zero(attr, ATTR_END(info)))
		return -EINVAL;
	struct file *f = fd_get((int)attr->info.bpf_fd);
	if (!f)
		return -EBADFD;         /* sic: Linux's errno here */
	u32 len = attr->info.info_len, out_len = 0;
	size_t known = bpf_file_is_map(f) ? sizeof(struct bpf_map_info) :
		       bpf_file_is_link(f) ? sizeof(struct bpf_link_info) :
		       bpf_file_is_btf(f) ? sizeof(struct bpf_btf_info) : sizeof(struct bpf_prog_info);
	long rc = 0;
	/* Linux: not a map or program is EINVAL before the length is looked
	 * at; then more than a page is E2BIG, and a longer info than ours is
	 * fine if its tail is zero (bpf_check_uarg_tail_zero). */
	if (!bpf_file_is_map(f) && !bpf_prog_from_file(f) && !bpf_file_is_link(f) &&
	    !bpf_file_is_btf(f))
		rc = -EINVAL;
	else if (len > PAGE_BYTES)
		rc = -E2BIG;
	for (u64 i = known; i < len && !rc; i++) {
		u8 b;
		if (copy_from_user(&b, attr->info.info + i, 1))
			rc = -EFAULT;
		else if (b)
			rc = -E2BIG;
	}
	struct bpf_prog *p;
	if (rc)
		;
	else if (bpf_file_is_map(f))
		rc = map_info(f->priv, attr->info.info, len, &out_len);
	else if ((p = bpf_prog_from_file(f)))
		rc = prog_info(p, attr->info.info, len, &out_len);
	else if (bpf_file_is_link(f))
		rc = bpf_link_info(f, attr->info.info, len, &out_len);
	else if (bpf_file_is_btf(f))
		rc = bpf_btf_info(f, attr->info.info, len, &out_len);
	else
		rc = -EINVAL;
	file_put(f);
	if (!rc && copy_to_user(uattr + offsetof(union bpf_attr, info.info_len), &out_len,
				sizeof(out_len)))
		rc = -EFAULT;
	return rc;
}

SYSCALL_DEFINE(bpf)
{
	int cmd = (int)a0;
	u64 uattr = a1;
	u32 size = (u32)a2;
	union bpf_attr attr;

	if (size > PAGE_BYTES)
		return -E2BIG;
	for (u64 i = sizeof(attr); i < size; i += 8) {
		u8 chunk[8] = { 0 };
		u64 n = MIN(8ul, size - i);
		if (copy_from_user(chunk, uattr + i, n))
			return -EFAULT;
		for (u64 j = 0; j < n; j++)
			if (chunk[j])
				return -E2BIG;
	}
	memset(&attr, 0, sizeof(attr));
	if (copy_from_user(&attr, uattr, MIN(size, (u32)sizeof(attr))))
		return -EFAULT;
	switch (cmd) {
	case BPF_MAP_CREATE:
		return map_create(&attr);
	case BPF_MAP_LOOKUP_ELEM:
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
		return map_elem(cmd, &attr);
	case BPF_PROG_LOAD:
		return prog_load(&attr, uattr, size);
	case BPF_OBJ_GET_INFO_BY_FD:
		return obj_get_info(&attr, uattr);
	case BPF_MAP_FREEZE: {
		if (!tail_zero(&attr, ATTR_END(map_fd)))
			return -EINVAL;
		struct file *f = fd_get((int)attr.map_fd);
		long rc = !f ? -EBADF : !bpf_file_is_map(f) ? -EINVAL :
			  ((struct bpf_map *)f->priv)->flags & BPF_F_RDONLY ? -EPERM :
			  bpf_map_freeze(f->priv);
		if (f)
			file_put(f);
		return rc;
	}
	case BPF_BTF_LOAD:
		if (!tail_zero(&attr, ATTR_END(btf_token_fd)))
			return -EINVAL;
		return bpf_btf_load(&attr);
	case BPF_LINK_CREATE:
		if (!tail_zero(&attr, ATTR_END(link_create)))
			return -EINVAL;
		return bpf_link_create(&attr);
	default:
		return -EINVAL;
	}
}
