/* Fixed-width types of the Linux user ABI (x86_64), for headers shared with
 * user space. musl ships no linux/ headers, so Ringtail provides the few it
 * needs. The guard name matches Linux's so that, where both are on the
 * include path, whichever comes first wins instead of clashing.
 * 64-bit types are long long, as in Linux's int-ll64 convention, so format
 * strings written against Linux headers stay correct. */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef signed short __s16;
typedef unsigned int __u32;
typedef signed int __s32;
typedef unsigned long long __u64;
typedef signed long long __s64;

#define __aligned_u64 __u64 __attribute__((aligned(8)))

#endif /* _LINUX_TYPES_H */
