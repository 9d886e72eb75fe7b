/* CPU-local atomics (kernel build, x86_64), used by the perf ring buffer.
 *
 * A local_t is only ever modified by the CPU that owns it, but an interrupt
 * or NMI on that CPU may modify it between two instructions of the
 * interrupted code. A single read-modify-write instruction cannot be split
 * by an interrupt, so no LOCK prefix is needed: that is the whole point of
 * local_t, and it makes cmpxchg several times cheaper than the locked form.
 * Other CPUs may read a local_t (aligned 64-bit loads are atomic) but must
 * never write it.
 * cmpxchg and xchg clobber "memory": callers rely on them as compiler
 * barriers (no data store may be hoisted above a reservation).
 * The host build (arch/host) defines the same names.
 */
#pragma once
#include <lib/types.h>
#include <arch/barrier.h>

typedef struct {
	unsigned long v;
} local_t;

#define LOCAL_INIT(i) { (i) }

static inline unsigned long local_read(const local_t *l) { return READ_ONCE(l->v); }
static inline void local_set(local_t *l, unsigned long i) { WRITE_ONCE(l->v, i); }

static inline void local_add(unsigned long i, local_t *l)
{
	__asm__ __volatile__("addq %1, %0" : "+m"(l->v) : "er"(i));
}

static inline void local_sub(unsigned long i, local_t *l)
{
	__asm__ __volatile__("subq %1, %0" : "+m"(l->v) : "er"(i));
}

static inline void local_inc(local_t *l) { __asm__ __volatile__("incq %0" : "+m"(l->v)); }

/* Returns the new value. */
static inline unsigned long local_inc_return(local_t *l)
{
	unsigned long r = 1;
	__asm__ __volatile__("xaddq %0, %1" : "+r"(r), "+m"(l->v));
	return r + 1;
}

/* Stores n if *l == *old and returns true; otherwise loads *l into *old. */
static inline bool local_try_cmpxchg(local_t *l, unsigned long *old, unsigned long n)
{
	bool ok;
	__asm__ __volatile__("cmpxchgq %3, %1"
			     : "=@ccz"(ok), "+m"(l->v), "+a"(*old)
			     : "r"(n)
			     : "memory");
	return ok;
}

/* xchg with memory is always locked on x86; it is only used on the rare
 * LOST path, so the cost does not matter. */
static inline unsigned long local_xchg(local_t *l, unsigned long n)
{
	__asm__ __volatile__("xchgq %0, %1" : "+r"(n), "+m"(l->v) : : "memory");
	return n;
}

/* Barrier (A) of the perf ring buffer: a load whose value decides, through
 * a branch, whether later stores happen. On x86 loads are never reordered
 * with later stores, so a plain load is enough. */
#define READ_ONCE_CTRL(x) READ_ONCE(x)
