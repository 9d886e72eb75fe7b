/* x86_64 signal frames (Linux's rt_sigframe layout, so musl's handlers,
 * siglongjmp and its __restore_rt work unchanged), rt_sigreturn, and the
 * translation of user-mode exceptions into signals. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <kernel/ksyms.h>
#include <kernel/mm.h>
#include <kernel/perf.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/usermem.h>
#include <arch/x86/cpu.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/entry.h>
#include <kernel/arch/thread.h>


/* Linux's siginfo_t on x86_64: the union starts at 16. */
struct ksiginfo {
	s32 signo, errnum, code, pad;
	union {
		u64 addr;                       /* faults */
		struct { u64 addr, data; u32 type, flags; } perf;       /* TRAP_PERF */
		struct { s32 pid; u32 uid; } kill;
		struct { s32 pid; u32 uid; s32 status; s32 pad; s64 utime, stime; } chld;
		struct { s64 band; s32 fd; } poll;
		u8 raw[112];
	};
};

struct ksigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate;                            /* user pointer to the FXSAVE image */
	u64 reserved1[8];
};

struct kucontext {
	u64 uc_flags;
	u64 uc_link;
	struct { u64 ss_sp; s32 ss_flags; s32 pad; u64 ss_size; } uc_stack;
	struct ksigcontext uc_mcontext;
	u64 uc_sigmask;
};

struct rt_sigframe {
	u64 pretcode;                           /* the handler returns here */
	struct kucontext uc;
	struct ksiginfo info;
};

STATIC_ASSERT(sizeof(struct ksiginfo) == 128, "siginfo is 128 bytes");
STATIC_ASSERT(sizeof(struct ksigcontext) == 256, "sigcontext is 256 bytes");

#define RED_ZONE 128
/* Flags a signal handler (or sigreturn) may change. */
#define USER_FLAGS (RFLAGS_CF | 0x4 | 0x10 | 0x40 | 0x80 | RFLAGS_TF | RFLAGS_DF | 0x800 | \
		    RFLAGS_AC | (1ul << 21))

int arch_signal_setup_frame(struct trap_frame *f, int sig, const struct k_sigaction *ka,
			    const struct kinfo *ki, u64 old_mask)
{
	u64 addr = ki->addr;
	struct thread *t = current_thread();
	if (!(ka->flags & SA_RESTORER))
		return -EFAULT;         /* x86_64 has no vDSO return path here */
	u64 sp = f->rsp - RED_ZONE;
	u64 fpstate = ALIGN_DOWN(sp - sizeof(t->fpu), 64);
	u64 frame = ALIGN_DOWN(fpstate - sizeof(struct rt_sigframe), 16) - 8;
	struct rt_sigframe sf;
	memset(&sf, 0, sizeof(sf));
	sf.pretcode = ka->restorer;
	sf.info.signo = sig;
	sf.info.code = ki->code;
	if (sig == SIGTRAP && ki->code == TRAP_PERF) {
		sf.info.perf.addr = addr;
		sf.info.perf.data = ki->perf_data;
		sf.info.perf.type = ki->perf_type;
	} else if (ki->code > 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
				    sig == SIGFPE || sig == SIGTRAP)) {
		sf.info.addr = addr;
	} else if (ki->code > 0 && sig == SIGCHLD) {
		sf.info.chld.pid = ki->pid;
		sf.info.chld.uid = ki->uid;
		sf.info.chld.status = ki->status;
	} else if (ki->code > 0 && (sig == SIGIO || ki->band)) {
		/* SIGIO, or the F_SETSIG signal of signal-driven I/O: band, fd. */
		sf.info.poll.band = ki->band;
		sf.info.poll.fd = ki->fd;
	} else {
		sf.info.kill.pid = ki->pid;     /* kill, tgkill, the kernel (SI_KERNEL) */
		sf.info.kill.uid = ki->uid;
	}
	struct ksigcontext *mc = &sf.uc.uc_mcontext;
	mc->r8 = f->r8; mc->r9 = f->r9; mc->r10 = f->r10; mc->r11 = f->r11;
	mc->r12 = f->r12; mc->r13 = f->r13; mc->r14 = f->r14; mc->r15 = f->r15;
	mc->rdi = f->rdi; mc->rsi = f->rsi; mc->rbp = f->rbp; mc->rbx = f->rbx;
	mc->rdx = f->rdx; mc->rax = f->rax; mc->rcx = f->rcx; mc->rsp = f->rsp;
	mc->rip = f->rip; mc->eflags = f->rflags;
	mc->cs = GDT_USER_CS;
	mc->ss = GDT_USER_DS;
	mc->trapno = f->vector < 32 ? f->vector : 0;
	mc->err = f->vector < 32 ? f->error_code : 0;
	mc->cr2 = addr;
	mc->oldmask = old_mask;
	mc->fpstate = fpstate;
	sf.uc.uc_sigmask = old_mask;
	sf.uc.uc_stack.ss_flags = 2;            /* SS_DISABLE */
	/* The live FPU/SSE registers are this thread's user state. */
	__asm__ __volatile__("fxsave64 %0" : "=m"(t->fpu));
	if (copy_to_user(fpstate, t->fpu, sizeof(t->fpu)) ||
	    copy_to_user(frame, &sf, sizeof(sf)))
		return -EFAULT;
	arch_fpu_reset_live();
	f->rsp = frame;
	f->rip = ka->handler;
	f->rdi = (u64)sig;
	f->rsi = frame + __builtin_offsetof(struct rt_sigframe, info);
	f->rdx = frame + __builtin_offsetof(struct rt_sigframe, uc);
	f->rax = 0;
	f->rflags &= ~(RFLAGS_TF | RFLAGS_DF);
	f->cs = GDT_USER_CS;
	f->ss = GDT_USER_DS;
	return 0;
}

long arch_sys_rt_sigreturn(struct trap_frame *f)
{
	struct thread *t = current_thread();
	/* The handler's `ret` popped pretcode: the frame starts 8 below. */
	u64 frame = f->rsp - 8;
	struct rt_sigframe sf;
	if (copy_from_user(&sf, frame, sizeof(sf)))
		goto bad;
	struct ksigcontext *mc = &sf.uc.uc_mcontext;
	if (mc->fpstate) {
		u8 fx[512] __attribute__((aligned(16)));
		if (copy_from_user(fx, mc->fpstate, sizeof(fx)))
			goto bad;
		/* Reserved MXCSR bits would make FXRSTOR fault: clear them. */
		u32 *mxcsr = (u32 *)(fx + 24);
		*mxcsr &= 0xffbf;
		memcpy(t->fpu, fx, sizeof(fx));
		__asm__ __volatile__("fxrstor64 %0" :: "m"(t->fpu));
	}
	f->r8 = mc->r8; f->r9 = mc->r9; f->r10 = mc->r10; f->r11 = mc->r11;
	f->r12 = mc->r12; f->r13 = mc->r13; f->r14 = mc->r14; f->r15 = mc->r15;
	f->rdi = mc->rdi; f->rsi = mc->rsi; f->rbp = mc->rbp; f->rbx = mc->rbx;
	f->rdx = mc->rdx; f->rax = mc->rax; f->rcx = mc->rcx; f->rsp = mc->rsp;
	f->rip = mc->rip;
	f->rflags = (f->rflags & ~(u64)USER_FLAGS) | (mc->eflags & USER_FLAGS) | RFLAGS_IF;
	f->cs = GDT_USER_CS;
	f->ss = GDT_USER_DS;
	t->sig_blocked = sf.uc.uc_sigmask & ~(SIGMASK(SIGKILL) | SIGMASK(SIGSTOP));
	return (long)f->rax;
bad:
	printk("ringtail: process %d (%s): bad signal frame in rt_sigreturn\n",
	       t->proc->pid, t->proc->comm);
	signal_send_thread(t, SIGSEGV, SEGV_MAPERR, frame);
	return (long)f->rax;
}

/* Registers of a fresh user thread. */
void arch_user_frame_init(struct trap_frame *f, u64 entry, u64 sp)
{
	memset(f, 0, sizeof(*f));
	f->rip = entry;
	f->rsp = sp;
	f->cs = GDT_USER_CS;
	f->ss = GDT_USER_DS;
	f->rflags = RFLAGS_IF | 2;
	f->vector = 0x100;
}

/* The report printed when a fault kills a process. */
static void report_user_fault(struct trap_frame *f, int sig, u64 addr, const char *what)
{
	struct process *p = current_proc();
	printk("\n=== user fault: process %d (%s) thread %d killed by %s ===\n", p->pid, p->comm,
	       current_thread()->tid, signal_name(sig));
	printk("cause: %s (%s, error code %#llx) at address %#llx\n", what,
	       arch_exception_name(f->vector), f->error_code, addr);
	printk("RIP: %#018llx RSP: %#018llx RFLAGS: %#llx\n", f->rip, f->rsp, f->rflags);
	printk("RAX: %016llx RBX: %016llx RCX: %016llx RDX: %016llx\n", f->rax, f->rbx, f->rcx,
	       f->rdx);
	printk("RSI: %016llx RDI: %016llx RBP: %016llx R8:  %016llx\n", f->rsi, f->rdi, f->rbp,
	       f->r8);
	printk("user backtrace (frame pointers):\n  #0 %#018llx\n", f->rip);
	u64 fp = f->rbp;
	for (int i = 1; i < 16 && fp && !(fp & 7); i++) {
		u64 fr[2];
		if (copy_from_user(fr, fp, sizeof(fr)) || !fr[1])
			break;
		printk("  #%d %#018llx\n", i, fr[1]);
		if (fr[0] <= fp)
			break;
		fp = fr[0];
	}
}

extern char syscall_entry[];

void user_exception(struct trap_frame *f, u64 cr2)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	/* KVM's PVM flavour (the nested "KVM" on our build machines) delivers
	 * SYSCALL from user mode to LSTAR without entering kernel mode, so it
	 * shows up here as a user fetch fault at syscall_entry, with RCX and
	 * R11 already set as SYSCALL sets them. Finish the system call.
	 * Only user-modifiable flags are taken from R11 (a program could jump
	 * here with any value in it). */
	if (f->vector == X86_PF && f->rip == (u64)syscall_entry && cr2 == f->rip) {
		f->rip = f->rcx;
		f->rflags = (f->r11 & USER_FLAGS) | RFLAGS_IF | 2;
		f->vector = 0x100;
		f->error_code = f->rax;
		syscall_dispatch(f);
		return;
	}
	arch_irq_enable();
	int sig, code = 0;
	u64 addr = f->rip;
	const char *what;
	switch (f->vector) {
	case X86_PF: {
		bool write = f->error_code & PF_WRITE, exec = f->error_code & PF_INSN;
		perf_page_fault(cr2, f);
		sig = mm_handle_fault(p->mm, cr2, write, exec, &code);
		if (!sig)
			return;         /* demand paging did its job */
		addr = cr2;
		what = cr2 >= TASK_SIZE ? "access to a kernel or non-user address"
		       : code == SEGV_ACCERR ? (write ? "write to a read-only or protected page"
					       : exec ? "execution of a non-executable page"
						      : "access to a protected page")
		       : "access to an unmapped address";
		break;
	}
	case X86_UD:
		sig = SIGILL; code = ILL_ILLOPN; what = "invalid instruction";
		break;
	case X86_DE:
		sig = SIGFPE; code = FPE_INTDIV; what = "integer divide by zero";
		break;
	case X86_MF:
	case X86_XM:
		sig = SIGFPE; what = "floating-point exception";
		break;
	case X86_BP:
	case X86_DB:
		sig = SIGTRAP; code = TRAP_BRKPT; what = "breakpoint";
		break;
	case X86_AC:
		sig = SIGBUS; code = BUS_ADRERR; what = "alignment check";
		break;
	default:
		/* #GP: a kernel address, a non-canonical one, a privileged
		 * instruction. Linux reports si_code SI_KERNEL, address 0. */
		sig = SIGSEGV; code = 0x80; addr = 0; what = "general protection fault";
		break;
	}
	const struct k_sigaction *ka = &p->sighand->action[sig - 1];
	bool handled = READ_ONCE(ka->handler) > SIG_IGN && !(t->sig_blocked & SIGMASK(sig));
	if (!handled) {
		/* Linux forces the default action for a blocked or ignored
		 * synchronous fault: the process dies. */
		report_user_fault(f, sig, addr, what);
		printk("ringtail: process %d (%s) killed by %s\n", p->pid, p->comm,
		       signal_name(sig));
		proc_exit_group(W_SIGNALED(sig));
	}
	signal_send_thread(t, sig, code, addr);
}
