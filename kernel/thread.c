/* Thread creation and teardown. Kernel stacks come from the vmap area with
 * a guard page below, so an overflow faults instead of corrupting memory.
 * A dead thread is freed by the next thread to run on its CPU, once it is
 * certainly off its own stack (sched_finish_switch). */
#include <lib/string.h>
#include <arch/mmu.h>
#include <arch/preempt.h>
#include <arch/trap.h>
#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/thread.h>
#include <kernel/vm.h>

static int next_tid = 1;
static int live_threads;
static struct thread boot_idle_thread;

void kthread_entry(void);

int thread_alloc_tid(void);
int thread_alloc_tid(void)
{
	return __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
}

int thread_count(void)
{
	return __atomic_load_n(&live_threads, __ATOMIC_RELAXED);
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
	t->cpu = this_cpu_id();
	t->cpu_mask = ~0ull;
	t->state = THREAD_BLOCKED;
	list_init(&t->run_node);
	list_init(&t->proc_node);
	strlcpy(t->comm, name, sizeof(t->comm));
	arch_fpu_init(t);
	__atomic_fetch_add(&live_threads, 1, __ATOMIC_RELAXED);
	return t;
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc(name);
	if (!t)
		return NULL;
	t->kfn = fn;
	t->karg = arg;
	arch_thread_init_stack(t, false);
	sched_enqueue_new(t);
	return t;
}

struct thread *thread_create_user(struct process *proc, const struct trap_frame *frame)
{
	struct thread *t = thread_alloc(proc->comm);
	if (!t)
		return NULL;
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

void thread_free(struct thread *t)
{
	vmap_free(t->kstack, KSTACK_PAGES);
	kfree(t);
	__atomic_fetch_sub(&live_threads, 1, __ATOMIC_RELAXED);
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
