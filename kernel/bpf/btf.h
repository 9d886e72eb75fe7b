/* BTF (BPF Type Format) as BPF_BTF_LOAD takes it: checked once, then read
 * by the verifier (func_info linkage, line info text for the log) and by
 * map creation (value type sizes). Plain freestanding C, like the rest of
 * the BPF core; the kernel keeps the blob and this index in its BTF
 * object (kernel/bpf/btf_obj.c). */
#pragma once
#include <lib/types.h>
#include <linux/btf.h>

struct bpf_btf {
	const u8 *data;                 /* the whole blob, owned by the caller */
	u32 size;
	struct btf_header hdr;
	const char *strs;
	u32 str_len;
	u32 nr_types;                   /* ids 1..nr_types */
	u32 *type_off;                  /* [id]: byte offset of the type record */
};

/* Check the blob (Linux's rules for the header, the string section and
 * each type record) and build the index: 0, or -EINVAL / -ENOTSUPP /
 * -E2BIG / -ENOMEM with one line in err (at least 96 bytes). Free the
 * index with bpf_btf_release. */
int bpf_btf_parse(struct bpf_btf *b, const void *data, u32 size, char *err, size_t err_size);
void bpf_btf_release(struct bpf_btf *b);

/* Type id's record; NULL for 0 (void) or an id out of range. */
const struct btf_type *bpf_btf_type(const struct bpf_btf *b, u32 id);
/* The string at off, "" if off is out of range. */
const char *bpf_btf_str(const struct bpf_btf *b, u32 off);
/* The byte size of type id through typedefs, qualifiers and arrays:
 * true and *size, or false for a type without one (void, functions). */
bool bpf_btf_type_size(const struct bpf_btf *b, u32 id, u32 *size);
