/* Event groups: a leader and its members, counted, read and sampled
 * together (PERF_FORMAT_GROUP, PERF_SAMPLE_READ).
 *
 * Who touches a leader's member list, and how:
 *  - members join and leave in a context operation (context.c: interrupts
 *    off, the context's lock held, on the CPU where the group counts, the
 *    only CPU whose samples read it), and under group_lock;
 *  - a sample reads the list without a lock, maybe in an NMI that
 *    interrupted a join or a leave on the same CPU: link and unlink keep
 *    every forward walk whole at every instruction;
 *  - syscalls (read, the group ioctls) take a snapshot with references
 *    under group_lock.
 * As Linux, the members of a leader that goes away carry on alone. */
#include <lib/errno.h>
#include <kernel/heap.h>
#include <kernel/spinlock.h>
#include "internal.h"

static spinlock_t group_lock = SPINLOCK_INIT("perf-group");

/* n becomes the last member; a walk sees it only once it is whole. */
static void link_tail(struct list_node *head, struct list_node *n)
{
	n->next = head;
	n->prev = head->prev;
	barrier();
	WRITE_ONCE(head->prev->next, n);
	head->prev = n;
}

/* One store takes n out of forward walks; n's own links stay valid
 * until no walk can stand on it (an NMI here has finished by then). */
static void unlink(struct list_node *n)
{
	WRITE_ONCE(n->prev->next, n->next);
	n->next->prev = n->prev;
	barrier();
	n->next = n->prev = n;
}

void perf_group_link(struct perf_event *e)
{
	if (e->leader == e || list_linked(&e->sibling_node))
		return;
	irqflags_t f = spin_lock_irqsave(&group_lock);
	link_tail(&e->leader->siblings, &e->sibling_node);
	spin_unlock_irqrestore(&group_lock, f);
}

void perf_group_unlink(struct perf_event *e, bool live)
{
	irqflags_t f = spin_lock_irqsave(&group_lock);
	if (e->leader != e) {
		if (list_linked(&e->sibling_node))
			unlink(&e->sibling_node);
		spin_unlock_irqrestore(&group_lock, f);
		return;
	}
	while (!list_empty(&e->siblings)) {
		struct perf_event *m = list_entry(e->siblings.next, struct perf_event, sibling_node);
		unlink(&m->sibling_node);
		/* A singleton now: it counts whenever it is on. The leader
		 * keeps the reference its caller holds, so this is never
		 * its last. */
		WRITE_ONCE(m->leader, m);
		perf_event_put(e);
		if (live && m->state == PERF_ON)
			perf_event_start(m);
	}
	spin_unlock_irqrestore(&group_lock, f);
}

int perf_group_snapshot(struct perf_event *leader, struct perf_event ***out)
{
	int room = 8;
	for (;;) {
		struct perf_event **v = kmalloc((size_t)room * sizeof(*v));
		if (!v)
			return -ENOMEM;
		int n = 0;
		irqflags_t f = spin_lock_irqsave(&group_lock);
		int want = 1 + (int)list_count(&leader->siblings);
		if (want <= room) {
			perf_event_get(leader);
			v[n++] = leader;
			struct list_node *pos;
			list_for_each(pos, &leader->siblings) {
				v[n] = list_entry(pos, struct perf_event, sibling_node);
				perf_event_get(v[n++]);
			}
		}
		spin_unlock_irqrestore(&group_lock, f);
		if (n) {
			*out = v;
			return n;
		}
		kfree(v);
		room = want + 8;        /* it grew meanwhile: again */
	}
}

void perf_group_snapshot_put(struct perf_event **v, int n)
{
	for (int i = 0; i < n; i++)
		perf_event_put(v[i]);
	kfree(v);
}

/* Words read() and PERF_SAMPLE_READ give for an event of a group of
 * members events. */
static u32 read_words(u64 fmt, int members)
{
	u32 each = 1 + !!(fmt & PERF_FORMAT_ID) + !!(fmt & PERF_FORMAT_LOST);
	u32 times = !!(fmt & PERF_FORMAT_TOTAL_TIME_ENABLED) +
		    !!(fmt & PERF_FORMAT_TOTAL_TIME_RUNNING);
	if (fmt & PERF_FORMAT_GROUP)
		return 1 + times + (u32)members * each;
	return times + each;
}

u32 perf_read_words(const struct perf_event *e)
{
	u64 fmt = e->attr.read_format;
	if (!(fmt & PERF_FORMAT_GROUP))
		return read_words(fmt, 1);
	int members = 1;
	const struct perf_event *l = READ_ONCE(e->leader);
	for (const struct list_node *pos = READ_ONCE(l->siblings.next); pos != &l->siblings;
	     pos = READ_ONCE(pos->next))
		members++;
	return read_words(fmt, members);
}

/* Linux's perf_event_validate_size (as fixed in 6.7 and the stable
 * kernels): with e joined, a read of the group by any of its events (e,
 * the leader, every member, each with its own read_format) must fit in
 * 16 KiB, else E2BIG. This also bounds what a sample's group read
 * writes. */
bool perf_group_fits(const struct perf_event *leader, const struct perf_event *e)
{
	bool ok = true;
	irqflags_t f = spin_lock_irqsave(&group_lock);
	int members = 2 + (int)list_count(&leader->siblings);
	if (read_words(e->attr.read_format, members) * 8 > 16 * 1024 ||
	    read_words(leader->attr.read_format, members) * 8 > 16 * 1024)
		ok = false;
	const struct list_node *pos;
	list_for_each(pos, &leader->siblings) {
		const struct perf_event *m = list_entry(pos, struct perf_event, sibling_node);
		if (read_words(m->attr.read_format, members) * 8 > 16 * 1024)
			ok = false;
	}
	spin_unlock_irqrestore(&group_lock, f);
	return ok;
}
