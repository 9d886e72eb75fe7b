/* Host build: a thread cannot be preempted into another writer of the same
 * buffer except by a signal handler, which the nest counter already covers,
 * so preemption control is only a compiler barrier. */
#pragma once
#include <arch/barrier.h>

static inline void preempt_disable(void) { barrier(); }
static inline void preempt_enable(void) { barrier(); }
static inline int in_nmi(void) { return 0; }
