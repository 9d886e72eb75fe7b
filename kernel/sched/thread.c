/* Thread creation and teardown. Kernel stacks come from the vmap area with
 * a guard page below, so an overflow faults instead of corrupting memory.
 * A dead thread is freed by the next thread to run on its CPU, once it is
 * certainly off its own stack (sched_finish_switch). */
#include <arch/barrier.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <arch/preempt.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/thread.h>
#include <kernel/vm.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/entry.h>
#include <kernel/arch/thread.h>

static int last_tid = INIT_PID;         /* pid 1 is init's */
static spinlock_t tid_lock = SPINLOCK_INIT("tid");
static int live_threads;
static spinlock_t all_lock = SPINLOCK_INIT("threads");
static struct list_node all_threads = LIST_INIT(all_threads);

void thread_dump(void)
{
	static const char *const states[] = { "running", "blocked", "dead" };
	irqflags_t f = spin_lock_irqsave(&all_lock);
	struct list_node *pos;
	list_for_each(pos, &all_threads) {
		struct thread *t = list_entry(pos, struct thread, all_node);
		printk("  thread %d %-15s %-7s cpu %u%s%s\n", t->tid, t->comm, states[t->state],
		       t->cpu, t->on_cpu ? " on-cpu" : "", t->on_rq ? " queued" : "");
	}
	spin_unlock_irqrestore(&all_lock, f);
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		struct cpu *p = cpu_table[c];
		if (p)
			printk("  cpu %u: current %s, irq_work %p, irqs %llu, nmis %llu, ticks %llu\n",
			       c, p->current ? p->current->comm : "?", p->irq_work_list,
			       p->irq_count, p->nmi_count, p->ticks);
	}
	arch_backtrace_all_cpus();
}
static struct thread boot_idle_thread;


static bool tid_in_use(int tid)
{
	bool used = false;
	irqflags_t f = spin_lock_irqsave(&all_lock);
	struct list_node *pos;
	list_for_each(pos, &all_threads)
		if (list_entry(pos, struct thread, all_node)->tid == tid)
			used = true;
	spin_unlock_irqrestore(&all_lock, f);
	return used;
}

/* The next id after the last one given out that no thread, process,
 * process group or session uses, wrapping from PID_MAX to 300 as Linux
 * does; -1 if all are taken. */
static int thread_alloc_tid(void)
{
	irqflags_t f = spin_lock_irqsave(&tid_lock);
	int tid = -1;
	for (int tries = 0; tries < PID_MAX && tid < 0; tries++) {
		int c = last_tid + 1 < PID_MAX ? last_tid + 1 : PID_WRAP_MIN;
		last_tid = c;
		if (!tid_in_use(c) && !proc_id_in_use(c))
			tid = c;
	}
	spin_unlock_irqrestore(&tid_lock, f);
	return tid;
}

bool thread_wait_reaped(int threads)
{
	/* The reaper frees exited threads with interrupts on, a TLB
	 * shootdown each; under a loaded host that can take a while, so the
	 * patience is long and the wait ends as soon as it is done. */
	u64 t0 = clock_ns();
	while (thread_count() > threads && clock_ns() - t0 < 60 * NSEC_PER_SEC)
		sched_yield();
	return thread_count() <= threads;
}

int thread_last_tid(void)
{
	return READ_ONCE(last_tid);
}

int thread_count(void)
{
	return READ_ONCE(live_threads);
}

static struct thread *thread_alloc(const char *name)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->kstack = vmap_alloc(KSTACK_PAGES, VM_READ | VM_WRITE);
	if (!t->kstack) {
		kfree(t);
		return NULL;
	}
	t->kstack_top = (u64)t->kstack + KSTACK_PAGES * PAGE_SIZE;
	t->tid = thread_alloc_tid();
	if (t->tid < 0) {
		vmap_free(t->kstack, KSTACK_PAGES);
		kfree(t);
		return NULL;
	}
	t->refs = 1;
	t->cpu = this_cpu_id();
	t->cpu_mask = ~0ull;
	t->state = THREAD_BLOCKED;
	list_init(&t->run_node);
	list_init(&t->proc_node);
	strlcpy(t->comm, name, sizeof(t->comm));
	arch_fpu_init(t);
	__atomic_fetch_add(&live_threads, 1, __ATOMIC_RELAXED);
	irqflags_t f = spin_lock_irqsave(&all_lock);
	list_add_tail(&all_threads, &t->all_node);
	spin_unlock_irqrestore(&all_lock, f);
	return t;
}

struct thread *kthread_create_on(const char *name, void (*fn)(void *), void *arg,
				 unsigned int cpu)
{
	struct thread *t = thread_alloc(name);
	if (!t)
		return NULL;
	t->kfn = fn;
	t->karg = arg;
	if (cpu < MAX_CPUS) {
		t->cpu_mask = 1ull << cpu;
		t->cpu = cpu;
	}
	arch_thread_init_stack(t, false);
	sched_enqueue_new(t);
	return t;
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	return kthread_create_on(name, fn, arg, MAX_CPUS);
}

struct thread *thread_create_user(struct process *proc, const struct trap_frame *frame)
{
	struct thread *t = thread_alloc(proc->comm);
	if (!t)
		return NULL;
	t->sig_info = kzalloc(NSIG * sizeof(struct kinfo));
	if (!t->sig_info) {
		thread_free(t);
		return NULL;
	}
	t->proc = proc;
	arch_thread_init_stack(t, true);
	memcpy(t->uframe, frame, sizeof(*frame));
	return t;
}

void thread_start(struct thread *t)
{
	sched_enqueue_new(t);
}

/* First code of every kernel thread (called from the trampoline). */
void kthread_entry(void)
{
	struct thread *t = current_thread();
	arch_irq_enable();
	t->kfn(t->karg);
	thread_exit();
}

void thread_exit(void)
{
	struct thread *t = current_thread();
	arch_irq_disable();
	t->state = THREAD_DEAD;
	schedule();
	panic("a dead thread was scheduled again");
}

void thread_put(struct thread *t)
{
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	irqflags_t f = spin_lock_irqsave(&all_lock);
	list_del(&t->all_node);
	spin_unlock_irqrestore(&all_lock, f);
	vmap_free(t->kstack, KSTACK_PAGES);
	kfree(t->sig_info);
	kfree(t);
	__atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
}

void thread_free(struct thread *t)
{
	thread_put(t);                  /* the reference it was born with */
}

struct thread *thread_find(int tid)
{
	struct thread *found = NULL;
	irqflags_t f = spin_lock_irqsave(&all_lock);
	struct list_node *pos;
	list_for_each(pos, &all_threads) {
		struct thread *t = list_entry(pos, struct thread, all_node);
		if (t->tid == tid && t->proc && t->state != THREAD_DEAD) {
			__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
			found = t;
			break;
		}
	}
	spin_unlock_irqrestore(&all_lock, f);
	return found;
}

void thread_init_idle(struct cpu *c)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		panic("no memory for CPU %u's idle thread", c->id);
	t->tid = 0;
	t->state = THREAD_RUNNING;
	t->on_cpu = true;
	t->cpu = c->id;
	t->cpu_mask = 1ull << c->id;
	t->kstack = c->idle_stack;
	t->kstack_top = (u64)c->idle_stack + KSTACK_PAGES * PAGE_SIZE;
	t->comm[0] = 'i'; t->comm[1] = 'd'; t->comm[2] = 'l'; t->comm[3] = 'e';
	t->comm[4] = '/'; t->comm[5] = (char)('0' + c->id % 10); t->comm[6] = 0;
	list_init(&t->run_node);
	list_init(&t->proc_node);
	arch_fpu_init(t);
	c->current = t;
	sched_init_cpu();
}

/* Dead threads waiting to be freed, linked through run_node.next. */
static struct thread *reap_list;
static struct thread *reaper;

void thread_reap(struct thread *t)
{
	struct thread *head = READ_ONCE(reap_list);
	do {
		t->run_node.next = (struct list_node *)head;
	} while (!__atomic_compare_exchange_n(&reap_list, &head, t, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	if (reaper)
		thread_wake(reaper, WAKE_NORMAL);
}

static void reaper_main(void *arg)
{
	for (;;) {
		thread_prepare_sleep();
		struct thread *t = __atomic_exchange_n(&reap_list, NULL, __ATOMIC_ACQUIRE);
		if (!t) {
			sched_sleep(0);
			continue;
		}
		thread_cancel_sleep();
		while (t) {
			struct thread *next = (struct thread *)t->run_node.next;
			thread_free(t);
			t = next;
		}
	}
}

void reaper_start(void)
{
	reaper = kthread_create("reaper", reaper_main, NULL);
	if (!reaper)
		panic("cannot start the reaper thread");
}

/* kmain's context becomes CPU 0's idle thread (its stack is the boot
 * stack, which is never freed). */
void thread_init_boot(void)
{
	struct thread *t = &boot_idle_thread;
	extern char boot_stack_top[];
	memset(t, 0, sizeof(*t));
	t->tid = 0;
	t->state = THREAD_RUNNING;
	t->on_cpu = true;
	t->cpu_mask = 1;
	t->kstack_top = (u64)boot_stack_top;
	strlcpy(t->comm, "idle/0", sizeof(t->comm));
	list_init(&t->run_node);
	list_init(&t->proc_node);
	arch_fpu_init(t);
	this_cpu()->current = t;
	sched_init_cpu();
}
