/* Expands rb_uapi_list.h into a function UAPI_TABLE_FN against whichever
 * perf_event.h the including file pulled in. */
#include <string.h>
#include "rb_uapi.h"

static int uapi_first_bit(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n * 8; i++)
		if (p[i / 8] & (1u << (i % 8)))
			return (int)i;
	return -1;
}

static int uapi_bit_count(const unsigned char *p, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += __builtin_popcount(p[i]);
	return c;
}

size_t UAPI_TABLE_FN(struct uapi_item *out, size_t max)
{
	size_t n = 0;
#define ADD(nm, v)                                         \
	do {                                               \
		if (n < max) {                             \
			out[n].name = (nm);                \
			out[n].value = (long long)(v);     \
		}                                          \
		n++;                                       \
	} while (0)
#define U_SIZE(T) ADD("sizeof(" #T ")", sizeof(T));
#define U_SIGNED(T) ADD("signed(" #T ")", (T)-1 < 0);
#define U_FIELD(T, f)                                                    \
	{                                                                \
		T x_;                                                    \
		ADD("offsetof(" #T ", " #f ")", offsetof(T, f));         \
		ADD("sizeof(" #T "." #f ")", sizeof(x_.f));              \
		ADD("signed(" #T "." #f ")", (__typeof__(x_.f))-1 < 0);  \
	}
#define U_ARRAY(T, f)                                            \
	{                                                        \
		T x_;                                            \
		ADD("offsetof(" #T ", " #f ")", offsetof(T, f)); \
		ADD("sizeof(" #T "." #f ")", sizeof(x_.f));      \
	}
#define U_BIT(T, f)                                                            \
	{                                                                      \
		T x_;                                                          \
		memset(&x_, 0, sizeof(x_));                                    \
		x_.f = 1;                                                      \
		ADD("bitpos(" #T "." #f ")", uapi_first_bit((void *)&x_, sizeof(x_))); \
		memset(&x_, 0, sizeof(x_));                                    \
		x_.f--;                                                        \
		ADD("bitwidth(" #T "." #f ")", uapi_bit_count((void *)&x_, sizeof(x_))); \
	}
#define U_CONST(...) ADD(#__VA_ARGS__, (__VA_ARGS__));
#include "rb_uapi_list.h"
	return n;
}
