/* The init thread: what the kernel does once it is up. First the root
 * file system: the initramfs (a GRUB module) unpacked into tmpfs, other
 * GRUB modules as programs in /bin, and /proc, /sys and
 * /sys/kernel/tracing mounted. Then one of:
 *
 *   ktest=SUITES          run in-kernel tests (KTAP), power off with the result
 *   run=P1,P2:sig=11,...  run test programs one after another, as KTAP: each
 *                         program's output is indented into a subtest, and
 *                         its exit status (plus a leak check) decides ok
 *   prog=NAME -- ARGS     run one program (make run PROG=...), power off with
 *                         success exactly when it exited 0; ARGS are
 *                         %-encoded words (scripts/qemu.py)
 *   bench=SEL [benchprog=P1,P2:ARG,...]  in-kernel benchmarks, then
 *                         benchmark programs (one optional argument each),
 *                         "bench: NAME exit status N" after each (make bench)
 *   crashtest=KIND        crash on purpose
 * With none of these, /sbin/init becomes pid 1 (the shell); the machine
 * powers off when it exits. Programs are found in /bin unless the name
 * has a slash. */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <arch/irqflags.h>
#include <kernel/bootinfo.h>
#include <kernel/clock.h>
#include <kernel/cmdline.h>
#include <kernel/heap.h>
#include <kernel/kbench.h>
#include <kernel/init.h>
#include <kernel/ktest.h>
#include <kernel/nmi.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/tty.h>
#include <kernel/vfs.h>
#include <kernel/vm.h>
#include <kernel/arch/clock.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/irq.h>
#include <kernel/arch/uaccess.h>

static const char *const default_envp[] = { "HOME=/", "PATH=/bin", "TERM=linux", NULL };

const struct boot_module *module_find(const char *name)
{
	for (int i = 0; i < bootinfo.nr_modules; i++)
		if (strcmp(bootinfo.modules[i].name, name) == 0)
			return &bootinfo.modules[i];
	return NULL;
}

static void mount_at(const char *type, const char *path)
{
	struct inode *on;
	mutex_lock(&vfs_lock);
	int rc = vfs_walk(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &on);
	if (!rc) {
		rc = vfs_mount(type, on, 0);
		inode_put(on);
	}
	mutex_unlock(&vfs_lock);
	if (rc)
		printk("init: cannot mount %s on %s (error %d)\n", type, path, rc);
}

/* The root file system; the boot modules' memory goes back to the
 * allocator once copied. */
static void root_fs_init(void)
{
	vfs_init();
	static const char *const dirs[] = { "/bin", "/dev", "/etc", "/proc", "/sys", "/tmp",
					    "/sbin", "/root" };
	for (size_t k = 0; k < ARRAY_SIZE(dirs); k++)
		vfs_make_node(dirs[k], S_IFDIR | (k == 5 ? 01777 : 0755), 0, 0, 0, NULL, 0);
	for (int k = 0; k < bootinfo.nr_modules; k++) {
		const struct boot_module *m = &bootinfo.modules[k];
		const u8 *data = phys_to_virt(m->start);
		size_t len = m->end - m->start;
		if (!strcmp(m->name, "initramfs")) {
			int n = initramfs_unpack(data, len);
			if (n < 0)
				printk("init: the initramfs is damaged (error %d); kept what unpacked\n", n);
		} else {
			char path[96];
			fmt_snprintf(path, sizeof(path), "/bin/%s", m->name);
			int rc = vfs_make_node(path, S_IFREG | 0755, 0, 0, 0, data, (u32)len);
			if (rc == -EEXIST) {    /* a module overrides the image's program */
				mutex_lock(&vfs_lock);
				struct inode *dir;
				char last[NAME_MAX + 1];
				bool slash;
				if (!vfs_walk_parent(AT_FDCWD, path, &dir, last, &slash)) {
					dir->iops->unlink(dir, last, false);
					inode_put(dir);
				}
				mutex_unlock(&vfs_lock);
				rc = vfs_make_node(path, S_IFREG | 0755, 0, 0, 0, data, (u32)len);
			}
			if (rc)
				printk("init: cannot install %s (error %d)\n", path, rc);
		}
		pmm_release_range(ALIGN_DOWN(m->start, PAGE_SIZE), ALIGN_UP(m->end, PAGE_SIZE));
	}
	bootinfo.nr_modules = 0;        /* their memory is the allocator's now */
	vfs_make_node("/sys/kernel", S_IFDIR | 0755, 0, 0, 0, NULL, 0);
	mount_at("proc", "/proc");
	mount_at("sysfs", "/sys");
	mount_at("tracefs", "/sys/kernel/tracing");
}

/* Memory a workload could leak: free frames plus frames the heap holds
 * (slab pages come and go with unrelated allocations), and live heap
 * blocks. */
struct mem_snapshot {
	size_t frames;
	size_t heap_blocks;
	int threads;
};

static void snapshot(struct mem_snapshot *s)
{
	struct heap_stats hs;
	heap_get_stats(&hs);
	s->frames = frame_free_count() + hs.frames + vm_kernel_table_frames();
	s->heap_blocks = hs.allocations;
	s->threads = thread_count();
}

long run_program(const char *name, const char *const *argv, int indent, int *status)
{
	char path[128];
	if (strchr(name, '/'))
		strlcpy(path, name, sizeof(path));
	else
		fmt_snprintf(path, sizeof(path), "/bin/%s", name);
	struct process *p;
	long rc = proc_spawn(path, argv, default_envp, &p);
	if (rc)
		return rc;
	p->out_indent = indent;
	proc_start(p);
	*status = proc_wait(p);
	proc_put(p);
	return 0;
}

static void describe_status(int st, char *buf, size_t n)
{
	if (st & 0x7f)
		fmt_snprintf(buf, n, "killed by %s", signal_name(st & 0x7f));
	else
		fmt_snprintf(buf, n, "exit status %d", (st >> 8) & 0xff);
}

/* run=a,b:sig=11,c:exit=3 */
static bool run_list(const char *list)
{
	char names[32][64];
	int want[32];
	int n = 0;
	for (const char *p = list; *p && n < 32;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char item[96];
		strlcpy(item, p, MIN(len + 1, sizeof(item)));
		char *colon = strchr(item, ':');
		want[n] = 0;
		if (colon) {
			*colon = 0;
			const char *x = colon + 1;
			int v = 0;
			const char *num = strchr(x, '=');
			for (const char *d = num ? num + 1 : ""; *d >= '0' && *d <= '9'; d++)
				v = v * 10 + (*d - '0');
			want[n] = strncmp(x, "sig=", 4) == 0 ? (v & 0x7f) : W_EXITCODE(v);
		}
		strlcpy(names[n], item, sizeof(names[n]));
		n++;
		if (!e)
			break;
		p = e + 1;
	}
	printk("KTAP version 1\n1..%d\n", n);
	bool all_ok = true;
	for (int i = 0; i < n; i++) {
		struct mem_snapshot before, after;
		snapshot(&before);
		const char *argv[] = { names[i], NULL };
		int st = 0;
		long rc = run_program(names[i], argv, 4, &st);
		thread_wait_reaped(before.threads);
		snapshot(&after);
		char got[48], exp[48];
		describe_status(st, got, sizeof(got));
		describe_status(want[i], exp, sizeof(exp));
		if (rc) {
			printk("# cannot start %s: error %ld\nnot ok %d %s # no such program or bad ELF\n",
			       names[i], rc, i + 1, names[i]);
			all_ok = false;
		} else if (st != want[i]) {
			printk("# %s: %s, expected %s\nnot ok %d %s\n", names[i], got, exp, i + 1,
			       names[i]);
			all_ok = false;
		} else if (after.frames != before.frames || after.heap_blocks != before.heap_blocks) {
			printk("# %s leaked: %ld frames, %ld heap blocks\nnot ok %d %s\n", names[i],
			       (long)before.frames - (long)after.frames,
			       (long)after.heap_blocks - (long)before.heap_blocks, i + 1, names[i]);
			all_ok = false;
		} else {
			printk("ok %d %s # %s\n", i + 1, names[i], got);
		}
	}
	return all_ok;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Undo scripts/qemu.py's encoding of one word in place: "%XX" is a byte
 * (spaces, quotes and '%' travel that way). */
static void decode_word(char *w)
{
	char *o = w;
	for (char *i = w; *i; i++) {
		if (i[0] == '%' && hexval(i[1]) >= 0 && hexval(i[2]) >= 0) {
			*o++ = (char)(hexval(i[1]) << 4 | hexval(i[2]));
			i += 2;
		} else {
			*o++ = *i;
		}
	}
	*o = 0;
}

/* prog=NAME [-- ARGS]: one program, its status decides the QEMU exit. */
static bool run_one(const char *name)
{
	static char args[BOOT_CMDLINE_MAX];
	const char *argv[64] = { name };
	int argc = 1;
	strlcpy(args, cmdline_tail(), sizeof(args));
	for (char *p = args; *p && argc < 63;) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		decode_word((char *)argv[argc - 1]);
	}
	argv[argc] = NULL;
	int st = 0;
	long rc = run_program(name, argv, 0, &st);
	if (rc) {
		printk("ringtail: cannot run %s (error %ld)\n", name, rc);
		return false;
	}
	char buf[48];
	describe_status(st, buf, sizeof(buf));
	printk("ringtail: %s finished: %s\n", name, buf);
	return st == 0;
}


/* No test mode: /sbin/init (the image's rtinit) becomes pid 1. */
static void start_user_init(void)
{
	static const char *const argv[] = { "/sbin/init", NULL };
	long rc = proc_spawn_init("/sbin/init", argv, default_envp);
	if (rc == 0)
		return;         /* the machine powers off when it exits */
	printk("Ringtail is up: %zu of %zu frames free, clock %s.\n", frame_free_count(),
	       frame_total_count(), arch_clock_source());
	printk("No /sbin/init (error %ld): is the initramfs missing? Quit QEMU with Ctrl-A X.\n",
	       rc);
}

static void init_main(void *arg)
{
	char sel[512];
	proc_init();
	tty_init();
	root_fs_init();
	nmistorm_start();
	if (cmdline_get("ktest", sel, sizeof(sel))) {
		ktest_mode = true;
		bool ok = ktest_run_selected(sel);
		printk("ktest: %s\n", ok ? "all selected suites passed" : "FAILURES");
		arch_poweroff(ok);
	}
	if (cmdline_get("bench", sel, sizeof(sel))) {
		/* make bench: in-kernel benchmarks, then benchmark programs. */
		kbench_run(sel);
		char progs[256];
		if (cmdline_get("benchprog", progs, sizeof(progs))) {
			for (char *p = progs; *p;) {
				char *e = strchr(p, ',');
				if (e)
					*e = 0;
				/* NAME or NAME:ARG (one argument, e.g. --quick) */
				char *arg = strchr(p, ':'), why[48];
				if (arg)
					*arg++ = 0;
				const char *argv[] = { p, arg, NULL };
				int st;
				if (run_program(p, argv, 0, &st)) {
					printk("bench: cannot run %s\n", p);
				} else {
					describe_status(st, why, sizeof(why));
					printk("bench: %s %s\n", p, why);
				}
				if (!e)
					break;
				p = e + 1;
			}
		}
		arch_poweroff(true);
	}
	if (cmdline_get("crashtest", sel, sizeof(sel))) {
		ktest_mode = true;
		crashtest(sel);
	}
	if (cmdline_get("run", sel, sizeof(sel))) {
		ktest_mode = true;
		arch_poweroff(run_list(sel));
	}
	if (cmdline_get("prog", sel, sizeof(sel)))
		arch_poweroff(run_one(sel));
	start_user_init();
}

void init_start(void)
{
	thread_init_boot();
	reaper_start();
	arch_smp_boot();
	if (!kthread_create("init", init_main, NULL))
		panic("cannot create the init thread");
	for (;;) {
		while (!READ_ONCE(this_cpu()->need_resched))
			arch_idle();
		schedule();
	}
}

static spinlock_t crash_lock = SPINLOCK_INIT("crashtest");

/* An NMI handler that breaks the rule: the spinlock code must catch it. */
static void nmi_takes_lock(struct trap_frame *f)
{
	irqflags_t fl = spin_lock_irqsave(&crash_lock);
	spin_unlock_irqrestore(&crash_lock, fl);
}

/* A thread that breaks the rule the other way: it leaves with the lock
 * held, so the next taker waits forever and the lockup detector must name
 * this function as the holder. */
static bool lock_left;
static void leave_locked(void *arg)
{
	(void)arg;
	irqflags_t f = spin_lock_irqsave(&crash_lock);
	(void)f;
	smp_store_release(&lock_left, true);    /* pairs with the crashtest's load */
	for (;;)                                /* hold it, with interrupts off */
		cpu_relax();
}

/* An NMI handler that breaks the "never fault" rule with a fault a fixup
 * would have handled quietly: the trap entry must catch it. */
static void nmi_faults(struct trap_frame *f)
{
	u64 v;
	arch_copy_user(&v, (const void *)0x1000, sizeof(v));
}

void crashtest(const char *what)
{
	printk("crashtest: triggering %s on purpose\n", what);
	if (strcmp(what, "ud") == 0)
		__builtin_trap();        /* an invalid opcode: #UD */
	else if (strcmp(what, "pf") == 0)
		*(volatile u64 *)0xdead0000ull = 1;
	else if (strcmp(what, "gp") == 0)
		*(volatile u64 *)0x8000000000000000ull = 1;  /* non-canonical */
	else if (strcmp(what, "nmi-lock") == 0) {
		nmi_register(nmi_takes_lock);
		arch_send_nmi(this_cpu_id());
		clock_delay_ns(100 * NSEC_PER_MSEC);
	} else if (strcmp(what, "nmi-fault") == 0) {
		nmi_register(nmi_faults);
		arch_send_nmi(this_cpu_id());
		clock_delay_ns(100 * NSEC_PER_MSEC);
	} else if (strcmp(what, "lockup") == 0) {
		/* 2^20 spins: about a second under TCG, so the run stays short. */
		spinlock_lockup_spins = 1ull << 20;
		unsigned int other = this_cpu_id() == 0 ? 1 : 0;
		if (nr_cpus_online < 2 || !kthread_create_on("lock-leaver", leave_locked, NULL, other))
			panic("crashtest lockup needs two CPUs");
		while (!smp_load_acquire(&lock_left))
			sched_yield();
		irqflags_t f = spin_lock_irqsave(&crash_lock);
		spin_unlock_irqrestore(&crash_lock, f);
	} else if (strcmp(what, "stack-overflow") == 0) {
		/* Runs on a kernel thread stack with a guard page: the overflow
		 * faults, the fault cannot push its frame, and #DF (on its own IST
		 * stack) reports it. */
		volatile char big[1024];
		big[0] = 1;
		crashtest(what);
		(void)big[0];
	} else if (strcmp(what, "panic") == 0)
		panic("crashtest panic");
	panic("crashtest: unknown kind \"%s\" (ud, pf, gp, nmi-lock, nmi-fault, lockup, stack-overflow, panic)",
	      what);
}
