/* Expands bpf_uapi_list.h into BPF_UAPI_TABLE_FN against whichever bpf.h
 * the including file pulled in. */
#include <stddef.h>
#include "bpf_uapi.h"

size_t BPF_UAPI_TABLE_FN(struct uapi_item *out, size_t max)
{
	size_t n = 0;
#define ADD(nm, v)                                     \
	do {                                           \
		if (n < max) {                         \
			out[n].name = (nm);            \
			out[n].value = (long long)(v); \
		}                                      \
		n++;                                   \
	} while (0)
#define U_SIZE(T) ADD("sizeof(" #T ")", sizeof(T));
#define U_FIELD(T, f)                                                \
	{                                                            \
		T x_;                                                \
		ADD("offsetof(" #T ", " #f ")", offsetof(T, f));     \
		ADD("sizeof(" #T "." #f ")", sizeof(x_.f));          \
	}
#define U_CONST(...) ADD(#__VA_ARGS__, (__VA_ARGS__));
#include "bpf_uapi_list.h"
	return n;
}
