/* test_threads: clone/futex/scheduler through musl's pthreads and raw calls.
 *
 * create/join with return values, distinct tids and TLS per thread, a mutex
 * under contention, mutex+condvar ping-pong with strict alternation, a
 * thread that spins without ever yielding while main waits for a flag set
 * by a third thread (only timer preemption lets that finish), XMM registers
 * kept across involuntary switches, futex timeouts (relative, absolute,
 * CLOCK_REALTIME), FUTEX_WAKE counts, CMP_REQUEUE, WAIT/WAKE_BITSET, raw
 * clone with musl's flags (PARENT_SETTID, CHILD_CLEARTID + wake at exit),
 * a signal aimed at one thread, nanosleep interrupted by a signal.
 * Waits that could hang on a broken kernel have 30 s deadlines, so a bug is
 * a failed case, not a hung run; time bounds are otherwise generous.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#define FUTEX_WAIT_ 0
#define FUTEX_WAKE_ 1
#define FUTEX_CMP_REQUEUE_ 4
#define FUTEX_WAIT_BITSET_ 9
#define FUTEX_WAKE_BITSET_ 10
#define FUTEX_PRIVATE_ 128
#define FUTEX_CLOCK_REALTIME_ 256
#define MS 1000000ull
#define DEADLINE_S 30

static struct timespec deadline(int secs)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	return ts;
}

static int join(pthread_t t, void **ret)
{
	struct timespec d = deadline(DEADLINE_S);
	int e = pthread_timedjoin_np(t, ret, &d);
	if (e)
		KTAP_FAIL("pthread_timedjoin_np: %s", strerror(e));
	return e == 0;
}

static long futex(volatile int *w, int op, int val, const struct timespec *ts, volatile int *w2, int val3)
{
	return RSYS(SYS_futex, w, op, val, ts, w2, val3);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * (long)MS };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- create/join, tids, TLS ----------------------------------------------- */
static __thread int tls_val = 7;
struct tinfo { int idx; long tid, pid, fs; int tls_ok; };

static void *worker_info(void *arg)
{
	struct tinfo *ti = arg;
	ti->tid = RSYS(SYS_gettid);
	ti->pid = RSYS(SYS_getpid);
	RSYS(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &ti->fs);
	ti->tls_ok = tls_val == 7;
	tls_val = ti->idx * 10;
	sleep_ms(5);
	ti->tls_ok &= tls_val == ti->idx * 10;
	return (void *)(long)(ti->idx * ti->idx + 1);
}

static void t_create_join(void)
{
	enum { N = 16 };
	pthread_t t[N];
	struct tinfo ti[N];
	long me = RSYS(SYS_gettid);
	for (int i = 0; i < N; i++) {
		ti[i] = (struct tinfo){ .idx = i };
		if (!EXPECT_EQ(pthread_create(&t[i], NULL, worker_info, &ti[i]), 0))
			return;
	}
	for (int i = 0; i < N; i++) {
		void *ret = NULL;
		if (join(t[i], &ret))
			EXPECT_EQ((long)ret, i * i + 1);
	}
	for (int i = 0; i < N; i++) {
		EXPECT_EQ(ti[i].pid, RSYS(SYS_getpid));
		EXPECT_NE(ti[i].tid, me);
		EXPECT_GT(ti[i].tid, 0);
		EXPECT_TRUE(ti[i].tls_ok);
		EXPECT_NE(ti[i].fs, 0);
		for (int j = 0; j < i; j++) {
			if (ti[i].tid == ti[j].tid)
				KTAP_FAIL("threads %d and %d share tid %ld", i, j, ti[i].tid);
			if (ti[i].fs == ti[j].fs)
				KTAP_FAIL("threads %d and %d share a thread pointer", i, j);
		}
	}
	EXPECT_EQ(tls_val, 7);                     /* main's copy untouched */
}

static void *nothing(void *arg) { return arg; }

static void t_create_join_churn(void)
{
	for (int i = 0; i < 200; i++) {
		pthread_t t;
		void *ret = NULL;
		if (!EXPECT_EQ(pthread_create(&t, NULL, nothing, (void *)(long)i), 0) || !join(t, &ret))
			return;
		if ((long)ret != i) {
			KTAP_FAIL("thread %d returned %ld", i, (long)ret);
			return;
		}
	}
}

/* --- mutex, condvar ----------------------------------------------------------- */
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cnd = PTHREAD_COND_INITIALIZER;
static long counter;

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&mtx);
		long v = counter;
		if ((i & 255) == 0)
			sched_yield();                     /* sometimes switch while holding it */
		counter = v + 1;
		pthread_mutex_unlock(&mtx);
	}
	return NULL;
}

static void t_mutex_contention(void)
{
	pthread_t t[4];
	counter = 0;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, adder, NULL);
	for (int i = 0; i < 4; i++)
		join(t[i], NULL);
	EXPECT_EQ(counter, 80000);
}

enum { ROUNDS = 1000 };
static int turn, nlog, plog[2 * ROUNDS], pp_timeouts;

static void *pingpong(void *arg)
{
	int id = (int)(long)arg;
	struct timespec d = deadline(DEADLINE_S);
	pthread_mutex_lock(&mtx);
	for (int r = 0; r < ROUNDS; r++) {
		while (turn != id)
			if (pthread_cond_timedwait(&cnd, &mtx, &d) == ETIMEDOUT) {
				pp_timeouts++;
				pthread_mutex_unlock(&mtx);
				return NULL;
			}
		plog[nlog++] = id;
		turn = 1 - id;
		pthread_cond_signal(&cnd);
	}
	pthread_mutex_unlock(&mtx);
	return NULL;
}

static void t_condvar_pingpong(void)
{
	pthread_t a, b;
	int bad = 0;
	turn = 0; nlog = 0; pp_timeouts = 0;
	pthread_create(&b, NULL, pingpong, (void *)1L);
	pthread_create(&a, NULL, pingpong, (void *)0L);
	join(a, NULL);
	join(b, NULL);
	EXPECT_EQ(pp_timeouts, 0);
	EXPECT_EQ(nlog, 2 * ROUNDS);
	for (int i = 0; i < nlog; i++)
		bad += plog[i] != (i & 1);
	EXPECT_EQ(bad, 0);                         /* strict alternation */
}

/* --- preemption --------------------------------------------------------------- */
static volatile int spin_flag, spin_done[2];
static volatile unsigned long spins[2];

static void *spinner(void *arg)
{
	int id = (int)(long)arg;
	while (!spin_flag)                         /* never yields, never sleeps */
		spins[id]++;
	spin_done[id] = 1;
	return NULL;
}

/* Stops the spinners once both have run. Neither ever yields, so on one
 * CPU, or on two with a spinner on each, only preemption lets the second
 * spinner and this thread run at all: without it this test hangs (and the
 * harness's timeout fails it). No head start is assumed: a loaded host
 * may start the second spinner late, and the setter just waits longer. */
static void *flag_setter(void *arg)
{
	(void)arg;
	while (!spins[0] || !spins[1])
		sleep_ms(1);
	spin_flag = 1;
	return NULL;
}

static void t_spinning_thread_preempted(void)
{
	pthread_t s0, s1, setter;
	spin_flag = 0;
	spins[0] = spins[1] = 0;
	spin_done[0] = spin_done[1] = 0;
	pthread_create(&s0, NULL, spinner, (void *)0L);
	pthread_create(&s1, NULL, spinner, (void *)1L);
	pthread_create(&setter, NULL, flag_setter, NULL);
	join(setter, NULL);
	join(s0, NULL);
	join(s1, NULL);
	EXPECT_TRUE(spin_done[0] && spin_done[1]);
}

void fp_hold(const unsigned char *pat, volatile int *ready, volatile int *go, unsigned char *out);
__asm__(".text\n.globl fp_hold\n.type fp_hold,@function\nfp_hold:\n"
	"movdqu 0(%rdi),%xmm0\nmovdqu 16(%rdi),%xmm1\nmovdqu 32(%rdi),%xmm2\nmovdqu 48(%rdi),%xmm3\n"
	"movdqu 64(%rdi),%xmm4\nmovdqu 80(%rdi),%xmm5\nmovdqu 96(%rdi),%xmm6\nmovdqu 112(%rdi),%xmm7\n"
	"movdqu 128(%rdi),%xmm8\nmovdqu 144(%rdi),%xmm9\nmovdqu 160(%rdi),%xmm10\nmovdqu 176(%rdi),%xmm11\n"
	"movdqu 192(%rdi),%xmm12\nmovdqu 208(%rdi),%xmm13\nmovdqu 224(%rdi),%xmm14\nmovdqu 240(%rdi),%xmm15\n"
	"movl $1,(%rsi)\n"
	"1: pause\ncmpl $0,(%rdx)\nje 1b\n"
	"movdqu %xmm0,0(%rcx)\nmovdqu %xmm1,16(%rcx)\nmovdqu %xmm2,32(%rcx)\nmovdqu %xmm3,48(%rcx)\n"
	"movdqu %xmm4,64(%rcx)\nmovdqu %xmm5,80(%rcx)\nmovdqu %xmm6,96(%rcx)\nmovdqu %xmm7,112(%rcx)\n"
	"movdqu %xmm8,128(%rcx)\nmovdqu %xmm9,144(%rcx)\nmovdqu %xmm10,160(%rcx)\nmovdqu %xmm11,176(%rcx)\n"
	"movdqu %xmm12,192(%rcx)\nmovdqu %xmm13,208(%rcx)\nmovdqu %xmm14,224(%rcx)\nmovdqu %xmm15,240(%rcx)\n"
	"ret\n.size fp_hold, .-fp_hold\n");

struct fpjob { unsigned char pat[256], out[256]; volatile int ready; };
static volatile int fp_go;

static void *fp_thread(void *arg)
{
	struct fpjob *j = arg;
	fp_hold(j->pat, &j->ready, &fp_go, j->out);
	return NULL;
}

static void t_xmm_kept_across_preemption(void)
{
	static struct fpjob job[2];
	pthread_t t[2];
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	fp_go = 0;
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 256; i++)
			job[k].pat[i] = (unsigned char)(i * (k ? 13 : 29) + k * 101);
		memset(job[k].out, 0, 256);
		job[k].ready = 0;
		pthread_create(&t[k], NULL, fp_thread, &job[k]);
	}
	/* Both threads hold their patterns in XMM0-15 and spin; on one CPU each
	 * has been switched out while holding them once both are ready. */
	while (!(job[0].ready && job[1].ready) && now_ns(CLOCK_MONOTONIC) - t0 < DEADLINE_S * 1000 * MS)
		sched_yield();
	EXPECT_TRUE(job[0].ready && job[1].ready);
	sleep_ms(30);
	fp_go = 1;
	join(t[0], NULL);
	join(t[1], NULL);
	EXPECT_MEMEQ(job[0].out, job[0].pat, 256);
	EXPECT_MEMEQ(job[1].out, job[1].pat, 256);
}

/* --- futex ------------------------------------------------------------------------ */
static void t_futex_timeouts(void)
{
	volatile int w = 0;
	struct timespec rel = { 0, 50 * MS }, abs;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), dl;

	EXPECT_ERRNO(futex(&w, FUTEX_WAIT_ | FUTEX_PRIVATE_, 0, &rel, NULL, 0), ETIMEDOUT);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 50 * MS);
	EXPECT_LT(now_ns(CLOCK_MONOTONIC) - t0, 5000 * MS);
	/* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline... */
	dl = now_ns(CLOCK_MONOTONIC) + 30 * MS;
	abs = (struct timespec){ dl / 1000000000, dl % 1000000000 };
	EXPECT_ERRNO(futex(&w, FUTEX_WAIT_BITSET_ | FUTEX_PRIVATE_, 0, &abs, NULL, -1), ETIMEDOUT);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC), dl);
	/* ...or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME. */
	t0 = now_ns(CLOCK_MONOTONIC);
	dl = now_ns(CLOCK_REALTIME) + 30 * MS;
	abs = (struct timespec){ dl / 1000000000, dl % 1000000000 };
	EXPECT_ERRNO(futex(&w, FUTEX_WAIT_BITSET_ | FUTEX_PRIVATE_ | FUTEX_CLOCK_REALTIME_, 0, &abs, NULL, -1),
		     ETIMEDOUT);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 25 * MS);
	/* A deadline already past returns at once. */
	abs = (struct timespec){ 0, 1 };
	EXPECT_ERRNO(futex(&w, FUTEX_WAIT_BITSET_ | FUTEX_PRIVATE_, 0, &abs, NULL, -1), ETIMEDOUT);
	/* And through musl. */
	struct timespec d;
	clock_gettime(CLOCK_REALTIME, &d);
	d.tv_nsec += 30 * MS;
	if (d.tv_nsec >= 1000000000) { d.tv_sec++; d.tv_nsec -= 1000000000; }
	t0 = now_ns(CLOCK_MONOTONIC);
	pthread_mutex_lock(&mtx);
	EXPECT_EQ(pthread_cond_timedwait(&cnd, &mtx, &d), ETIMEDOUT);
	pthread_mutex_unlock(&mtx);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 25 * MS);
}

static volatile int fw_word, fw_woken, fw_word2;
static volatile long fw_ret[8];

static void *futex_waiter(void *arg)
{
	int i = (int)(long)arg;
	struct timespec to = { DEADLINE_S, 0 };
	__atomic_fetch_add(&fw_woken, 0x100, __ATOMIC_SEQ_CST);     /* "about to wait" */
	fw_ret[i] = futex(&fw_word, FUTEX_WAIT_ | FUTEX_PRIVATE_, 0, &to, NULL, 0);
	__atomic_fetch_add(&fw_woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void start_waiters(pthread_t *t, int n)
{
	fw_word = 0; fw_word2 = 0; fw_woken = 0;
	for (int i = 0; i < n; i++) {
		fw_ret[i] = 99;
		pthread_create(&t[i], NULL, futex_waiter, (void *)(long)i);
	}
	while ((fw_woken >> 8) < n)
		sched_yield();
}

/* Repeats op until it has reported `want` threads in total (they may not
 * all be asleep yet); every single call must report at most `most`. */
static long repeat_until(long (*op)(void), long want, long most)
{
	long total = 0;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	while (total < want && now_ns(CLOCK_MONOTONIC) - t0 < DEADLINE_S * 1000 * MS) {
		long n = op();
		if (n < 0 || n > most) {
			KTAP_FAIL("futex op returned %ld (at most %ld allowed)", n, most);
			return -1;
		}
		total += n;
		if (total < want)
			sleep_ms(1);
	}
	return total;
}

static long wake_two(void) { return futex(&fw_word, FUTEX_WAKE_ | FUTEX_PRIVATE_, 2, NULL, NULL, 0); }
static long requeue_all(void)
{
	return futex(&fw_word, FUTEX_CMP_REQUEUE_ | FUTEX_PRIVATE_, 0, (void *)(long)INT_MAX, &fw_word2, 0);
}

static void t_futex_wake_counts(void)
{
	pthread_t t[3];
	start_waiters(t, 3);
	EXPECT_EQ(repeat_until(wake_two, 3, 2), 3);
	for (int i = 0; i < 3; i++)
		join(t[i], NULL);
	EXPECT_EQ(fw_woken & 0xff, 3);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(fw_ret[i], 0);               /* woken, not timed out */
}

static void t_futex_cmp_requeue(void)
{
	pthread_t t[3];
	start_waiters(t, 3);
	/* Wrong expected value: nothing happens. */
	EXPECT_ERRNO(futex(&fw_word, FUTEX_CMP_REQUEUE_ | FUTEX_PRIVATE_, 0, (void *)1L, &fw_word2, 5), EAGAIN);
	/* Move all three (waking none) from fw_word to fw_word2. */
	EXPECT_EQ(repeat_until(requeue_all, 3, 3), 3);
	EXPECT_EQ(futex(&fw_word, FUTEX_WAKE_ | FUTEX_PRIVATE_, INT_MAX, NULL, NULL, 0), 0);
	EXPECT_EQ(fw_woken & 0xff, 0);
	EXPECT_EQ(futex(&fw_word2, FUTEX_WAKE_ | FUTEX_PRIVATE_, 1, NULL, NULL, 0), 1);
	EXPECT_EQ(futex(&fw_word2, FUTEX_WAKE_ | FUTEX_PRIVATE_, INT_MAX, NULL, NULL, 0), 2);
	for (int i = 0; i < 3; i++)
		join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(fw_ret[i], 0);
}

static volatile long bs_ret;
static void *bitset_waiter(void *arg)
{
	(void)arg;
	uint64_t dl = now_ns(CLOCK_MONOTONIC) + DEADLINE_S * 1000 * MS;
	struct timespec abs = { dl / 1000000000, dl % 1000000000 };
	__atomic_fetch_add(&fw_woken, 0x100, __ATOMIC_SEQ_CST);
	bs_ret = futex(&fw_word, FUTEX_WAIT_BITSET_ | FUTEX_PRIVATE_, 0, &abs, NULL, 0x1);
	return NULL;
}
static long wake_bit2(void) { return futex(&fw_word, FUTEX_WAKE_BITSET_ | FUTEX_PRIVATE_, 1, NULL, NULL, 0x2); }
static long wake_bit1(void)
{
	if (wake_bit2() != 0)                      /* a disjoint bitset never wakes it */
		KTAP_FAIL("FUTEX_WAKE_BITSET with bitset 0x2 woke a waiter of 0x1");
	return futex(&fw_word, FUTEX_WAKE_BITSET_ | FUTEX_PRIVATE_, 1, NULL, NULL, 0x1);
}

static void t_futex_bitset(void)
{
	pthread_t t;
	fw_word = 0; fw_woken = 0; bs_ret = 99;
	pthread_create(&t, NULL, bitset_waiter, NULL);
	while (!(fw_woken >> 8))
		sched_yield();
	sleep_ms(20);
	EXPECT_EQ(wake_bit2(), 0);
	EXPECT_EQ(repeat_until(wake_bit1, 1, 1), 1);
	join(t, NULL);
	EXPECT_EQ(bs_ret, 0);
}

/* Raw clone with musl's pthread flags: the kernel stores the tid at ptid in
 * the parent and, when the thread exits, zeroes ctid and wakes it. */
#define CLONE_FLAGS_MUSL 0x7d0f00UL   /* VM FS FILES SIGHAND THREAD SYSVSEM SETTLS
				       * PARENT_SETTID CHILD_CLEARTID DETACHED */
static long raw_thread_exit(void *stack_top, volatile int *tidword, long tls)
{
	register long r10 __asm__("r10") = (long)tidword;
	register long r8 __asm__("r8") = tls;
	long ret;
	__asm__ volatile("syscall\n"
			 "test %%rax, %%rax\njnz 1f\n"
			 "mov $60, %%eax\nxor %%edi, %%edi\nsyscall\nud2\n"   /* child: exit(0) */
			 "1:"
			 : "=a"(ret)
			 : "a"(SYS_clone), "D"(CLONE_FLAGS_MUSL), "S"(stack_top), "d"(tidword),
			   "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

static void t_raw_clone_tid_words(void)
{
	static char stack[16384] __attribute__((aligned(16)));
	static volatile int tidword;
	long fs = 0, tid;
	struct timespec to = { 1, 0 };
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);

	RSYS(SYS_arch_prctl, 0x1003, &fs);
	tidword = -1;
	tid = raw_thread_exit(stack + sizeof(stack), &tidword, fs);
	if (!EXPECT_GT(tid, 0))
		return;
	/* PARENT_SETTID wrote it before clone returned, unless the child already
	 * exited and CHILD_CLEARTID zeroed it. */
	EXPECT_TRUE(tidword == tid || tidword == 0);
	while (tidword != 0 && now_ns(CLOCK_MONOTONIC) - t0 < DEADLINE_S * 1000 * MS)
		futex(&tidword, FUTEX_WAIT_, (int)tid, &to, NULL, 0);   /* shared: as musl */
	EXPECT_EQ(tidword, 0);
	/* Really gone, soon: CHILD_CLEARTID wakes us from the exiting
	 * thread's mm release, before Linux unhashes the thread, so tgkill
	 * may still find it for a moment (seen on Linux 6.1 under QEMU). */
	long k;
	while ((k = RSYS(SYS_tgkill, RSYS(SYS_getpid), tid, 0)) == 0 &&
	       now_ns(CLOCK_MONOTONIC) - t0 < DEADLINE_S * 1000 * MS)
		sched_yield();
	EXPECT_ERRNO(k, ESRCH);
}

/* --- signals and threads ----------------------------------------------------------- */
static volatile long sig_tid;
static void tid_handler(int sig) { (void)sig; sig_tid = RSYS(SYS_gettid); }

static volatile int target_stop;
static volatile long target_tid;
static void *sig_target(void *arg)
{
	(void)arg;
	target_tid = RSYS(SYS_gettid);
	while (!target_stop)
		sleep_ms(1);
	return NULL;
}

static void t_signal_to_one_thread(void)
{
	pthread_t t;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	signal(SIGUSR1, tid_handler);
	target_stop = 0; target_tid = 0; sig_tid = 0;
	pthread_create(&t, NULL, sig_target, NULL);
	while (!target_tid)
		sched_yield();
	EXPECT_EQ(RSYS(SYS_tgkill, RSYS(SYS_getpid), target_tid, SIGUSR1), 0);
	while (!sig_tid && now_ns(CLOCK_MONOTONIC) - t0 < DEADLINE_S * 1000 * MS)
		sleep_ms(1);
	EXPECT_EQ(sig_tid, target_tid);            /* ran in that thread */
	target_stop = 1;
	join(t, NULL);
	signal(SIGUSR1, SIG_DFL);
}

/* The interrupter cannot know when the sleeper is blocked, so it does not
 * guess: it signals every 20 ms until nanosleep has returned. A signal that
 * lands before the sleeper enters nanosleep runs the handler and the sleep
 * starts anyway; the next one lands in the sleep and must end it with
 * EINTR and the time left. No head start has to be won. */
static volatile long main_tid;
static volatile int sleeper_done;
static void *interrupter(void *arg)
{
	(void)arg;
	while (!sleeper_done) {
		RSYS(SYS_tgkill, RSYS(SYS_getpid), main_tid, SIGUSR2);
		sleep_ms(20);
	}
	return NULL;
}

static void t_nanosleep_interrupted(void)
{
	struct sigaction sa;
	struct timespec req = { 10, 0 }, rem = { -1, -1 };
	pthread_t t;
	long r;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tid_handler;               /* no SA_RESTART */
	sigaction(SIGUSR2, &sa, NULL);
	main_tid = RSYS(SYS_gettid);
	sig_tid = 0;
	sleeper_done = 0;
	pthread_create(&t, NULL, interrupter, NULL);
	r = RSYS(SYS_nanosleep, &req, &rem);
	sleeper_done = 1;
	/* A last signal may still be on its way: it is handled on the return
	 * from join, before the default action comes back. */
	join(t, NULL);
	EXPECT_ERRNO(r, EINTR);
	EXPECT_EQ(sig_tid, main_tid);
	/* Linux counts the remainder to the timer's slack-extended expiry: a
	 * signal right at the start can leave a hair more than 10 s. */
	EXPECT_TRUE(rem.tv_sec >= 0 && rem.tv_sec <= 10 && rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);
	EXPECT_LT(rem.tv_sec * 1000000000ll + rem.tv_nsec, 10001000000ll);
	EXPECT_GT(rem.tv_sec * 1000000000ll + rem.tv_nsec, 0);
	signal(SIGUSR2, SIG_DFL);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_create_join),
	KTAP_CASE(t_create_join_churn),
	KTAP_CASE(t_mutex_contention),
	KTAP_CASE(t_condvar_pingpong),
	KTAP_CASE(t_spinning_thread_preempted),
	KTAP_CASE(t_xmm_kept_across_preemption),
	KTAP_CASE(t_futex_timeouts),
	KTAP_CASE(t_futex_wake_counts),
	KTAP_CASE(t_futex_cmp_requeue),
	KTAP_CASE(t_futex_bitset),
	KTAP_CASE(t_raw_clone_tid_words),
	KTAP_CASE(t_signal_to_one_thread),
	KTAP_CASE(t_nanosleep_interrupted),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
