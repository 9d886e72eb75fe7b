/* nmistorm=DST[:SRC] on the command line: a kernel thread on CPU SRC
 * (default: the lowest other CPU) sends NMIs to CPU DST at random
 * intervals of 5-200 us for as long as the machine runs. The NMIs land at
 * arbitrary points of whatever DST runs -- user code, syscalls, interrupt
 * handlers, the middle of a perf record -- and every one goes through the
 * perf NMI handler, so cycles events on DST sample from NMI context. The
 * cross-CPU NMI stress tests run with it. */
#include <lib/rand.h>
#include <kernel/clock.h>
#include <kernel/cmdline.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/thread.h>
#include <kernel/arch/irq.h>
#include <kernel/init.h>

struct storm {
	unsigned int dst;
	u64 sent;
};

static struct storm storm;

static void storm_main(void *arg)
{
	struct storm *s = arg;
	struct rng r;
	rng_seed(&r, 0x4e4d4953ull);
	for (;;) {
		sleep_until(clock_ns() + 5000 + rng_below(&r, 195000), NULL);
		arch_send_nmi(s->dst);
		s->sent++;
	}
}

void nmistorm_start(void)
{
	char v[16];
	if (!cmdline_get("nmistorm", v, sizeof(v)))
		return;
	unsigned int dst = 0, src = MAX_CPUS;
	const char *p = v;
	while (*p >= '0' && *p <= '9')
		dst = dst * 10 + (unsigned int)(*p++ - '0');
	if (*p == ':') {
		src = 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			src = src * 10 + (unsigned int)(*p - '0');
	}
	if (src == MAX_CPUS)
		src = dst == 0 ? 1 : 0;
	if (dst >= MAX_CPUS || !cpu_table[dst] || src >= MAX_CPUS || !cpu_table[src] || src == dst) {
		printk("nmistorm: needs two online CPUs (nmistorm=DST[:SRC]); ignored\n");
		return;
	}
	storm.dst = dst;
	kthread_create_on("nmistorm", storm_main, &storm, src);
	printk("nmistorm: CPU %u sends NMIs to CPU %u at random intervals\n", src, dst);
}
