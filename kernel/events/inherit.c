/* attr.inherit: events that follow new threads.
 *
 * When a thread with inheritable events clones, each such event (with its
 * group) is copied into the new thread, as Linux does at fork. The copy
 * ("child") counts on its own, and:
 *   - its samples and records go to the original's buffer, carrying the
 *     original's id (PERF_SAMPLE_ID/IDENTIFIER) and its own STREAM_ID;
 *   - read() of the original adds the children: those still running and
 *     the totals of those that exited (folded in at their exit);
 *   - ENABLE/DISABLE/RESET/PERIOD on the original reach every child;
 *   - closing the original removes every child.
 * Children are always copied from the original (a grandchild's parent is
 * the original too), so the family is one flat list.
 *
 * inherit_lock guards the family lists and the exited totals. A child is
 * destroyed by whoever takes it off its original's list: the exiting
 * thread (perf_inherit_exit) or the original's release. */
#include <lib/errno.h>
#include <kernel/clock.h>
#include <kernel/heap.h>
#include <kernel/perf.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/thread.h>
#include "internal.h"

static spinlock_t inherit_lock = SPINLOCK_INIT("perf-inherit");

static struct perf_event *orig_of(struct perf_event *e)
{
	return e->parent ? e->parent : e;
}

/* Tear down a child that is off its original's list and off its context. */
static void child_destroy(struct perf_event *c)
{
	perf_source_destroy(c);
	perf_group_unlink(c, false);    /* off its context: nothing runs it */
	perf_event_put(c);      /* drops its references to leader and original */
}

static struct perf_event *copy_one(struct perf_event *src, struct thread *child,
				   struct perf_event *leader)
{
	struct perf_event *o = orig_of(src);
	struct perf_event *c = perf_event_alloc(&o->attr, src->cpu, child);
	if (!c)
		return NULL;
	/* The copy follows the original's current state, not attr.disabled. */
	c->state = o->state == PERF_ON ? PERF_ON : PERF_OFF;
	c->period = o->period;
	c->period_left = (s64)o->period;
	if (perf_source_init(c)) {
		kfree(c);
		return NULL;
	}
	perf_event_get(o);
	c->parent = o;
	if (leader) {
		perf_event_get(leader);
		c->leader = leader;
		list_add_tail(&leader->siblings, &c->sibling_node);
	}
	irqflags_t f = spin_lock_irqsave(&inherit_lock);
	list_add_tail(&o->children, &c->child_node);
	spin_unlock_irqrestore(&inherit_lock, f);
	return c;
}

/* Clone of parent into child (not yet running): copy the inheritable
 * events. 0, or -ENOMEM (the clone fails, as on Linux). */
int perf_thread_fork(struct thread *parent, struct thread *child)
{
	struct perf_task_ctx *ctx = parent->perf;
	if (!READ_ONCE(perf_hooks_enabled) || !ctx)
		return 0;
	/* Pin the inheritable events (leaders, each followed by its members)
	 * under the context lock, then copy them without it. */
	struct perf_event **src = NULL;
	int n = 0, room = 0;
	for (;;) {
		irqflags_t f = spin_lock_irqsave(&ctx->lock);
		int want = 0;
		n = 0;
		struct list_node *pos;
		list_for_each(pos, &ctx->events) {
			struct perf_event *e = list_entry(pos, struct perf_event, ctx_node);
			if (!e->attr.inherit || e->leader != e || e->state == PERF_DEAD)
				continue;
			if (want++ < room) {
				perf_event_get(e);
				src[n++] = e;
			}
			struct list_node *s;
			list_for_each(s, &e->siblings) {
				if (want++ < room) {
					struct perf_event *m =
						list_entry(s, struct perf_event, sibling_node);
					perf_event_get(m);
					src[n++] = m;
				}
			}
		}
		spin_unlock_irqrestore(&ctx->lock, f);
		if (want <= room)
			break;
		for (int i = 0; i < n; i++)         /* it grew: start over */
			perf_event_put(src[i]);
		kfree(src);
		room = want + 4;
		src = kmalloc(room * sizeof(*src));
		if (!src)
			return -ENOMEM;
	}
	int rc = 0;
	struct perf_event *leader_copy = NULL;
	for (int i = 0; i < n; i++) {
		struct perf_event *e = src[i];
		bool is_leader = e->leader == e;
		struct perf_event *c = NULL;
		if (!rc && (is_leader || leader_copy)) {
			c = copy_one(e, child, is_leader ? NULL : leader_copy);
			if (!c)
				rc = -ENOMEM;
			else
				perf_ctx_add(c);
		}
		if (is_leader)
			leader_copy = c;
		perf_event_put(e);
	}
	kfree(src);
	if (rc)
		perf_thread_exit(child);        /* undo the copies made */
	return rc;
}

/* From perf_thread_exit, context lock held: an exiting child gives its
 * totals to its original. True if the caller must destroy it (with
 * perf_inherit_destroy, after dropping the lock). */
bool perf_inherit_exit(struct perf_event *c)
{
	struct perf_event *o = c->parent;
	bool mine = false;
	irqflags_t f = spin_lock_irqsave(&inherit_lock);
	if (list_linked(&c->child_node)) {
		o->child_count += local_read(&c->count);
		o->child_time_enabled += c->time_enabled;
		o->child_time_running += c->time_running;
		list_del(&c->child_node);
		mine = true;
	}
	spin_unlock_irqrestore(&inherit_lock, f);
	return mine;
}

void perf_inherit_destroy(struct perf_event *c)
{
	child_destroy(c);
}

/* The original goes away: so do its children. */
void perf_inherit_release(struct perf_event *o)
{
	for (;;) {
		struct perf_event *c = NULL;
		irqflags_t f = spin_lock_irqsave(&inherit_lock);
		if (!list_empty(&o->children)) {
			c = list_entry(o->children.next, struct perf_event, child_node);
			list_del(&c->child_node);
		}
		spin_unlock_irqrestore(&inherit_lock, f);
		if (!c)
			return;
		perf_ctx_remove(c);
		child_destroy(c);
	}
}

/* Count and times of e with its family: what read() reports. */
u64 perf_event_read_total(struct perf_event *e, u64 *enabled, u64 *running)
{
	u64 v = perf_event_read_count(e);
	u64 en = e->time_enabled, run = e->time_running;
	if (!e->parent) {
		irqflags_t f = spin_lock_irqsave(&inherit_lock);
		v += e->child_count;
		en += e->child_time_enabled;
		run += e->child_time_running;
		struct list_node *pos;
		list_for_each(pos, &e->children) {
			struct perf_event *c = list_entry(pos, struct perf_event, child_node);
			v += local_read(&c->count);
			en += READ_ONCE(c->time_enabled);
			run += READ_ONCE(c->time_running);
		}
		spin_unlock_irqrestore(&inherit_lock, f);
	}
	if (enabled)
		*enabled = en;
	if (running)
		*running = run;
	return v;
}

/* fn on every child of o (ioctls that act on the whole family). The
 * children are pinned first: fn may call into other CPUs. */
void perf_inherit_for_each(struct perf_event *o, void (*fn)(struct perf_event *))
{
	struct perf_event **batch = NULL;
	int n = 0, room = 0;
	for (;;) {
		irqflags_t f = spin_lock_irqsave(&inherit_lock);
		int want = 0;
		n = 0;
		struct list_node *pos;
		list_for_each(pos, &o->children) {
			if (want++ < room) {
				batch[n] = list_entry(pos, struct perf_event, child_node);
				perf_event_get(batch[n++]);
			}
		}
		spin_unlock_irqrestore(&inherit_lock, f);
		if (want <= room)
			break;
		for (int i = 0; i < n; i++)
			perf_event_put(batch[i]);
		kfree(batch);
		room = want + 4;
		batch = kmalloc(room * sizeof(*batch));
		if (!batch) {
			printk("perf: event %llu: no memory to update its inherited copies\n",
			       (unsigned long long)o->id);
			return;
		}
	}
	for (int i = 0; i < n; i++) {
		fn(batch[i]);
		perf_event_put(batch[i]);
	}
	kfree(batch);
}
