/* Futexes: wait queues keyed by a user address. */
#pragma once
#include <lib/types.h>

struct mm;
/* Wake up to n waiters on (mm, uaddr); returns how many. */
int futex_wake_addr(struct mm *mm, u64 uaddr, int n);
