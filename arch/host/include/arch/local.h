/* CPU-local atomics for host builds: same names as the kernel's
 * arch/x86_64/include/arch/local.h.
 *
 * On the host a thread stands for a CPU and a signal handler for an
 * interrupt or NMI on it. On x86_64 the kernel's unlocked instructions have
 * exactly that guarantee (one instruction cannot be split by a signal), so
 * the host uses them too and the benchmark measures the kernel's code.
 * Under TSan, or on another host CPU, the GCC __atomic builtins are used
 * instead: stronger than needed, but visible to the race detector.
 */
#pragma once
#include <lib/types.h>
#include <arch/barrier.h>

typedef struct {
	unsigned long v;
} local_t;

#define LOCAL_INIT(i) { (i) }

#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)

static inline unsigned long local_read(const local_t *l) { return *(const volatile unsigned long *)&l->v; }
static inline void local_set(local_t *l, unsigned long i) { *(volatile unsigned long *)&l->v = i; }

static inline void local_add(unsigned long i, local_t *l)
{
	__asm__ __volatile__("addq %1, %0" : "+m"(l->v) : "er"(i));
}

static inline void local_sub(unsigned long i, local_t *l)
{
	__asm__ __volatile__("subq %1, %0" : "+m"(l->v) : "er"(i));
}

static inline void local_inc(local_t *l) { __asm__ __volatile__("incq %0" : "+m"(l->v)); }

static inline unsigned long local_inc_return(local_t *l)
{
	unsigned long r = 1;
	__asm__ __volatile__("xaddq %0, %1" : "+r"(r), "+m"(l->v));
	return r + 1;
}

static inline bool local_try_cmpxchg(local_t *l, unsigned long *old, unsigned long n)
{
	bool ok;
	__asm__ __volatile__("cmpxchgq %3, %1"
			     : "=@ccz"(ok), "+m"(l->v), "+a"(*old)
			     : "r"(n)
			     : "memory");
	return ok;
}

static inline unsigned long local_xchg(local_t *l, unsigned long n)
{
	__asm__ __volatile__("xchgq %0, %1" : "+r"(n), "+m"(l->v) : : "memory");
	return n;
}

#else /* portable: __atomic builtins */

static inline unsigned long local_read(const local_t *l) { return __atomic_load_n(&l->v, __ATOMIC_RELAXED); }
static inline void local_set(local_t *l, unsigned long i) { __atomic_store_n(&l->v, i, __ATOMIC_RELAXED); }
static inline void local_add(unsigned long i, local_t *l) { __atomic_fetch_add(&l->v, i, __ATOMIC_RELAXED); }
static inline void local_sub(unsigned long i, local_t *l) { __atomic_fetch_sub(&l->v, i, __ATOMIC_RELAXED); }
static inline void local_inc(local_t *l) { __atomic_fetch_add(&l->v, 1, __ATOMIC_RELAXED); }
static inline unsigned long local_inc_return(local_t *l) { return __atomic_add_fetch(&l->v, 1, __ATOMIC_RELAXED); }

static inline bool local_try_cmpxchg(local_t *l, unsigned long *old, unsigned long n)
{
	bool ok = __atomic_compare_exchange_n(&l->v, old, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	barrier();  /* the kernel version is a compiler barrier; keep that */
	return ok;
}

static inline unsigned long local_xchg(local_t *l, unsigned long n)
{
	unsigned long r = __atomic_exchange_n(&l->v, n, __ATOMIC_RELAXED);
	barrier();
	return r;
}

#endif

/* Barrier (A) of the perf ring buffer. The C11 model has no ordering by
 * control dependency, so the host uses an acquire load: what the kernel
 * gets from the branch, stated in a form the compiler and TSan honour. */
#define READ_ONCE_CTRL(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
