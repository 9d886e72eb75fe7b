/* Memory-ordering primitives for x86_64 (kernel build).
 *
 * x86_64 is TSO: loads are not reordered with older loads, stores are not
 * reordered with older stores, and stores are not reordered with older loads.
 * Only a store followed by a load of another location may be reordered.
 * So:
 *   smp_rmb()  load->load     : a compiler barrier is enough.
 *   smp_wmb()  store->store   : a compiler barrier is enough.
 *   smp_mb()   store->load too: needs a serialising locked instruction; a
 *                                locked add of zero to the stack top is
 *                                cheaper than MFENCE and orders normal WB
 *                                memory the same way.
 *   acquire / release          : plain MOVs plus a compiler barrier.
 * The pairing of these barriers in the perf ring buffer is documented at
 * the top of kernel/events/ring_buffer.c; this header only says what they
 * cost on this CPU.
 * The host build (arch/host) defines the same names with C11 atomics, so
 * the ring buffer core is compiled unchanged on any host.
 */
#pragma once

#define barrier() __asm__ __volatile__("" ::: "memory")

#define smp_mb()  __asm__ __volatile__("lock addl $0,-4(%%rsp)" ::: "memory", "cc")
#define smp_rmb() barrier()
#define smp_wmb() barrier()

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define smp_load_acquire(p)                                  \
	({                                                   \
		__typeof__(*(p)) ___v = READ_ONCE(*(p));     \
		barrier();                                   \
		___v;                                        \
	})
#define smp_store_release(p, v)       \
	do {                          \
		barrier();            \
		WRITE_ONCE(*(p), (v)); \
	} while (0)

static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
