/* Per-CPU state. Each CPU's struct cpu is reached through %gs (arch), so a
 * field of the running CPU is one instruction away and needs no lock. Code
 * that runs with preemption enabled must not cache this_cpu() across a point
 * where it may migrate. */
#pragma once
#include <lib/types.h>
#include <arch/arch_percpu.h>

#define MAX_CPUS 8

struct thread;
struct irq_work;
struct trap_frame;

struct cpu {
	struct cpu *self;       /* +0:  %gs:0 (asm_defs.inc CPU_SELF) */
	u64 kernel_rsp;         /* +8:  kernel stack top for SYSCALL entry */
	u64 user_rsp;           /* +16: user RSP saved at SYSCALL entry */
	u32 id;                 /* logical CPU number, 0 = boot CPU */
	u32 apic_id;
	int preempt_count;      /* >0: no preemption on this CPU */
	int irq_depth;          /* hard interrupt nesting */
	int nmi_depth;          /* NMI nesting (0 or 1) */
	bool need_resched;
	bool online;
	struct thread *current;
	struct thread *idle;
	struct irq_work *irq_work_list;  /* lock-free pending list */
	u64 nmi_count;
	u64 irq_count;
	u64 ticks;
	struct trap_frame *irq_regs;    /* interrupted registers, in an IRQ */
	void *sched;            /* scheduler's per-CPU run queue */
	void *idle_stack;       /* AP: the stack its start-up code ran on */
	struct arch_cpu arch;
};

extern struct cpu *cpu_table[MAX_CPUS];
extern unsigned int nr_cpus_online;

static inline struct cpu *this_cpu(void) { return arch_this_cpu_ptr(); }
static inline unsigned int this_cpu_id(void) { return this_cpu()->id; }
static inline bool in_irq(void) { return this_cpu()->irq_depth > 0; }
static inline bool in_nmi_ctx(void) { return this_cpu()->nmi_depth > 0; }

/* Boot CPU's struct cpu, usable before the heap exists. */
extern struct cpu boot_cpu;
void percpu_init_boot(void);
