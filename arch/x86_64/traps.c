/* Exceptions and interrupt dispatch.
 *
 * An exception in kernel code is, in order: fixed up through the exception
 * table (copy_*_user and deliberate test faults), handled as a user-memory
 * fault, or reported (registers, faulting address, backtrace) and fatal.
 * Exceptions from user mode go to the process layer, which kills the
 * offender with a report (kernel/proc_fault.c). */
#include <lib/string.h>
#include <arch/barrier.h>
#include <arch/x86.h>
#include <arch/trap.h>
#include <kernel/ksyms.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <arch/x86/apic.h>
#include <arch/x86/cpu.h>
#include <kernel/arch/cpu.h>

extern const struct extable_entry __ex_table_start[], __ex_table_end[];
static irq_handler_t irq_handlers[256];
static struct trap_record last_fixup[MAX_CPUS];


static const char *const exception_names[32] = {
	[X86_DE] = "#DE divide error",
	[X86_DB] = "#DB debug",
	[X86_NMI] = "NMI",
	[X86_BP] = "#BP breakpoint",
	[X86_OF] = "#OF overflow",
	[X86_BR] = "#BR bound range exceeded",
	[X86_UD] = "#UD invalid opcode",
	[X86_NM] = "#NM device not available",
	[X86_DF] = "#DF double fault",
	[X86_TS] = "#TS invalid TSS",
	[X86_NP] = "#NP segment not present",
	[X86_SS] = "#SS stack-segment fault",
	[X86_GP] = "#GP general protection",
	[X86_PF] = "#PF page fault",
	[X86_MF] = "#MF x87 floating-point error",
	[X86_AC] = "#AC alignment check",
	[X86_MC] = "#MC machine check",
	[X86_XM] = "#XM SIMD floating-point error",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
};

const char *arch_exception_name(u64 vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return "reserved exception";
}

void arch_set_irq_handler(u8 vector, irq_handler_t h)
{
	irq_handlers[vector] = h;
}

const struct trap_record *arch_last_fixup(void)
{
	return &last_fixup[this_cpu_id()];
}

static const struct extable_entry *extable_find(u64 rip)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e;
	return NULL;
}

void exception_report(const struct trap_frame *f, const char *why)
{
	char sym[96];
	u64 cr2 = read_cr2();
	printk("\n=== %s: %s (vector %llu, error code %#llx) on CPU %u ===\n", why,
	       arch_exception_name(f->vector), f->vector, f->error_code, this_cpu_id());
	if (f->vector == X86_PF)
		printk("faulting address (CR2): %#018llx (%s, %s, %s%s)\n", cr2,
		       f->error_code & PF_PRESENT ? "protection violation" : "not present",
		       f->error_code & PF_WRITE ? "write" : "read",
		       f->error_code & PF_USER ? "user" : "kernel",
		       f->error_code & PF_INSN ? ", instruction fetch" : "");
	ksym_format(f->rip, sym, sizeof(sym));
	printk("RIP: %#04llx:%#018llx %s\n", f->cs, f->rip, sym);
	printk("RSP: %#04llx:%#018llx RFLAGS: %#010llx\n", f->ss, f->rsp, f->rflags);
	printk("RAX: %016llx RBX: %016llx RCX: %016llx\n", f->rax, f->rbx, f->rcx);
	printk("RDX: %016llx RSI: %016llx RDI: %016llx\n", f->rdx, f->rsi, f->rdi);
	printk("RBP: %016llx R8:  %016llx R9:  %016llx\n", f->rbp, f->r8, f->r9);
	printk("R10: %016llx R11: %016llx R12: %016llx\n", f->r10, f->r11, f->r12);
	printk("R13: %016llx R14: %016llx R15: %016llx\n", f->r13, f->r14, f->r15);
	printk("CR0: %016llx CR2: %016llx CR3: %016llx CR4: %016llx\n", read_cr0(), cr2,
	       read_cr3(), read_cr4());
	if (!trap_from_user(f))
		arch_print_backtrace_from(f->rip, f->rbp);
}

/* Per-CPU state of arch_call_catching_fault (tests). */
struct catch_state {
	bool armed;
	u64 saved_rsp;
	struct fault_info *fi;
};
static struct catch_state catching[MAX_CPUS];
extern char catch_recover[];

bool arch_call_catching_fault(void (*fn)(void *), void *arg, struct fault_info *fi)
{
	struct catch_state *cs = &catching[this_cpu_id()];
	*fi = (struct fault_info){ 0 };
	cs->fi = fi;
	cs->armed = true;
	u64 faulted = catch_call(fn, arg, &cs->saved_rsp);
	cs->armed = false;
	return faulted != 0;
}

void arch_iret_to_self(void)
{
	u64 tmp;
	/* The frame an interrupt would push (ss, rsp, rflags, cs, rip), then
	 * IRET to the label; the kernel is in the top 2 GiB, so the label fits
	 * a sign-extended 32-bit push. */
	__asm__ __volatile__("mov %%ss, %k0\n\t"
			     "pushq %0\n\t"
			     "pushq %%rsp\n\t"
			     "addq $8, (%%rsp)\n\t"
			     "pushfq\n\t"
			     "mov %%cs, %k0\n\t"
			     "pushq %0\n\t"
			     "pushq $1f\n\t"
			     "iretq\n"
			     "1:"
			     : "=&r"(tmp) : : "memory", "cc");
}

static void kernel_exception(struct trap_frame *f)
{
	const struct extable_entry *e = extable_find(f->rip);
	if (e) {
		struct trap_record *r = &last_fixup[this_cpu_id()];
		r->vector = f->vector;
		r->error_code = f->error_code;
		r->rip = f->rip;
		r->cr2 = f->vector == X86_PF ? read_cr2() : 0;
		r->count++;
		f->rip = e->fixup;
		return;
	}
	struct catch_state *cs = &catching[this_cpu_id()];
	if (cs->armed && f->vector != X86_DF && f->vector != X86_MC) {
		cs->armed = false;
		*cs->fi = (struct fault_info){ f->vector, f->error_code, f->rip,
					       f->vector == X86_PF ? read_cr2() : 0 };
		exception_report(f, "kernel exception (caught by a test)");
		f->rip = (u64)catch_recover;
		f->rsp = cs->saved_rsp;
		return;
	}

	exception_report(f, "kernel exception");
	panic("unhandled %s in kernel mode at %#llx", arch_exception_name(f->vector), f->rip);
}

static void irq_dispatch(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	c->irq_depth++;
	c->irq_count++;
	struct trap_frame *outer = c->irq_regs;
	c->irq_regs = f;
	irq_handler_t h = irq_handlers[f->vector];
	if (h)
		h(f);
	else if (f->vector >= VEC_PIC_BASE && f->vector < VEC_PIC_BASE + 16)
		; /* spurious interrupt from the masked legacy PIC: no EOI */
	else if (f->vector != VEC_SPURIOUS)
		printk("warning: unexpected interrupt vector %llu\n", f->vector);
	if (f->vector >= VEC_IOAPIC_BASE && f->vector != VEC_SPURIOUS)
		apic_eoi();
	c->irq_regs = outer;
	c->irq_depth--;
}

/* An exception or interrupt inside an NMI handler. NMI code must never
 * fault (it may have interrupted anything) and runs with interrupts off, so
 * this names the code that broke the rule, even where an exception-table
 * fixup would have hidden it; its IRET would also end the NMI blocking
 * early (the NMI entry copes with that, but it is no way to run). */
static void trap_in_nmi(struct trap_frame *f)
{
	printk_enter_emergency();       /* NMI printk would only buffer it */
	exception_report(f, "exception or interrupt inside an NMI handler");
	panic("vector %llu (%s) in NMI context at %#llx", f->vector,
	      f->vector < 32 ? arch_exception_name(f->vector) : "interrupt", f->rip);
}

void trap_dispatch(struct trap_frame *f)
{
	if (unlikely(this_cpu()->nmi_depth))
		trap_in_nmi(f);
	if (f->vector < 32) {
		if (trap_from_user(f)) {
			user_exception(f, f->vector == X86_PF ? read_cr2() : 0);
		} else if (f->vector == X86_PF && user_memory_fault(f, read_cr2())) {
			/* demand paging of user memory touched by the kernel */
		} else {
			kernel_exception(f);
		}
	} else {
		irq_dispatch(f);
	}
	if (trap_from_user(f)) {
		/* Signals, kills and rescheduling, as after a system call. */
		exit_to_user(f);
		return;
	}
	/* Preempt on the way out if the timer or a wakeup asked for it, but
	 * only where the interrupted code could have been preempted. */
	struct cpu *c = this_cpu();
	if (READ_ONCE(c->need_resched) && c->preempt_count == 0 && c->irq_depth == 0 &&
	    (f->rflags & RFLAGS_IF))
		sched_preempt_from_irq();
}
