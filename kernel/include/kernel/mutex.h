/* Sleeping locks for process context: a thread that finds the mutex held
 * blocks instead of spinning, so it may be held across work that
 * allocates, waits for other CPUs or sleeps. Never from interrupt or NMI
 * context, never while holding a spinlock. */
#pragma once
#include <lib/types.h>
#include <kernel/sched.h>

struct thread;

struct mutex {
	struct thread *owner;           /* NULL: free */
	struct waitq wait;              /* threads waiting for it */
};

#define MUTEX_INIT(m, n) { NULL, WAITQ_INIT((m).wait, n) }

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/* Held by the current thread (for assertions). */
bool mutex_held(const struct mutex *m);
