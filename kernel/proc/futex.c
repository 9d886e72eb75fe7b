/* futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET, WAKE_BITSET.
 *
 * Waiters hang on a hashed bucket, keyed by (address space, user address).
 * WAIT reads the futex word and queues itself under the bucket lock, and
 * WAKE takes the same lock, so a wake that follows a change of the word can
 * never miss a waiter that saw the old value. The word is read with the
 * non-faulting reader under the lock (the page was faulted in just before
 * by an ordinary read). */
#include <arch/barrier.h>
#include <lib/errno.h>
#include <kernel/clock.h>
#include <kernel/futex.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define NBUCKETS 64

struct bucket {
	spinlock_t lock;
	struct list_node list;
};

struct fwaiter {
	struct waiter w;        /* w.key: the futex key */
	struct bucket *bucket;  /* changes on requeue (under both locks) */
	u32 bitset;
	bool woken;
};

/* Initialised at build time: a lazy "first use sets it up" raced when the
 * first two futex calls of a boot came at once (a pthread_join and the
 * joined thread's exit): the second set-up wiped a bucket lock the first
 * caller held (its unlock then left the tickets so that the next taker
 * waited forever) or a bucket list a waiter was on (a lost wakeup). */
#define BUCKET(i) { SPINLOCK_INIT("futex"), LIST_INIT(buckets[i].list) }
#define BUCKETS4(i) BUCKET(i), BUCKET(i + 1), BUCKET(i + 2), BUCKET(i + 3)
#define BUCKETS16(i) BUCKETS4(i), BUCKETS4(i + 4), BUCKETS4(i + 8), BUCKETS4(i + 12)
static struct bucket buckets[NBUCKETS] = {
	BUCKETS16(0), BUCKETS16(16), BUCKETS16(32), BUCKETS16(48)
};
_Static_assert(NBUCKETS == 64, "the initialiser above lists 64 buckets");

struct fkey {
	struct mm *mm;
	u64 addr;
};

static u64 key_hash(struct mm *mm, u64 addr)
{
	u64 h = (u64)mm * 0x9e3779b97f4a7c15ull ^ (addr >> 2) * 0xc2b2ae3d27d4eb4full;
	return (h >> 32) % NBUCKETS;
}

static struct bucket *bucket_of(struct mm *mm, u64 addr)
{
	return &buckets[key_hash(mm, addr)];
}

/* Wake up to n waiters matching (mm, addr, bitset) in bucket b (locked). */
static int wake_locked(struct bucket *b, struct mm *mm, u64 addr, int n, u32 bitset)
{
	int woken = 0;
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &b->list) {
		if (woken >= n)
			break;
		struct fwaiter *fw = list_entry(pos, struct fwaiter, w.node);
		struct fkey *k = fw->w.key;
		if (k->mm != mm || k->addr != addr || !(fw->bitset & bitset))
			continue;
		list_del(&fw->w.node);
		fw->woken = true;
		thread_wake(fw->w.thread, WAKE_NORMAL);
		woken++;
	}
	return woken;
}

int futex_wake_addr(struct mm *mm, u64 uaddr, int n)
{
	struct bucket *b = bucket_of(mm, uaddr);
	irqflags_t f = spin_lock_irqsave(&b->lock);
	int woken = wake_locked(b, mm, uaddr, n, FUTEX_BITSET_MATCH_ANY);
	spin_unlock_irqrestore(&b->lock, f);
	return woken;
}

struct kts {
	s64 sec, nsec;
};

static long futex_wait(struct mm *mm, u64 uaddr, u32 val, u64 deadline, u32 bitset)
{
	u32 cur;
	/* Fault the page in (and catch bad pointers) before taking the lock. */
	if (copy_from_user(&cur, uaddr, 4))
		return -EFAULT;
	struct fkey key = { mm, uaddr };
	struct fwaiter fw = { .bitset = bitset };
	fw.w.key = &key;
	fw.w.thread = current_thread();
	struct bucket *b = bucket_of(mm, uaddr);
	fw.bucket = b;
	irqflags_t f = spin_lock_irqsave(&b->lock);
	if (copy_from_user_nofault(&cur, uaddr, 4)) {
		spin_unlock_irqrestore(&b->lock, f);
		return -EFAULT;
	}
	if (cur != val) {
		spin_unlock_irqrestore(&b->lock, f);
		return -EAGAIN;
	}
	list_add_tail(&b->list, &fw.w.node);
	thread_prepare_sleep();
	spin_unlock_irqrestore(&b->lock, f);

	long rc = 0;
	while (!READ_ONCE(fw.woken)) {
		if (thread_interrupted()) {
			rc = -EINTR;
			break;
		}
		if (sched_sleep(deadline) == WAKE_TIMEOUT && !READ_ONCE(fw.woken)) {
			rc = -ETIMEDOUT;
			break;
		}
		if (!READ_ONCE(fw.woken))
			thread_prepare_sleep();
	}
	thread_cancel_sleep();
	for (;;) {              /* a requeue may have moved us meanwhile */
		b = READ_ONCE(fw.bucket);
		f = spin_lock_irqsave(&b->lock);
		if (b == fw.bucket)
			break;
		spin_unlock_irqrestore(&b->lock, f);
	}
	if (!fw.woken)
		list_del(&fw.w.node);
	else
		rc = 0;         /* a wake that raced with a timeout wins */
	spin_unlock_irqrestore(&b->lock, f);
	return rc;
}

static long futex_requeue(struct mm *mm, u64 uaddr, int nwake, int nmove, u64 uaddr2,
			  bool cmp, u32 val)
{
	if (nwake < 0 || nmove < 0)
		return -EINVAL;
	u32 cur;
	if (cmp && copy_from_user(&cur, uaddr, 4))
		return -EFAULT;
	struct bucket *b1 = bucket_of(mm, uaddr), *b2 = bucket_of(mm, uaddr2);
	/* Lock both buckets in address order. */
	struct bucket *lo = b1 < b2 ? b1 : b2, *hi = b1 < b2 ? b2 : b1;
	irqflags_t f = spin_lock_irqsave(&lo->lock);
	if (hi != lo)
		spin_lock_raw(&hi->lock);
	long rc;
	if (cmp && (copy_from_user_nofault(&cur, uaddr, 4) || cur != val)) {
		rc = cur != val ? -EAGAIN : -EFAULT;
	} else {
		rc = wake_locked(b1, mm, uaddr, nwake, FUTEX_BITSET_MATCH_ANY);
		int moved = 0;
		struct list_node *pos, *tmp;
		list_for_each_safe(pos, tmp, &b1->list) {
			if (moved >= nmove)
				break;
			struct fwaiter *fw = list_entry(pos, struct fwaiter, w.node);
			struct fkey *k = fw->w.key;
			if (k->mm != mm || k->addr != uaddr)
				continue;
			list_del(&fw->w.node);
			k->addr = uaddr2;
			fw->bucket = b2;
			list_add_tail(&b2->list, &fw->w.node);
			moved++;
		}
		rc += cmp ? moved : 0;
	}
	if (hi != lo)
		spin_unlock_raw(&hi->lock);
	spin_unlock_irqrestore(&lo->lock, f);
	return rc;
}

SYSCALL_DEFINE(futex)
{
	u64 uaddr = a0, uaddr2 = a4;
	int op = (int)a1;
	u32 val = (u32)a2, val3 = (u32)a5;
	int cmd = op & FUTEX_CMD_MASK;
	struct mm *mm = current_proc()->mm;
	if (uaddr & 3)
		return -EINVAL;
	if (!user_range_ok(uaddr, 4))
		return -EFAULT;         /* Linux checks the key address for every op */
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		u32 bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
		if (!bitset)
			return -EINVAL;
		u64 deadline = 0;
		if (a3) {
			struct kts ts;
			if (copy_from_user(&ts, a3, sizeof(ts)))
				return -EFAULT;
			if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
				return -EINVAL;
			u64 ns = (u64)ts.sec > 9000000000ull ? ~0ull / 4
							      : (u64)ts.sec * NSEC_PER_SEC + (u64)ts.nsec;
			if (cmd == FUTEX_WAIT) {
				deadline = clock_ns() + ns;     /* relative */
			} else {
				/* Absolute, on CLOCK_MONOTONIC or CLOCK_REALTIME. */
				u64 now = (op & FUTEX_CLOCK_REALTIME) ? clock_realtime_ns()
								      : clock_ns();
				deadline = clock_ns() + (ns > now ? ns - now : 0);
			}
			if (!deadline)
				deadline = 1;
		}
		return futex_wait(mm, uaddr, val, deadline, bitset);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		u32 bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
		if (!bitset)
			return -EINVAL;
		struct bucket *b = bucket_of(mm, uaddr);
		irqflags_t f = spin_lock_irqsave(&b->lock);
		int n = wake_locked(b, mm, uaddr, (int)val, bitset);
		spin_unlock_irqrestore(&b->lock, f);
		return n;
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if (uaddr2 & 3)
			return -EINVAL;
		if (!user_range_ok(uaddr2, 4))
			return -EFAULT;
		return futex_requeue(mm, uaddr, (int)val, (int)a3, uaddr2,
				     cmd == FUTEX_CMP_REQUEUE, val3);
	default:
		return -ENOSYS;
	}
}

