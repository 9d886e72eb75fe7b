/* test_perf_regs: PERF_SAMPLE_REGS_USER, STACK_USER and REGS_INTR with
 * x86_64's register numbering and Linux's checks. The program loads known
 * values into registers and onto its stack, then makes a getppid call;
 * the syscalls:sys_enter_getppid sample must carry exactly those user
 * registers (ABI_64) and those stack words (dyn_size as asked). Masks
 * with DS/ES/FS/GS or reserved bits, an empty mask and odd or huge stack
 * sizes are EINVAL. Runs on a Linux host too (tracefs mounted). */
#include <string.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

enum { AX, BX, CX, DX, SI, DI, BP, SP, IP, FLAGS, CS, SS, DS, ES, FS, GS,
       R8, R9, R10, R11, R12, R13, R14, R15 };
#define M(r) (1ull << (r))
#define USER_MASK (M(AX) | M(BX) | M(DX) | M(SI) | M(DI) | M(SP) | M(IP) | M(R8) | M(R9) | \
		   M(R10) | M(R12) | M(R13) | M(R14) | M(R15))
#define STACK_BYTES 32

static long tp;

static long open_regs(u64 st, u64 regs_user, u32 stack_user, u64 regs_intr)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.sample_period = 1;
	a.sample_type = st;
	a.sample_regs_user = regs_user;
	a.sample_stack_user = stack_user;
	a.sample_regs_intr = regs_intr;
	a.exclude_kernel = !(st & PERF_SAMPLE_REGS_INTR);
	a.disabled = 1;
	return perf_open(&a, 0, -1, -1, 0);
}

/* getppid with every register the sample reports set to a known value,
 * four known words at the stack pointer; *sp_out is that stack pointer. */
static void marked_getppid(u64 *sp_out)
{
	u64 sp;
	__asm__ __volatile__(
		"push %%rbx\n\tpush %%r12\n\tpush %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
		"movabs $0x5151515151515151, %%rax\n\tpush %%rax\n\t"
		"movabs $0x4141414141414141, %%rax\n\tpush %%rax\n\t"
		"movabs $0x3131313131313131, %%rax\n\tpush %%rax\n\t"
		"movabs $0x2121212121212121, %%rax\n\tpush %%rax\n\t"
		"movabs $0x0b0b0b0b0b0b0b0b, %%rbx\n\t"
		"movabs $0x0c0c0c0c0c0c0c0c, %%r12\n\t"
		"movabs $0x0d0d0d0d0d0d0d0d, %%r13\n\t"
		"movabs $0x0e0e0e0e0e0e0e0e, %%r14\n\t"
		"movabs $0x0f0f0f0f0f0f0f0f, %%r15\n\t"
		"mov $0x11, %%edi\n\tmov $0x22, %%esi\n\tmov $0x33, %%edx\n\t"
		"mov $0x44, %%r10d\n\tmov $0x55, %%r8d\n\tmov $0x66, %%r9d\n\t"
		"mov %%rsp, %0\n\t"
		"mov $110, %%eax\n\t"                      /* getppid */
		"syscall\n\t"
		"add $32, %%rsp\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\tpop %%rbx"
		: "=m"(sp)
		:
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	*sp_out = sp;
}

struct got {
	int n;
	u64 abi, regs[32];
	u64 stack_size, stack[STACK_BYTES / 8], dyn;
	u64 intr_abi, intr_ip;
};

static int on_sample(const struct perf_event_header *h, void *arg)
{
	struct got *g = arg;
	if (h->type != PERF_RECORD_SAMPLE)
		return 0;
	const u64 *w = (const void *)(h + 1);
	int k = 1;                                      /* past IDENTIFIER */
	g->abi = w[k++];
	int nregs = __builtin_popcountll(USER_MASK);
	for (int i = 0; i < nregs && g->abi; i++)
		g->regs[i] = w[k++];
	g->stack_size = w[k++];
	for (u64 i = 0; i < g->stack_size / 8 && i < STACK_BYTES / 8; i++)
		g->stack[i] = w[k + i];
	k += (int)(g->stack_size / 8);
	if (g->stack_size)
		g->dyn = w[k++];
	g->n++;
	return 0;
}

static void t_user_regs_and_stack(void)
{
	u64 st = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	long fd = open_regs(st, USER_MASK, STACK_BYTES, 0);
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 8, 0), 0))
		return;
	u64 sp;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	marked_getppid(&sp);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	struct got g = { 0 };
	ring_pass(&r, on_sample, &g);
	EXPECT_EQ(g.n, 1);
	EXPECT_EQ(g.abi, 2);                            /* PERF_SAMPLE_REGS_ABI_64 */
	/* In mask order: AX BX DX SI DI SP IP R8 R9 R10 R12 R13 R14 R15. */
	EXPECT_EQ_HEX(g.regs[1], 0x0b0b0b0b0b0b0b0bull);
	EXPECT_EQ_HEX(g.regs[2], 0x33);
	EXPECT_EQ_HEX(g.regs[3], 0x22);
	EXPECT_EQ_HEX(g.regs[4], 0x11);
	EXPECT_EQ_HEX(g.regs[5], sp);
	EXPECT_EQ_HEX(g.regs[7], 0x55);
	EXPECT_EQ_HEX(g.regs[8], 0x66);
	EXPECT_EQ_HEX(g.regs[9], 0x44);
	EXPECT_EQ_HEX(g.regs[10], 0x0c0c0c0c0c0c0c0cull);
	EXPECT_EQ_HEX(g.regs[11], 0x0d0d0d0d0d0d0d0dull);
	EXPECT_EQ_HEX(g.regs[12], 0x0e0e0e0e0e0e0e0eull);
	EXPECT_EQ_HEX(g.regs[13], 0x0f0f0f0f0f0f0f0full);
	EXPECT_GT(g.regs[6], 0);                        /* rip: user code */
	EXPECT_EQ(g.stack_size, STACK_BYTES);
	EXPECT_EQ(g.dyn, STACK_BYTES);
	EXPECT_EQ_HEX(g.stack[0], 0x2121212121212121ull);
	EXPECT_EQ_HEX(g.stack[1], 0x3131313131313131ull);
	EXPECT_EQ_HEX(g.stack[2], 0x4141414141414141ull);
	EXPECT_EQ_HEX(g.stack[3], 0x5151515151515151ull);
	ring_unmap(&r);
	perf_close(fd);
}

static void t_bad_masks_and_sizes(void)
{
	u64 ru = PERF_SAMPLE_REGS_USER, su = PERF_SAMPLE_STACK_USER, ri = PERF_SAMPLE_REGS_INTR;
	EXPECT_EQ(open_regs(ru, 0, 0, 0), -EINVAL);                 /* empty */
	EXPECT_EQ(open_regs(ru, M(DS), 0, 0), -EINVAL);
	EXPECT_EQ(open_regs(ru, M(GS) | M(AX), 0, 0), -EINVAL);
	EXPECT_EQ(open_regs(ru, 1ull << 24, 0, 0), -EINVAL);        /* reserved */
	EXPECT_EQ(open_regs(su, 0, 12, 0), -EINVAL);                /* not a multiple of 8 */
	EXPECT_EQ(open_regs(su, 0, 65535, 0), -EINVAL);
	EXPECT_EQ(open_regs(ri, 0, 0, M(FS)), -EINVAL);
	long fd = open_regs(su, 0, 65528, 0);                       /* the largest */
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		perf_close(fd);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_user_regs_and_stack),
	KTAP_CASE(t_bad_masks_and_sizes),
};

int main(void)
{
	tp = tp_sys_enter("getppid");
	if (tp <= 0) {
		ktap_plan(0);
		printf("# SKIP no tracepoints here: %s\n", tp_unavailable());
		return 0;
	}
	return ktap_run(cases, KTAP_COUNT(cases));
}
