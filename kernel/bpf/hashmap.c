/* BPF_MAP_TYPE_HASH: up to max_entries key/value pairs. Elements are
 * allocated with the map (Linux's default, preallocated) and recycled
 * through a free list, so a value pointer a program got from
 * bpf_map_lookup_elem always points into the map's memory, even if user
 * space deletes the element meanwhile (then it may be reused, as on
 * Linux). One IRQ-safe lock per map guards buckets and free list; programs
 * run from syscall tracepoints, never NMI, so they may take it. Errnos are
 * Linux's: EEXIST (BPF_NOEXIST), ENOENT (BPF_EXIST, lookups, deletes,
 * the last key), E2BIG (full). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/heap.h>
#include <kernel/spinlock.h>
#include <kernel/usermem.h>
#include "bpf.h"

#define HTAB_MAX_BYTES (64u << 20)

struct helem {
	struct helem *next;             /* bucket chain, or free list */
	u32 hash;
	u8 data[];                      /* key, padded to 8, then value */
};

struct bpf_htab {
	spinlock_t lock;
	u32 nbuckets, count;
	u32 key_size, value_size, elem_size;
	struct helem **buckets;
	struct helem *free;
	u8 *pool;
};

static u32 hash_bytes(const u8 *k, u32 n)
{
	u32 h = 2166136261u;            /* FNV-1a */
	for (u32 i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static u8 *elem_value(const struct bpf_htab *t, struct helem *e)
{
	return e->data + ((t->key_size + 7) & ~7u);
}

long bpf_hash_check(const union bpf_attr *attr)
{
	u32 ok = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY |
		 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
	if (!attr->key_size || !attr->value_size || !attr->max_entries ||
	    (attr->map_flags & ~ok) || attr->map_extra)
		return -EINVAL;
	if ((attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node)
		return -EINVAL;
	if (attr->key_size > 512 || attr->value_size > (1u << 20))
		return -E2BIG;
	u64 elem = sizeof(struct helem) + ((attr->key_size + 7) & ~7u) +
		   ((attr->value_size + 7) & ~7u);
	if (elem * attr->max_entries > HTAB_MAX_BYTES)
		return -E2BIG;
	return 0;
}

long bpf_hash_alloc(struct bpf_map *m)
{
	struct bpf_htab *t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	m->vm.htab = t;
	spin_lock_init(&t->lock, "bpf-htab");
	t->key_size = m->key_size;
	t->value_size = m->value_size;
	t->elem_size = sizeof(struct helem) + ((m->key_size + 7) & ~7u) +
		       ((m->value_size + 7) & ~7u);
	t->nbuckets = 1;
	while (t->nbuckets < m->max_entries && t->nbuckets < (1u << 20))
		t->nbuckets <<= 1;
	t->buckets = kzalloc(t->nbuckets * sizeof(*t->buckets));
	t->pool = kzalloc((size_t)t->elem_size * m->max_entries);
	if (!t->buckets || !t->pool)
		return -ENOMEM;
	for (u32 i = m->max_entries; i-- > 0;) {
		struct helem *e = (struct helem *)(t->pool + (size_t)i * t->elem_size);
		e->next = t->free;
		t->free = e;
	}
	return 0;
}

void bpf_hash_free(struct bpf_map *m)
{
	struct bpf_htab *t = m->vm.htab;
	if (!t)
		return;
	kfree(t->buckets);
	kfree(t->pool);
	kfree(t);
}

/* Under t->lock: the element with key, and where its link is. */
static struct helem **find(struct bpf_htab *t, const void *key, u32 h)
{
	struct helem **pp = &t->buckets[h & (t->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && !memcmp((*pp)->data, key, t->key_size))
			return pp;
	return NULL;
}

/* The kernel side, for helpers and the syscalls (key and value in kernel
 * memory). */
void *bpf_hash_lookup(struct bpf_map *m, const void *key)
{
	struct bpf_htab *t = m->vm.htab;
	u32 h = hash_bytes(key, t->key_size);
	irqflags_t fl = spin_lock_irqsave(&t->lock);
	struct helem **pp = find(t, key, h);
	void *v = pp ? elem_value(t, *pp) : NULL;
	spin_unlock_irqrestore(&t->lock, fl);
	return v;
}

long bpf_hash_update(struct bpf_map *m, const void *key, const void *value, u64 flags)
{
	struct bpf_htab *t = m->vm.htab;
	if (flags > BPF_EXIST)
		return -EINVAL;
	u32 h = hash_bytes(key, t->key_size);
	long rc = 0;
	irqflags_t fl = spin_lock_irqsave(&t->lock);
	struct helem **pp = find(t, key, h);
	if (pp && flags == BPF_NOEXIST) {
		rc = -EEXIST;
	} else if (!pp && flags == BPF_EXIST) {
		rc = -ENOENT;
	} else if (pp) {
		memcpy(elem_value(t, *pp), value, t->value_size);
	} else if (!t->free) {
		rc = -E2BIG;
	} else {
		struct helem *e = t->free;
		t->free = e->next;
		e->hash = h;
		memcpy(e->data, key, t->key_size);
		memcpy(elem_value(t, e), value, t->value_size);
		e->next = t->buckets[h & (t->nbuckets - 1)];
		t->buckets[h & (t->nbuckets - 1)] = e;
		t->count++;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return rc;
}

long bpf_hash_delete(struct bpf_map *m, const void *key)
{
	struct bpf_htab *t = m->vm.htab;
	u32 h = hash_bytes(key, t->key_size);
	long rc = 0;
	irqflags_t fl = spin_lock_irqsave(&t->lock);
	struct helem **pp = find(t, key, h);
	if (pp) {
		struct helem *e = *pp;
		*pp = e->next;
		e->next = t->free;
		t->free = e;
		t->count--;
	} else {
		rc = -ENOENT;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return rc;
}

/* BPF_MAP_GET_NEXT_KEY: the key after key in bucket order; the first key
 * when key is NULL or not in the map; ENOENT after the last. */
long bpf_hash_next_key(struct bpf_map *m, const void *key, void *next)
{
	struct bpf_htab *t = m->vm.htab;
	long rc = -ENOENT;
	irqflags_t fl = spin_lock_irqsave(&t->lock);
	u32 b = 0;
	struct helem *e = NULL;
	if (key) {
		u32 h = hash_bytes(key, t->key_size);
		struct helem **pp = find(t, key, h);
		if (pp) {
			e = (*pp)->next;
			b = (h & (t->nbuckets - 1)) + 1;
		}
	}
	while (!e && b < t->nbuckets)
		e = t->buckets[b++];
	if (e) {
		memcpy(next, e->data, t->key_size);
		rc = 0;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return rc;
}

/* --- bpf(2) element commands: bounce buffers for user memory -------------- */

long bpf_hash_syscall(struct bpf_map *m, int cmd, u64 ukey, u64 uvalue, u64 flags)
{
	size_t ksz = m->key_size, vsz = m->value_size;
	u8 *buf = kmalloc(2 * ksz + vsz);
	long rc = 0;
	if (!buf)
		return -ENOMEM;
	u8 *key = buf, *val = buf + ksz, *next = buf + ksz + vsz;
	bool have_key = !(cmd == BPF_MAP_GET_NEXT_KEY && !ukey);
	if (have_key && copy_from_user(key, ukey, ksz)) {
		rc = -EFAULT;
		goto out;
	}
	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM: {
		/* copied under no lock: a concurrent update may tear the value,
		 * as Linux's lookups without BPF_F_LOCK may */
		void *v = bpf_hash_lookup(m, key);
		if (!v)
			rc = -ENOENT;
		else if (copy_to_user(uvalue, v, vsz))
			rc = -EFAULT;
		break;
	}
	case BPF_MAP_UPDATE_ELEM:
		if (copy_from_user(val, uvalue, vsz))
			rc = -EFAULT;
		else
			rc = bpf_hash_update(m, key, val, flags);
		break;
	case BPF_MAP_DELETE_ELEM:
		rc = bpf_hash_delete(m, key);
		break;
	default:        /* BPF_MAP_GET_NEXT_KEY */
		rc = bpf_hash_next_key(m, have_key ? key : NULL, next);
		if (!rc && copy_to_user(uvalue, next, ksz))
			rc = -EFAULT;
	}
out:
	kfree(buf);
	return rc;
}
