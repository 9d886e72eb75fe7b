/* Sleeping mutexes (kernel/mutex.h). The owner word is the lock; the wait
 * queue only parks threads. A locker queues itself (BLOCKED) before it
 * tries the owner word, so an unlock that happens after a failed try finds
 * it queued and wakes it: no wakeup is lost between trying and sleeping. */
#include <kernel/mutex.h>
#include <kernel/panic.h>
#include <kernel/thread.h>

void mutex_init(struct mutex *m, const char *name)
{
	m->owner = NULL;
	waitq_init(&m->wait, name);
}

static bool try_own(struct mutex *m, struct thread *self)
{
	struct thread *expect = NULL;
	return __atomic_compare_exchange_n(&m->owner, &expect, self, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_RELAXED);
}

bool mutex_trylock(struct mutex *m)
{
	return try_own(m, current_thread());
}

void mutex_lock(struct mutex *m)
{
	struct thread *self = current_thread();
	if (READ_ONCE(m->owner) == self)
		panic("mutex %s: recursive lock", m->wait.lock.name);
	if (try_own(m, self))
		return;
	for (;;) {
		struct waiter w;
		waitq_add(&m->wait, &w);        /* BLOCKED from here on */
		if (try_own(m, self)) {
			waitq_remove(&m->wait, &w);
			return;
		}
		schedule();
		waitq_remove(&m->wait, &w);
	}
}

void mutex_unlock(struct mutex *m)
{
	if (READ_ONCE(m->owner) != current_thread())
		panic("mutex %s: unlocked by a thread that does not hold it", m->wait.lock.name);
	/* Released before the wakeup: the woken thread (or anyone faster)
	 * finds it free. Pairs with try_own's compare-exchange. */
	__atomic_store_n(&m->owner, NULL, __ATOMIC_SEQ_CST);
	waitq_wake_n(&m->wait, 1);
}

bool mutex_held(const struct mutex *m)
{
	return READ_ONCE(m->owner) == current_thread();
}
