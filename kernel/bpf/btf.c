/* BTF checking and lookup; see btf.h. The checks follow Linux's
 * (kernel/bpf/btf.c): the header and its sections, the string section's
 * NUL framing, every type record's kind, size and vlen, names inside the
 * string section, type ids that exist, and the per-kind rules a loader
 * relies on (integer encodings, function linkage, variables in sections).
 * Error texts are Linux's where it has one. */
#include <lib/errno.h>
#include <lib/fmt.h>
#include "btf.h"
#include "verifier.h"


static int fail(char *err, size_t n, int rc, const char *msg)
{
	fmt_snprintf(err, n, "%s", msg);
	return rc;
}

/* Bytes of kind-specific data after a type record. */
static long extra_size(const struct btf_type *t)
{
	u32 vlen = BTF_INFO_VLEN(t->info);
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	}
	return -1;
}

static bool name_ok(const struct bpf_btf *b, u32 off, bool may_be_empty)
{
	if (off >= b->str_len)
		return false;
	return may_be_empty || b->strs[off];
}

static u32 rd32(const u8 *p)
{
	u32 v;
	__builtin_memcpy(&v, p, 4);
	return v;
}

/* Per-kind rules, after the ids are known. */
static int check_type(const struct bpf_btf *b, const struct btf_type *t, char *err, size_t n)
{
	const u8 *extra = (const u8 *)(t + 1);
	u32 kind = BTF_INFO_KIND(t->info), vlen = BTF_INFO_VLEN(t->info);
	bool named = false, anon_ok = true;

	if (t->info & 0x60ff0000u)
		return fail(err, n, -EINVAL, "Invalid btf_info");
	switch (kind) {
	case BTF_KIND_INT: {
		u32 enc = rd32(extra);
		if (vlen || BTF_INFO_KFLAG(t->info))
			return fail(err, n, -EINVAL, "vlen != 0");
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8 && t->size != 16)
			return fail(err, n, -EINVAL, "Invalid int_data");
		if (BTF_INT_BITS(enc) > 128 || BTF_INT_OFFSET(enc) + BTF_INT_BITS(enc) > t->size * 8)
			return fail(err, n, -EINVAL, "nr_bits exceeds type_size");
		if (enc & 0xf0000000u || (BTF_INT_ENCODING(enc) & ~7u))
			return fail(err, n, -ENOTSUPP, "Unsupported encoding");
		named = true;
		anon_ok = false;
		break;
	}
	case BTF_KIND_FLOAT:
		if (t->size != 2 && t->size != 4 && t->size != 8 && t->size != 12 && t->size != 16)
			return fail(err, n, -EINVAL, "Invalid type_size");
		named = true;
		anon_ok = false;
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
		if (vlen || BTF_INFO_KFLAG(t->info) || t->name_off)
			return fail(err, n, -EINVAL, "Invalid name");
		if (t->type > b->nr_types)
			return fail(err, n, -EINVAL, "Invalid type_id");
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_TYPE_TAG:
		if (t->type > b->nr_types)
			return fail(err, n, -EINVAL, "Invalid type_id");
		named = true;
		anon_ok = false;
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const void *)extra;
		if (t->name_off || vlen || t->size)
			return fail(err, n, -EINVAL, "Invalid array");
		if (a->type > b->nr_types || !a->index_type || a->index_type > b->nr_types)
			return fail(err, n, -EINVAL, "Invalid elem");
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = (const void *)extra;
		for (u32 i = 0; i < vlen; i++) {
			if (!name_ok(b, m[i].name_off, true))
				return fail(err, n, -EINVAL, "Invalid member name");
			if (!m[i].type || m[i].type > b->nr_types)
				return fail(err, n, -EINVAL, "Invalid member");
		}
		named = true;
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return fail(err, n, -EINVAL, "Unexpected size");
		named = true;
		break;
	case BTF_KIND_FWD:
		if (vlen || t->type)
			return fail(err, n, -EINVAL, "type != 0");
		named = true;
		anon_ok = false;
		break;
	case BTF_KIND_FUNC: {
		const struct btf_type *p = bpf_btf_type(b, t->type);
		if (vlen > BTF_FUNC_EXTERN || BTF_INFO_KFLAG(t->info))
			return fail(err, n, -EINVAL, "Invalid func linkage");
		if (!p || BTF_INFO_KIND(p->info) != BTF_KIND_FUNC_PROTO)
			return fail(err, n, -EINVAL, "Invalid type_id");
		named = true;
		anon_ok = false;
		break;
	}
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = (const void *)extra;
		if (t->name_off)
			return fail(err, n, -EINVAL, "Invalid name");
		if (t->type > b->nr_types)
			return fail(err, n, -EINVAL, "Invalid return type");
		for (u32 i = 0; i < vlen; i++) {
			if (p[i].type > b->nr_types || !name_ok(b, p[i].name_off, true))
				return fail(err, n, -EINVAL, "Invalid arg");
			if (!p[i].type && i != vlen - 1)
				return fail(err, n, -EINVAL, "Invalid arg#");
		}
		break;
	}
	case BTF_KIND_VAR:
		if (vlen || !t->type || t->type > b->nr_types || rd32(extra) > BTF_VAR_GLOBAL_EXTERN)
			return fail(err, n, -EINVAL, "Invalid var");
		named = true;
		anon_ok = false;
		break;
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = (const void *)extra;
		for (u32 i = 0; i < vlen; i++) {
			const struct btf_type *vt = bpf_btf_type(b, v[i].type);
			if (!vt || (BTF_INFO_KIND(vt->info) != BTF_KIND_VAR &&
				    BTF_INFO_KIND(vt->info) != BTF_KIND_FUNC))
				return fail(err, n, -EINVAL, "Not a VAR kind member");
			if (v[i].size == 0 || v[i].offset + (u64)v[i].size > t->size)
				return fail(err, n, -EINVAL, "Invalid offset+size");
		}
		named = true;
		anon_ok = false;
		break;
	}
	case BTF_KIND_DECL_TAG:
		if (vlen || !t->type || t->type > b->nr_types || (s32)rd32(extra) < -1)
			return fail(err, n, -EINVAL, "Invalid decl_tag");
		named = true;
		anon_ok = false;
		break;
	}
	if (named ? !name_ok(b, t->name_off, anon_ok) : t->name_off)
		return fail(err, n, -EINVAL, "Invalid name");
	return 0;
}

int bpf_btf_parse(struct bpf_btf *b, const void *data, u32 size, char *err, size_t n)
{
	const u8 *p = data;
	__builtin_memset(b, 0, sizeof(*b));
	b->data = p;
	b->size = size;
	if (size < 8)
		return fail(err, n, -EINVAL, "hdr_len not found");
	__builtin_memcpy(&b->hdr, p, sizeof(b->hdr) < size ? sizeof(b->hdr) : size);
	const struct btf_header *h = &b->hdr;
	if (h->magic != BTF_MAGIC)
		return fail(err, n, -EINVAL, "Invalid magic");
	if (h->version != BTF_VERSION)
		return fail(err, n, -ENOTSUPP, "Unsupported version");
	if (h->flags)
		return fail(err, n, -ENOTSUPP, "Unsupported flags");
	if (h->hdr_len < sizeof(*h) || h->hdr_len > size)
		return fail(err, n, -EINVAL, h->hdr_len < sizeof(*h) ? "btf_header not found"
								     : "hdr_len not found");
	for (u32 i = sizeof(*h); i < h->hdr_len; i++)
		if (p[i])
			return fail(err, n, -E2BIG, "Unsupported btf_header");
	u64 body = size - h->hdr_len;
	if (body == 0)
		return fail(err, n, -EINVAL, "No data");
	if (h->type_off & 3)
		return fail(err, n, -EINVAL, "Unaligned type_off");
	if ((u64)h->type_off + h->type_len > body || (u64)h->str_off + h->str_len > body)
		return fail(err, n, -EINVAL, "Total section length too long");
	/* The two sections, in offset order, must tile the body exactly. */
	u64 a_off = h->type_off, a_end = a_off + h->type_len;
	u64 b_off = h->str_off, b_end = b_off + h->str_len;
	if (b_off < a_off) {
		u64 t0 = a_off, t1 = a_end;
		a_off = b_off, a_end = b_end, b_off = t0, b_end = t1;
	}
	if (a_end > b_off)
		return fail(err, n, -EINVAL, "Section overlap found");
	if (a_off != 0 || a_end != b_off)
		return fail(err, n, -EINVAL, "Invalid section offset");
	if (b_end != body)
		return fail(err, n, -EINVAL, "Unsupported section found");
	b->strs = (const char *)p + h->hdr_len + h->str_off;
	b->str_len = h->str_len;
	if (!b->str_len || b->strs[0] || b->strs[b->str_len - 1] ||
	    b->str_len > BTF_MAX_NAME_OFFSET)
		return fail(err, n, -EINVAL, "Invalid string section");

	/* Pass 1: walk the records to count them and find each one. */
	const u8 *types = p + h->hdr_len + h->type_off;
	u32 off = 0, count = 0;
	while (off < h->type_len) {
		if (h->type_len - off < sizeof(struct btf_type))
			return fail(err, n, -EINVAL, "Truncated type");
		const struct btf_type *t = (const void *)(types + off);
		long extra = extra_size(t);
		if (extra < 0)
			return fail(err, n, -EINVAL, "Invalid kind");
		if ((u64)off + sizeof(*t) + extra > h->type_len)
			return fail(err, n, -EINVAL, "Truncated type");
		off += sizeof(*t) + (u32)extra;
		if (++count > BTF_MAX_TYPE)
			return fail(err, n, -E2BIG, "Exceeded max num of types");
	}
	b->nr_types = count;
	b->type_off = bpf_core_zalloc(((size_t)count + 1) * sizeof(u32));
	if (!b->type_off)
		return fail(err, n, -ENOMEM, "out of memory");
	off = 0;
	for (u32 id = 1; id <= count; id++) {
		const struct btf_type *t = (const void *)(types + off);
		b->type_off[id] = h->hdr_len + h->type_off + off;
		off += sizeof(*t) + (u32)extra_size(t);
	}
	/* Pass 2: each record's own rules. */
	for (u32 id = 1; id <= count; id++) {
		int rc = check_type(b, bpf_btf_type(b, id), err, n);
		if (rc) {
			char msg[64];
			fmt_snprintf(msg, sizeof(msg), "[%u] %s", id, err);
			fmt_snprintf(err, n, "%s", msg);
			bpf_btf_release(b);
			return rc;
		}
	}
	return 0;
}

void bpf_btf_release(struct bpf_btf *b)
{
	bpf_core_free(b->type_off);
	b->type_off = NULL;
	b->nr_types = 0;
}

const struct btf_type *bpf_btf_type(const struct bpf_btf *b, u32 id)
{
	if (!b || !id || id > b->nr_types)
		return NULL;
	return (const struct btf_type *)(b->data + b->type_off[id]);
}

const char *bpf_btf_str(const struct bpf_btf *b, u32 off)
{
	return b && off < b->str_len ? b->strs + off : "";
}

bool bpf_btf_type_size(const struct bpf_btf *b, u32 id, u32 *size)
{
	u64 mult = 1;
	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *t = bpf_btf_type(b, id);
		if (!t)
			return false;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_DATASEC:
		case BTF_KIND_FLOAT:
			if (mult * t->size > UINT32_MAX)
				return false;
			*size = (u32)(mult * t->size);
			return true;
		case BTF_KIND_PTR:
			*size = (u32)(mult * 8);
			return true;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
		case BTF_KIND_VAR:
			id = t->type;
			break;
		case BTF_KIND_ARRAY: {
			const struct btf_array *a = (const void *)(t + 1);
			mult *= a->nelems;
			if (mult > UINT32_MAX)
				return false;
			id = a->type;
			break;
		}
		default:
			return false;
		}
	}
	return false;
}
