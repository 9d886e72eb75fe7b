/* test_signals: signal delivery to handlers and rt_sigreturn.
 *
 * Synchronous faults (SIGILL on ud2, SIGFPE on a division by zero, SIGSEGV
 * with the page-fault details in the ucontext), kill/tgkill to ourselves
 * with the right siginfo, blocking and unblocking, pause() until a
 * handler has run, the mask while a handler
 * runs, SA_NODEFER / SA_RESETHAND / SIG_IGN / default-ignored signals,
 * nested handlers, a handler that edits the interrupted context (RIP and a
 * register) and returns, and that a syscall or a signal handler in between
 * preserves every register the ABI says it does, including all XMM
 * registers, and that handlers start with a clean FPU state (MXCSR).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

static volatile int hits, order[8], norder;
static siginfo_t last_si;
static sigset_t mask_in_handler;

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags, int also_block)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (also_block)
		sigaddset(&sa.sa_mask, also_block);
	sigaction(sig, &sa, NULL);
}

static void record_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	hits++;
	last_si = *si;
	RSYS(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask_in_handler, 8);
}

/* Skips the faulting instruction (its length is in skip_len) and sets RBX
 * in the interrupted context, so the return path must restore both. */
static volatile int skip_len;
static void skip_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	hits++;
	last_si = *si;
	(void)sig;
	uc->uc_mcontext.gregs[REG_RIP] += skip_len;
	uc->uc_mcontext.gregs[REG_RBX] = 0x1234abcd;
}

extern char ud2_insn[], div_insn[];

static void t_sigill_ud2(void)
{
	long rbx = 0;
	hits = 0;
	skip_len = 2;
	set_handler(SIGILL, skip_handler, 0, 0);
	__asm__ volatile("xor %%ebx, %%ebx\n"
			 ".globl ud2_insn\nud2_insn: ud2\n"
			 "mov %%rbx, %0" : "=r"(rbx) : : "rbx", "memory");
	signal(SIGILL, SIG_DFL);
	EXPECT_EQ(hits, 1);
	EXPECT_EQ(last_si.si_signo, SIGILL);
	EXPECT_EQ(last_si.si_code, ILL_ILLOPN);
	EXPECT_PTR_EQ(last_si.si_addr, ud2_insn);
	EXPECT_EQ_HEX(rbx, 0x1234abcd);            /* the edited context came back */
}

static void t_sigfpe_divide_by_zero(void)
{
	long rbx = 0;
	hits = 0;
	skip_len = 2;                              /* div %ecx = f7 f1 */
	set_handler(SIGFPE, skip_handler, 0, 0);
	__asm__ volatile("xor %%ebx, %%ebx\n"
			 "mov $7, %%eax\nxor %%edx, %%edx\nxor %%ecx, %%ecx\n"
			 ".globl div_insn\ndiv_insn: div %%ecx\n"
			 "mov %%rbx, %0" : "=r"(rbx) : : "rax", "rbx", "rcx", "rdx", "memory");
	signal(SIGFPE, SIG_DFL);
	EXPECT_EQ(hits, 1);
	EXPECT_EQ(last_si.si_signo, SIGFPE);
	EXPECT_EQ(last_si.si_code, FPE_INTDIV);
	EXPECT_PTR_EQ(last_si.si_addr, div_insn);
	EXPECT_EQ_HEX(rbx, 0x1234abcd);
}

static volatile long seg_trapno, seg_err, seg_rip;
static char *seg_page;
static void segv_ctx_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	hits++;
	last_si = *si;
	seg_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	seg_err = uc->uc_mcontext.gregs[REG_ERR];
	seg_rip = uc->uc_mcontext.gregs[REG_RIP];
	RSYS(SYS_mprotect, seg_page, 4096, PROT_READ | PROT_WRITE);  /* then retry */
}

extern char segv_insn[];
static void t_sigsegv_context(void)
{
	seg_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!EXPECT_TRUE(seg_page != MAP_FAILED))
		return;
	EXPECT_EQ(peek8(seg_page + 9), 0);        /* now present (read-only) */
	hits = 0;
	set_handler(SIGSEGV, segv_ctx_handler, 0, 0);
	__asm__ volatile(".globl segv_insn\nsegv_insn: movb $1, 9(%0)" : : "r"(seg_page) : "memory");
	signal(SIGSEGV, SIG_DFL);
	EXPECT_EQ(hits, 1);
	EXPECT_EQ(last_si.si_code, SEGV_ACCERR);
	EXPECT_PTR_EQ(last_si.si_addr, seg_page + 9);
	EXPECT_EQ(seg_trapno, 14);                 /* #PF */
	EXPECT_EQ(seg_err, 7);                     /* present | write | user */
	EXPECT_PTR_EQ(seg_rip, segv_insn);
	EXPECT_EQ(seg_page[9], 1);                 /* restarted after the handler */
	munmap(seg_page, 4096);
}

static void t_kill_self_siginfo(void)
{
	hits = 0;
	set_handler(SIGUSR1, record_handler, 0, 0);
	EXPECT_EQ(RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR1), 0);
	EXPECT_EQ(hits, 1);                        /* delivered before kill returned */
	EXPECT_EQ(last_si.si_signo, SIGUSR1);
	EXPECT_EQ(last_si.si_code, SI_USER);
	EXPECT_EQ(last_si.si_pid, RSYS(SYS_getpid));
	EXPECT_EQ(last_si.si_uid, RSYS(SYS_getuid));
	EXPECT_EQ(sigismember(&mask_in_handler, SIGUSR1), 1);   /* blocked inside */
	signal(SIGUSR1, SIG_DFL);
}

static void t_tgkill_self_siginfo(void)
{
	hits = 0;
	set_handler(SIGUSR2, record_handler, 0, 0);
	EXPECT_EQ(RSYS(SYS_tgkill, RSYS(SYS_getpid), RSYS(SYS_gettid), SIGUSR2), 0);
	EXPECT_EQ(hits, 1);
	EXPECT_EQ(last_si.si_signo, SIGUSR2);
	EXPECT_EQ(last_si.si_code, SI_TKILL);
	EXPECT_EQ(last_si.si_pid, RSYS(SYS_getpid));
	signal(SIGUSR2, SIG_DFL);
}

static void t_blocked_until_unblocked(void)
{
	sigset_t set, old;
	hits = 0;
	set_handler(SIGUSR1, record_handler, 0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	EXPECT_EQ(RSYS(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8), 0);
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR1);
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR1);      /* standard signals do not queue */
	EXPECT_EQ(hits, 0);
	EXPECT_EQ(RSYS(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8), 0);
	EXPECT_EQ(hits, 1);                             /* on the way out of sigprocmask */
	EXPECT_EQ(RSYS(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &set, 8), 0);
	EXPECT_EQ(sigismember(&set, SIGUSR1), 0);
	signal(SIGUSR1, SIG_DFL);
}

/* pause() sleeps until a signal's handler has run, then fails with EINTR
 * (once a timer's SIGALRM comes). */
static void t_pause_until_handler(void)
{
	hits = 0;
	set_handler(SIGALRM, record_handler, 0, 0);
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	EXPECT_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
	EXPECT_EQ(RSYS(SYS_pause), -EINTR);
	EXPECT_EQ(hits, 1);
	signal(SIGALRM, SIG_DFL);
}

static void t_mask_while_handling(void)
{
	sigset_t now;
	hits = 0;
	set_handler(SIGUSR1, record_handler, 0, SIGUSR2);   /* sa_mask = {SIGUSR2} */
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR1);
	EXPECT_EQ(hits, 1);
	EXPECT_EQ(sigismember(&mask_in_handler, SIGUSR1), 1);
	EXPECT_EQ(sigismember(&mask_in_handler, SIGUSR2), 1);
	RSYS(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &now, 8);
	EXPECT_EQ(sigismember(&now, SIGUSR1), 0);           /* restored afterwards */
	EXPECT_EQ(sigismember(&now, SIGUSR2), 0);
	/* SA_NODEFER: the signal itself stays unblocked in its handler. */
	set_handler(SIGUSR1, record_handler, SA_NODEFER, 0);
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR1);
	EXPECT_EQ(hits, 2);
	EXPECT_EQ(sigismember(&mask_in_handler, SIGUSR1), 0);
	signal(SIGUSR1, SIG_DFL);
}

static void t_resethand_and_ignore(void)
{
	struct sigaction sa;
	hits = 0;
	set_handler(SIGUSR2, record_handler, SA_RESETHAND, 0);
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR2);
	EXPECT_EQ(hits, 1);
	EXPECT_EQ(sigaction(SIGUSR2, NULL, &sa), 0);
	EXPECT_TRUE(sa.sa_handler == SIG_DFL);
	/* SIG_IGN, and signals whose default action is to ignore them. */
	signal(SIGUSR2, SIG_IGN);
	EXPECT_EQ(RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR2), 0);
	EXPECT_EQ(RSYS(SYS_kill, RSYS(SYS_getpid), SIGURG), 0);
	EXPECT_EQ(RSYS(SYS_kill, RSYS(SYS_getpid), SIGWINCH), 0);
	EXPECT_EQ(RSYS(SYS_kill, RSYS(SYS_getpid), SIGCHLD), 0);
	EXPECT_EQ(hits, 1);                                 /* and we are alive */
	signal(SIGUSR2, SIG_DFL);
}

static void t_sigaction_roundtrip(void)
{
	struct sigaction a, b;
	memset(&a, 0, sizeof(a));
	a.sa_sigaction = record_handler;
	a.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&a.sa_mask);
	sigaddset(&a.sa_mask, SIGTERM);
	sigaddset(&a.sa_mask, 40);
	EXPECT_EQ(sigaction(SIGUSR1, &a, NULL), 0);
	memset(&b, 0, sizeof(b));
	EXPECT_EQ(sigaction(SIGUSR1, NULL, &b), 0);
	EXPECT_TRUE(b.sa_sigaction == record_handler);
	EXPECT_EQ(b.sa_flags & (SA_SIGINFO | SA_RESTART), SA_SIGINFO | SA_RESTART);
	EXPECT_EQ(sigismember(&b.sa_mask, SIGTERM), 1);
	EXPECT_EQ(sigismember(&b.sa_mask, 40), 1);
	EXPECT_EQ(sigismember(&b.sa_mask, SIGINT), 0);
	signal(SIGUSR1, SIG_DFL);
}

static void nest_inner(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	order[norder++] = 2;
}
static void nest_outer(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	order[norder++] = 1;
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR2);
	order[norder++] = 3;
}

static void t_nested_handlers(void)
{
	norder = 0;
	set_handler(SIGUSR1, nest_outer, 0, 0);
	set_handler(SIGUSR2, nest_inner, 0, 0);
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR1);
	EXPECT_EQ(norder, 3);
	EXPECT_EQ(order[0] * 100 + order[1] * 10 + order[2], 123);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* --- register preservation ------------------------------------------------ */
struct regtest {
	long nr, a0, a1;
	long pat[10];          /* rbx rbp r12 r13 r14 r15 rdx r10 r8 r9 */
	long out[13];          /* rax rdi rsi rbx rbp r12 r13 r14 r15 rdx r10 r8 r9 */
	unsigned char xin[256], xout[256];
};
_Static_assert(offsetof(struct regtest, pat) == 24, "layout");
_Static_assert(offsetof(struct regtest, out) == 104, "layout");
_Static_assert(offsetof(struct regtest, xin) == 208, "layout");
_Static_assert(offsetof(struct regtest, xout) == 464, "layout");
void regtest_run(struct regtest *t);
__asm__(
	".text\n.globl regtest_run\n.type regtest_run,@function\nregtest_run:\n"
	"push %rbp\npush %rbx\npush %r12\npush %r13\npush %r14\npush %r15\npush %rdi\n"
	"movdqu 208(%rdi),%xmm0\nmovdqu 224(%rdi),%xmm1\nmovdqu 240(%rdi),%xmm2\nmovdqu 256(%rdi),%xmm3\n"
	"movdqu 272(%rdi),%xmm4\nmovdqu 288(%rdi),%xmm5\nmovdqu 304(%rdi),%xmm6\nmovdqu 320(%rdi),%xmm7\n"
	"movdqu 336(%rdi),%xmm8\nmovdqu 352(%rdi),%xmm9\nmovdqu 368(%rdi),%xmm10\nmovdqu 384(%rdi),%xmm11\n"
	"movdqu 400(%rdi),%xmm12\nmovdqu 416(%rdi),%xmm13\nmovdqu 432(%rdi),%xmm14\nmovdqu 448(%rdi),%xmm15\n"
	"mov 24(%rdi),%rbx\nmov 32(%rdi),%rbp\nmov 40(%rdi),%r12\nmov 48(%rdi),%r13\n"
	"mov 56(%rdi),%r14\nmov 64(%rdi),%r15\nmov 72(%rdi),%rdx\nmov 80(%rdi),%r10\n"
	"mov 88(%rdi),%r8\nmov 96(%rdi),%r9\n"
	"mov 0(%rdi),%rax\nmov 16(%rdi),%rsi\nmov 8(%rdi),%rdi\n"
	"syscall\n"
	"xchg %rdi,(%rsp)\n"
	"mov %rax,104(%rdi)\nmov %rsi,120(%rdi)\nmov %rbx,128(%rdi)\nmov %rbp,136(%rdi)\n"
	"mov %r12,144(%rdi)\nmov %r13,152(%rdi)\nmov %r14,160(%rdi)\nmov %r15,168(%rdi)\n"
	"mov %rdx,176(%rdi)\nmov %r10,184(%rdi)\nmov %r8,192(%rdi)\nmov %r9,200(%rdi)\n"
	"pop %rax\nmov %rax,112(%rdi)\n"
	"movdqu %xmm0,464(%rdi)\nmovdqu %xmm1,480(%rdi)\nmovdqu %xmm2,496(%rdi)\nmovdqu %xmm3,512(%rdi)\n"
	"movdqu %xmm4,528(%rdi)\nmovdqu %xmm5,544(%rdi)\nmovdqu %xmm6,560(%rdi)\nmovdqu %xmm7,576(%rdi)\n"
	"movdqu %xmm8,592(%rdi)\nmovdqu %xmm9,608(%rdi)\nmovdqu %xmm10,624(%rdi)\nmovdqu %xmm11,640(%rdi)\n"
	"movdqu %xmm12,656(%rdi)\nmovdqu %xmm13,672(%rdi)\nmovdqu %xmm14,688(%rdi)\nmovdqu %xmm15,704(%rdi)\n"
	"pop %r15\npop %r14\npop %r13\npop %r12\npop %rbx\npop %rbp\nret\n"
	".size regtest_run, .-regtest_run\n");

static void clobber_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
	hits++;
	__asm__ volatile(
		"mov $-1, %%rbx\nmov $-1, %%r12\nmov $-1, %%r13\nmov $-1, %%r14\nmov $-1, %%r15\n"
		"mov $-1, %%rdx\nmov $-1, %%r10\nmov $-1, %%r8\nmov $-1, %%r9\nmov $-1, %%rsi\nmov $-1, %%rdi\n"
		"pcmpeqd %%xmm0,%%xmm0\npcmpeqd %%xmm1,%%xmm1\npcmpeqd %%xmm2,%%xmm2\npcmpeqd %%xmm3,%%xmm3\n"
		"pcmpeqd %%xmm4,%%xmm4\npcmpeqd %%xmm5,%%xmm5\npcmpeqd %%xmm6,%%xmm6\npcmpeqd %%xmm7,%%xmm7\n"
		"pcmpeqd %%xmm8,%%xmm8\npcmpeqd %%xmm9,%%xmm9\npcmpeqd %%xmm10,%%xmm10\npcmpeqd %%xmm11,%%xmm11\n"
		"pcmpeqd %%xmm12,%%xmm12\npcmpeqd %%xmm13,%%xmm13\npcmpeqd %%xmm14,%%xmm14\npcmpeqd %%xmm15,%%xmm15\n"
		: : : "rbx", "r12", "r13", "r14", "r15", "rdx", "r10", "r8", "r9", "rsi", "rdi",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");
}

static void check_regs(long nr, long a0, long a1, long want_rax)
{
	static const char *const names[] = { "rax", "rdi", "rsi", "rbx", "rbp", "r12", "r13",
					     "r14", "r15", "rdx", "r10", "r8", "r9" };
	struct regtest t;
	long want[13];
	memset(&t, 0, sizeof(t));
	t.nr = nr; t.a0 = a0; t.a1 = a1;
	for (int i = 0; i < 10; i++)
		t.pat[i] = (long)(0x1111111111111111UL * (i + 1)) ^ 0x0f0f;
	for (int i = 0; i < 256; i++)
		t.xin[i] = (unsigned char)(i * 37 + 11);
	regtest_run(&t);
	want[0] = want_rax; want[1] = a0; want[2] = a1;
	for (int i = 0; i < 10; i++)
		want[3 + i] = t.pat[i];
	for (int i = 0; i < 13; i++)
		if (t.out[i] != want[i])
			KTAP_FAIL("%s = %#lx after the syscall, want %#lx", names[i], t.out[i], want[i]);
	for (int r = 0; r < 16; r++)
		if (memcmp(t.xin + 16 * r, t.xout + 16 * r, 16))
			KTAP_FAIL("xmm%d changed across the syscall", r);
}

static void t_syscall_preserves_registers(void)
{
	check_regs(SYS_getppid, 0x5555, 0x6666, RSYS(SYS_getppid));
	check_regs(SYS_sched_yield, -1, 0, 0);
}

static void t_signal_preserves_registers(void)
{
	hits = 0;
	set_handler(SIGUSR1, clobber_handler, 0, 0);
	check_regs(SYS_kill, RSYS(SYS_getpid), SIGUSR1, 0);
	EXPECT_EQ(hits, 1);
	signal(SIGUSR1, SIG_DFL);
}

static volatile unsigned handler_mxcsr;
static void mxcsr_handler(int sig, siginfo_t *si, void *uc)
{
	unsigned m;
	(void)sig; (void)si; (void)uc;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	handler_mxcsr = m;
	m = 0x7f80;                                         /* round toward zero */
	__asm__ volatile("ldmxcsr %0" : : "m"(m));
}

static void t_handler_fpu_state(void)
{
	unsigned m = 0x3f80, after = 0, dflt = 0x1f80;      /* round down */
	set_handler(SIGUSR2, mxcsr_handler, 0, 0);
	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	RSYS(SYS_kill, RSYS(SYS_getpid), SIGUSR2);
	__asm__ volatile("stmxcsr %0" : "=m"(after));
	__asm__ volatile("ldmxcsr %0" : : "m"(dflt));
	signal(SIGUSR2, SIG_DFL);
	EXPECT_EQ_HEX(handler_mxcsr, 0x1f80);               /* handlers start clean */
	EXPECT_EQ_HEX(after, 0x3f80);                       /* and ours came back */
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_sigill_ud2),
	KTAP_CASE(t_sigfpe_divide_by_zero),
	KTAP_CASE(t_sigsegv_context),
	KTAP_CASE(t_kill_self_siginfo),
	KTAP_CASE(t_tgkill_self_siginfo),
	KTAP_CASE(t_blocked_until_unblocked),
	KTAP_CASE(t_pause_until_handler),
	KTAP_CASE(t_mask_while_handling),
	KTAP_CASE(t_resethand_and_ignore),
	KTAP_CASE(t_sigaction_roundtrip),
	KTAP_CASE(t_nested_handlers),
	KTAP_CASE(t_syscall_preserves_registers),
	KTAP_CASE(t_signal_preserves_registers),
	KTAP_CASE(t_handler_fpu_state),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
