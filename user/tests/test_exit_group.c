/* test_exit_group: exit_group() called by a thread that is not the main one
 * ends the whole process with that status, while the main thread is blocked
 * in pthread_join and another thread is spinning on the CPU.
 * Expected result: exit status 42 (plan line `test_exit_group:exit=42`).
 * Prints nothing on success; if the process survives, it says so and exits 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "rt_user.h"

static volatile int spinning;

static void *spinner(void *arg)
{
	(void)arg;
	for (;;)
		spinning++;
	return NULL;
}

static void *ender(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	(void)arg;
	while (!spinning)
		sched_yield();
	nanosleep(&ts, NULL);
	RSYS(SYS_exit_group, 42);
	return NULL;                   /* not reached */
}

int main(void)
{
	pthread_t s, e;
	struct timespec d;
	int err;

	pthread_create(&s, NULL, spinner, NULL);
	pthread_create(&e, NULL, ender, NULL);
	clock_gettime(CLOCK_REALTIME, &d);
	d.tv_sec += 30;
	err = pthread_timedjoin_np(e, NULL, &d);
	printf("# exit_group(42) in a thread did not end the process (join: %d)\n", err);
	return 1;
}
