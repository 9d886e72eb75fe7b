/* Processes: start and exit leave nothing behind. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/heap.h>
#include <kernel/init.h>
#include <kernel/ktest.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/vfs.h>
#include <kernel/vm.h>

static size_t frames_and_heap(size_t *blocks)
{
	struct heap_stats hs;
	heap_get_stats(&hs);
	*blocks = hs.allocations;
	return frame_free_count() + hs.frames + vm_kernel_table_frames();
}

static void test_start_exit_1000_no_leak(struct ktest *t)
{
	const char *argv[] = { "exit0", NULL };
	int st = 0;
	int threads = thread_count(), procs = proc_count();
	/* One run first: anything allocated once for good (lazy tables) is
	 * then part of the baseline. */
	KT_ASSERT_EQ(t, run_program("exit0", argv, 0, &st), 0);
	thread_wait_reaped(threads);
	size_t blocks0, blocks1;
	size_t base = frames_and_heap(&blocks0);
	size_t free0 = frame_free_count();
	for (int i = 0; i < 1000; i++) {
		long rc = run_program("exit0", argv, 0, &st);
		if (rc || st != 0) {
			KT_EXPECT_EQ(t, rc, 0);
			KT_EXPECT_EQ(t, st, 0);
			ktest_diag(t, "run %d failed", i);
			return;
		}
	}
	thread_wait_reaped(threads);
	if (!KT_EXPECT_EQ(t, thread_count(), threads))
		thread_dump();
	KT_EXPECT_EQ(t, proc_count(), procs);
	KT_EXPECT_EQ(t, frames_and_heap(&blocks1), base);
	KT_EXPECT_EQ(t, blocks1, blocks0);
	(void)free0;
}

static void test_exit_status_and_bad_images(struct ktest *t)
{
	const char *argv[] = { "nonexistent", NULL };
	int st = 0;
	KT_EXPECT_NE(t, run_program("nonexistent", argv, 0, &st), 0);
	/* Garbage is not an ELF image: refused, nothing leaked. */
	size_t blocks0, blocks1, base;
	static u8 junk[256];
	for (unsigned i = 0; i < sizeof(junk); i++)
		junk[i] = (u8)(i * 37);
	memcpy(junk, "\x7f" "ELF", 4);
	KT_ASSERT_EQ(t, vfs_make_node("/tmp/ktest-junk", S_IFREG | 0755, 0, 0, 0, junk,
				      sizeof(junk)), 0);
	base = frames_and_heap(&blocks0);
	struct process *p;
	const char *env[] = { NULL };
	KT_EXPECT_EQ(t, proc_spawn("/tmp/ktest-junk", argv, env, &p), -ENOEXEC);
	KT_EXPECT_EQ(t, frames_and_heap(&blocks1), base);
	KT_EXPECT_EQ(t, blocks1, blocks0);
	/* A directory and a missing file: EACCES and ENOENT, as execve. */
	KT_EXPECT_EQ(t, proc_spawn("/tmp", argv, env, &p), -EACCES);
	KT_EXPECT_EQ(t, proc_spawn("/tmp/none", argv, env, &p), -ENOENT);
}

static const struct ktest_case proc_cases[] = {
	KTEST_CASE(test_exit_status_and_bad_images),
	KTEST_CASE(test_start_exit_1000_no_leak),
	{ 0 },
};
KTEST_SUITE_ORDER(proc, 30, proc_cases, NULL);
