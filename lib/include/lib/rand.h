/* Small deterministic PRNG (xorshift64*) for tests and fuzzers: the same
 * seed gives the same sequence on every build and machine. */
#pragma once
#include <lib/types.h>

struct rng {
	u64 s;
};

static inline void rng_seed(struct rng *r, u64 seed) { r->s = seed ? seed : 0x9e3779b97f4a7c15ull; }

static inline u64 rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n) (n > 0; the tiny modulo bias is irrelevant here). */
static inline u64 rng_below(struct rng *r, u64 n) { return rng_next(r) % n; }
