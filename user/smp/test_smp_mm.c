/* TLB shootdown seen from user space: threads pinned to every CPU read a
 * page (so each CPU caches its translation), one thread unmaps it (or makes
 * it read-only), and afterwards every CPU faults on it. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include "ktap.h"
#include "perf_test.h"

#define MAXC 8

static char *page;
static volatile int phase;
static volatile int touched[MAXC], faulted[MAXC], finished[MAXC];
static __thread sigjmp_buf jb;
static __thread volatile int armed;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (armed) {
		armed = 0;
		siglongjmp(jb, 1);
	}
	signal(sig, SIG_DFL);
}

static int try_access(int write)
{
	if (sigsetjmp(jb, 1)) 
		return 1;
	armed = 1;
	if (write)
		*(volatile char *)page = 1;
	else
		(void)*(volatile char *)page;
	armed = 0;
	return 0;
}

static void *toucher(void *arg)
{
	int cpu = (int)(long)arg, write = phase == 10;
	pin_to(cpu);
	(void)*(volatile char *)page;   /* the translation is now cached here */
	touched[cpu] = 1;
	while (phase == 0 || phase == 10)
		sched_yield();
	faulted[cpu] = try_access(write);
	finished[cpu] = 1;
	return NULL;
}

static void run(int write_protect)
{
	int n = ncpus();
	if (n > MAXC)
		n = MAXC;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page[0] = 7;
	phase = write_protect ? 10 : 0;
	memset((void *)touched, 0, sizeof(touched));
	memset((void *)faulted, 0, sizeof(faulted));
	memset((void *)finished, 0, sizeof(finished));
	pthread_t th[MAXC];
	for (int c = 0; c < n; c++)
		pthread_create(&th[c], NULL, toucher, (void *)(long)c);
	for (int c = 0; c < n; c++)
		while (!touched[c])
			sched_yield();
	if (write_protect)
		EXPECT_EQ(mprotect(page, 4096, PROT_READ), 0);
	else
		EXPECT_EQ(munmap(page, 4096), 0);
	phase = 1;
	for (int c = 0; c < n; c++)
		pthread_join(th[c], NULL);
	for (int c = 0; c < n; c++)
		if (!EXPECT_EQ(faulted[c], 1))
			ktap_diag("CPU %d still reached the page", c);
	if (write_protect)
		munmap(page, 4096);
}

static void t_munmap_faults_on_every_cpu(void)
{
	if (ncpus() < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	run(0);
}

static void t_mprotect_faults_on_every_cpu(void)
{
	if (ncpus() < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	run(1);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	static const struct ktap_case cases[] = {
		KTAP_CASE(t_munmap_faults_on_every_cpu),
		KTAP_CASE(t_mprotect_faults_on_every_cpu),
	};
	return ktap_run(cases, KTAP_COUNT(cases));
}
