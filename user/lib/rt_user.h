/* rt_user.h - helpers shared by Ringtail's user test programs (header-only).
 *
 *  RSYS(nr, args...)  raw syscall: returns what the kernel returned (-errno on
 *                     failure), bypassing musl's wrappers and errno.
 *  BAD_* constants    pointers no kernel may dereference for the caller.
 *  on_ringtail()      1 when uname()'s release ends in "-ringtail" (checks
 *                     that only hold on Ringtail, e.g. the exact 80x24
 *                     console, are strict there and relaxed on a Linux
 *                     host; the printed output is the same either way).
 *  scratch_machine()  1 on Ringtail, and on the throwaway Linux VM of
 *                     scripts/linux_vm.py (its kernel command line says
 *                     "ringtail.scratch"): a machine whose memory and /tmp
 *                     a test may fill; 0 on a developer's own Linux.
 *  FAULT_TRY(stmt)    runs stmt with SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP
 *                     caught; returns the signal (0 if none) and leaves the
 *                     siginfo in fault_info. Needs fault_catch_install().
 */
#pragma once
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#define BAD_KERNEL   0xffffffff81000000UL  /* kernel text on Linux/Ringtail */
#define BAD_NONCANON 0x8000000000000000UL  /* non-canonical: #GP, not #PF */
#define BAD_TOP      0x00007ffffffffffcUL  /* 4 bytes below 2^47: anything
					    * longer crosses into non-canonical */
#define PAGE_SIZE_   4096UL

static inline long rsys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define RSYS_(n, a, b, c, d, e, f, ...) \
	rsys6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
#define RSYS(...) RSYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

static inline int on_ringtail(void)
{
	static int cached = -1;
	if (cached < 0) {
		struct utsname u;
		/* sysname is "Linux" (programs pick code paths by it); the
		 * release names Ringtail, as "6.18.0-ringtail". */
		size_t n = 0;
		if (RSYS(SYS_uname, &u) == 0)
			n = strlen(u.release);
		cached = n >= 9 && !strcmp(u.release + n - 9, "-ringtail");
	}
	return cached;
}

static inline int scratch_machine(void)
{
	static int cached = -1;
	if (cached < 0) {
		char buf[1024];
		long fd = RSYS(SYS_open, "/proc/cmdline", 0 /* O_RDONLY */), n = 0;
		if (fd >= 0) {
			n = RSYS(SYS_read, fd, buf, sizeof(buf) - 1);
			RSYS(SYS_close, fd);
		}
		buf[n > 0 ? n : 0] = 0;
		cached = on_ringtail() || strstr(buf, "ringtail.scratch") != NULL;
	}
	return cached;
}

/* --- catching synchronous faults -------------------------------------- */
struct fault_info {
	volatile int sig, code;
	void *volatile addr;       /* si_addr */
	volatile unsigned long ip; /* RIP at the fault (from the ucontext) */
};
static struct fault_info fault_info;
static sigjmp_buf fault_jb;
static volatile int fault_armed;

static void fault_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	fault_info.sig = sig;
	fault_info.code = si->si_code;
	fault_info.addr = si->si_addr;
	fault_info.ip = uc->uc_mcontext.gregs[REG_RIP];
	if (!fault_armed) {
		/* Not expected: restore the default action and return, so the
		 * fault repeats and kills the program with a report. */
		signal(sig, SIG_DFL);
		return;
	}
	fault_armed = 0;
	siglongjmp(fault_jb, 1);
}

static inline void fault_catch_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* sigsetjmp(.., 1) saves the mask, so siglongjmp unblocks the signal again. */
#define FAULT_TRY(stmt) ({                                                    \
	fault_info.sig = 0;                                                   \
	fault_info.code = 0;                                                  \
	fault_info.addr = 0;                                                  \
	if (sigsetjmp(fault_jb, 1) == 0) {                                    \
		fault_armed = 1;                                              \
		stmt;                                                         \
		fault_armed = 0;                                              \
	}                                                                     \
	(int)fault_info.sig; })

/* One-byte accesses the compiler can neither drop nor reason about (the
 * empty asm hides where the pointer came from, e.g. a constant address). */
static inline unsigned char peek8(const void *p)
{
	__asm__("" : "+r"(p));
	return *(const volatile unsigned char *)p;
}
static inline void poke8(void *p, unsigned char v)
{
	__asm__("" : "+r"(p));
	*(volatile unsigned char *)p = v;
}

static inline uint64_t now_ns(int clk)
{
	struct timespec ts;
	RSYS(SYS_clock_gettime, clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
