/* test_perf_open: perf_event_open() argument checking and the errors of the
 * other calls on a perf fd, table-driven, with Linux's errno for each case.
 *
 * Every expectation below was observed on Linux 6.18 (the reference), except
 * the PERF_TYPE_HARDWARE rows, which need the emulated cycles event and run
 * only on Ringtail (the Linux hosts here have no PMU: every hardware config
 * is ENOENT there). Only results are compared, never printed, so the KTAP
 * output is the same on both systems.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

enum ptr_kind { P_ATTR, P_NULL, P_KERNEL, P_UNMAPPED, P_STRADDLE, P_SIZE_STRADDLE, P_BIG,
		P_READONLY };

struct call {
	struct perf_event_attr *a;  /* the attr to fill (in a 2-page buffer) */
	long pid, cpu, group, flags;
	enum ptr_kind ptr;
};

/* Modifiers: each turns the default call (a counting PAGE_FAULTS event on
 * this task, any CPU, no group, no flags) into one case. */
static long leader_fd = -1;
#define M(name, body) static void name(struct call *c) { struct perf_event_attr *a = c->a; (void)a; body; }
M(m_none, )
M(m_size_ver0, a->size = PERF_ATTR_SIZE_VER0)
M(m_size_zero, a->size = 0)
M(m_size_odd, a->size = 65)
M(m_size_4096, c->ptr = P_BIG; a->size = 4096)
M(m_size_32, a->size = 32)
M(m_size_63, a->size = 63)
M(m_size_4097, c->ptr = P_BIG; a->size = 4097)
M(m_tail_nonzero, c->ptr = P_BIG; a->size = 200; ((u8 *)a)[199] = 1)
M(m_tail_zero, c->ptr = P_BIG; a->size = 200)
M(m_null, c->ptr = P_NULL)
M(m_ro_size_huge, c->ptr = P_READONLY; a->size = 65535)
M(m_ro_tail_nonzero, c->ptr = P_READONLY; a->size = 200; ((u8 *)a)[199] = 1)
M(m_kernel, c->ptr = P_KERNEL)
M(m_unmapped, c->ptr = P_UNMAPPED)
M(m_straddle, c->ptr = P_STRADDLE)
M(m_size_straddle, c->ptr = P_SIZE_STRADDLE)
M(m_flags_bad, c->flags = 1 << 4)
M(m_flags_all, c->flags = ~0UL)
M(m_cloexec, c->flags = PERF_FLAG_FD_CLOEXEC)
M(m_pid_cpu_none, c->pid = -1; c->cpu = -1)
M(m_cpu_huge, c->cpu = 100000)
M(m_cpu_m2, c->cpu = -2)
M(m_cpu0, c->cpu = 0)
M(m_system_wide, c->pid = -1; c->cpu = 0)
M(m_pid_self, c->pid = RSYS(SYS_gettid))
M(m_pid_none, c->pid = 0x3fffffff)
M(m_pid_m2, c->pid = -2; c->cpu = 0)
M(m_group_1000, c->group = 1000)
M(m_group_stdin, c->group = 0)
M(m_group_m2, c->group = -2)
M(m_group_ok, c->group = leader_fd)
M(m_group_cpu_wide, c->group = leader_fd; c->pid = -1; c->cpu = 0)
M(m_group_inherit, c->group = leader_fd; a->inherit = 1)
M(m_no_group, c->group = leader_fd; c->flags = PERF_FLAG_FD_NO_GROUP)
M(m_type_unknown, a->type = 0x7fff0000)
/* Linux looks at the group fd (and the task) before the event type. */
M(m_group_bad_and_type_bad, c->group = 1000; a->type = 0x7fff0000)
M(m_pid_none_and_type_bad, c->pid = 0x3fffffff; a->type = 0x7fff0000)
M(m_sw_1000, a->config = 1000)
M(m_cpu_clock, a->config = PERF_COUNT_SW_CPU_CLOCK)
M(m_task_clock, a->config = PERF_COUNT_SW_TASK_CLOCK)
M(m_ctx_sw, a->config = PERF_COUNT_SW_CONTEXT_SWITCHES)
M(m_dummy, a->config = PERF_COUNT_SW_DUMMY; a->context_switch = 1)
M(m_tp_unknown, a->type = PERF_TYPE_TRACEPOINT; a->config = 0x7fffffff)
M(m_tp_zero, a->type = PERF_TYPE_TRACEPOINT; a->config = 0)
M(m_hw_cycles, a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_CPU_CYCLES)
M(m_hw_insns, a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_INSTRUCTIONS)
M(m_hw_1000, a->type = PERF_TYPE_HARDWARE; a->config = 1000)
M(m_st_max, a->sample_type = PERF_SAMPLE_MAX)
M(m_st_high, a->sample_type = 1ULL << 40)
M(m_rf_max, a->read_format = PERF_FORMAT_MAX)
M(m_period_63, a->sample_period = 1ULL << 63)
M(m_freq_huge, a->freq = 1; a->sample_freq = 1ULL << 40)
M(m_freq_zero, a->freq = 1; a->sample_freq = 0)
M(m_res1, a->__reserved_1 = 1)
M(m_res2, a->__reserved_2 = 1)
M(m_res3, a->__reserved_3 = 1u << 31)
M(m_inherit_thread, a->inherit_thread = 1)
M(m_remove_enable, a->remove_on_exec = 1; a->enable_on_exec = 1)
M(m_sigtrap, a->sigtrap = 1)
M(m_max_stack, a->sample_period = 1; a->sample_type = PERF_SAMPLE_CALLCHAIN; a->sample_max_stack = 1000)
M(m_watermark0, a->sample_period = 1; a->watermark = 1; a->wakeup_watermark = 0)
M(m_sampling_all, a->sample_period = 1; a->sample_id_all = 1; a->exclude_kernel = 1;
  a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
		   PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
		   PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW;
  a->read_format = PERF_FORMAT_ID | PERF_FORMAT_LOST | PERF_FORMAT_TOTAL_TIME_ENABLED |
		   PERF_FORMAT_TOTAL_TIME_RUNNING)
#undef M

enum { BOTH, RINGTAIL_ONLY };
static const struct open_case {
	const char *name;
	void (*mod)(struct call *);
	int err;      /* expected errno; 0 = success */
	int where;
} open_cases[] = {
	{ "open_ok", m_none, 0, BOTH },
	{ "size_ver0_ok", m_size_ver0, 0, BOTH },
	{ "size_zero_means_ver0", m_size_zero, 0, BOTH },
	{ "size_odd_65_ok", m_size_odd, 0, BOTH },
	{ "size_4096_zero_tail_ok", m_size_4096, 0, BOTH },
	{ "size_200_zero_tail_ok", m_tail_zero, 0, BOTH },
	{ "size_32_e2big", m_size_32, E2BIG, BOTH },
	{ "size_63_e2big", m_size_63, E2BIG, BOTH },
	{ "size_4097_e2big", m_size_4097, E2BIG, BOTH },
	{ "nonzero_tail_e2big", m_tail_nonzero, E2BIG, BOTH },
	/* The size write-back fails on a read-only attr: still E2BIG. */
	{ "readonly_size_65535_e2big", m_ro_size_huge, E2BIG, BOTH },
	{ "readonly_nonzero_tail_e2big", m_ro_tail_nonzero, E2BIG, BOTH },
	{ "attr_null_efault", m_null, EFAULT, BOTH },
	{ "attr_kernel_efault", m_kernel, EFAULT, BOTH },
	{ "attr_unmapped_efault", m_unmapped, EFAULT, BOTH },
	{ "attr_straddles_hole_efault", m_straddle, EFAULT, BOTH },
	{ "size_field_straddles_efault", m_size_straddle, EFAULT, BOTH },
	{ "flags_unknown_einval", m_flags_bad, EINVAL, BOTH },
	{ "flags_all_bits_einval", m_flags_all, EINVAL, BOTH },
	{ "flag_cloexec_ok", m_cloexec, 0, BOTH },
	{ "pid_and_cpu_minus1_einval", m_pid_cpu_none, EINVAL, BOTH },
	{ "cpu_huge_einval", m_cpu_huge, EINVAL, BOTH },
	{ "cpu_minus2_einval", m_cpu_m2, EINVAL, BOTH },
	{ "cpu0_task_ok", m_cpu0, 0, BOTH },
	{ "system_wide_cpu0_ok", m_system_wide, 0, BOTH },
	{ "pid_own_tid_ok", m_pid_self, 0, BOTH },
	{ "pid_nonexistent_esrch", m_pid_none, ESRCH, BOTH },
	{ "pid_minus2_esrch", m_pid_m2, ESRCH, BOTH },
	{ "group_fd_unopened_ebadf", m_group_1000, EBADF, BOTH },
	{ "group_fd_not_perf_ebadf", m_group_stdin, EBADF, BOTH },
	{ "group_fd_minus2_ebadf", m_group_m2, EBADF, BOTH },
	{ "group_fd_bad_before_type_ebadf", m_group_bad_and_type_bad, EBADF, BOTH },
	{ "pid_bad_before_type_esrch", m_pid_none_and_type_bad, ESRCH, BOTH },
	{ "group_fd_leader_ok", m_group_ok, 0, BOTH },
	{ "group_cpu_wide_in_task_group_einval", m_group_cpu_wide, EINVAL, BOTH },
	{ "group_inherit_mismatch_einval", m_group_inherit, EINVAL, BOTH },
	{ "flag_no_group_ok", m_no_group, 0, BOTH },
	{ "type_unknown_enoent", m_type_unknown, ENOENT, BOTH },
	{ "sw_config_1000_enoent", m_sw_1000, ENOENT, BOTH },
	{ "sw_cpu_clock_ok", m_cpu_clock, 0, BOTH },
	{ "sw_task_clock_ok", m_task_clock, 0, BOTH },
	{ "sw_context_switches_ok", m_ctx_sw, 0, BOTH },
	{ "sw_dummy_context_switch_ok", m_dummy, 0, BOTH },
	{ "tracepoint_unknown_id_einval", m_tp_unknown, EINVAL, BOTH },
	{ "tracepoint_id_0_einval", m_tp_zero, EINVAL, BOTH },
	{ "hw_cycles_ok", m_hw_cycles, 0, RINGTAIL_ONLY },
	{ "hw_instructions_enoent", m_hw_insns, ENOENT, RINGTAIL_ONLY },
	{ "hw_config_1000_einval", m_hw_1000, EINVAL, RINGTAIL_ONLY },
	{ "sample_type_max_bit_einval", m_st_max, EINVAL, BOTH },
	{ "sample_type_bit40_einval", m_st_high, EINVAL, BOTH },
	{ "read_format_max_bit_einval", m_rf_max, EINVAL, BOTH },
	{ "period_bit63_einval", m_period_63, EINVAL, BOTH },
	{ "freq_above_max_rate_einval", m_freq_huge, EINVAL, BOTH },
	{ "freq_zero_ok", m_freq_zero, 0, BOTH },
	{ "reserved_1_einval", m_res1, EINVAL, BOTH },
	{ "reserved_2_einval", m_res2, EINVAL, BOTH },
	{ "reserved_3_bit31_einval", m_res3, EINVAL, BOTH },
	{ "inherit_thread_without_inherit_einval", m_inherit_thread, EINVAL, BOTH },
	{ "remove_and_enable_on_exec_einval", m_remove_enable, EINVAL, BOTH },
	{ "sigtrap_without_remove_on_exec_einval", m_sigtrap, EINVAL, BOTH },
	{ "sample_max_stack_1000_eoverflow", m_max_stack, EOVERFLOW, BOTH },
	{ "watermark_zero_bytes_ok", m_watermark0, 0, BOTH },
	{ "every_supported_field_ok", m_sampling_all, 0, BOTH },
};

static u8 *area;      /* 2 pages mapped, then a hole */

static void run_open_case(const struct open_case *oc)
{
	struct perf_event_attr *a = (struct perf_event_attr *)(area + PG - 256);
	struct call c = { a, 0, -1, -1, 0, P_ATTR };
	u8 *big = area + 2 * PG - 4200 - 8;   /* room for size 4097 (+ 8) */
	long fd, ptr;

	memset(area, 0, 2 * PG);
	attr_init(a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	oc->mod(&c);
	switch (c.ptr) {
	case P_ATTR: ptr = (long)a; break;
	case P_NULL: ptr = 0; break;
	case P_KERNEL: ptr = (long)BAD_KERNEL; break;
	case P_UNMAPPED: ptr = (long)(area + 2 * PG); break;
	case P_STRADDLE:   /* 64 bytes readable, size says 128 */
		ptr = (long)(area + 2 * PG - 64);
		memcpy((void *)ptr, a, 64);
		((struct perf_event_attr *)ptr)->size = 128;
		break;
	case P_SIZE_STRADDLE: ptr = (long)(area + 2 * PG - 6); break;
	case P_READONLY: {      /* a page of its own, made read-only */
		u8 *ro = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memcpy(ro, a, sizeof(*a));
		ro[199] = ((u8 *)a)[199];
		mprotect(ro, PG, PROT_READ);
		ptr = (long)ro;
		break;
	}
	default: {   /* P_BIG: the attr is followed by a.size - sizeof bytes */
		u32 size = a->size, type = a->type;
		u64 config = a->config;
		u8 tail = ((u8 *)a)[199];
		memset(area, 0, 2 * PG);
		attr_init((struct perf_event_attr *)big, type, config);
		((struct perf_event_attr *)big)->size = size;
		big[199] = tail;
		a = (struct perf_event_attr *)big;
		ptr = (long)big;
	}
	}
	fd = perf_open((struct perf_event_attr *)ptr, c.pid, c.cpu, c.group, c.flags);
	if (oc->err) {
		EXPECT_ERRNO(fd, oc->err);
		/* E2BIG writes the kernel's attr size back: Linux 6.18 says 136,
		 * Ringtail its uapi size; either way at least ours. */
		if (oc->err == E2BIG && c.ptr != P_NULL && c.ptr != P_READONLY) {
			u32 back = ((struct perf_event_attr *)ptr)->size;
			EXPECT_GE(back, sizeof(struct perf_event_attr));
			EXPECT_EQ(back % 8, 0);
			if (on_ringtail())
				EXPECT_EQ(back, sizeof(struct perf_event_attr));
		}
	} else {
		EXPECT_GE(fd, 3);
		if (c.flags == PERF_FLAG_FD_CLOEXEC)
			EXPECT_EQ(RSYS(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
		else if (fd >= 0)
			EXPECT_EQ(RSYS(SYS_fcntl, fd, F_GETFD), 0);
	}
	if (fd >= 0)
		perf_close(fd);
	if (c.ptr == P_READONLY)
		munmap((void *)ptr, PG);
}

/* --- calls on an open perf fd ---------------------------------------------- */
static long cnt_fd, smp_fd, freq_fd;   /* counting, sampling, freq sampling */

static long ioc(long fd, unsigned long req, long arg) { return perf_ioctl(fd, req, arg); }
static long ioc_period(long fd, u64 v) { return ioc(fd, PERF_EVENT_IOC_PERIOD, (long)&v); }

struct fd_case { const char *name; long (*call)(void); long want; };
#define F(name, expr) static long name(void) { u64 v[8] = { 0 }; (void)v; return (expr); }
F(f_read_exact, perf_read(cnt_fd, v, 5))
F(f_read_bigger, perf_read(cnt_fd, v, 8))
F(f_read_short, perf_read(cnt_fd, v, 4))
F(f_read_zero, RSYS(SYS_read, cnt_fd, v, 0))
F(f_read_null, RSYS(SYS_read, cnt_fd, 0, 40))
F(f_read_kernel, RSYS(SYS_read, cnt_fd, BAD_KERNEL, 40))
F(f_write, RSYS(SYS_write, cnt_fd, v, 8))
F(f_lseek, RSYS(SYS_lseek, cnt_fd, 0, 0))
F(f_ioc_unknown, ioc(cnt_fd, 0x2499, 0))
F(f_ioc_garbage, ioc(cnt_fd, 0x12345678, 0))
F(f_ioc_enable_sized, ioc(cnt_fd, PERF_EVENT_IOC_ENABLE | (8 << 16), 0))
F(f_ioc_enable_arg, ioc(cnt_fd, PERF_EVENT_IOC_ENABLE, 12345))
F(f_ioc_disable, ioc(cnt_fd, PERF_EVENT_IOC_DISABLE, 0))
F(f_ioc_reset, ioc(cnt_fd, PERF_EVENT_IOC_RESET, 0))
F(f_ioc_id_null, ioc(cnt_fd, PERF_EVENT_IOC_ID, 0))
F(f_ioc_id_kernel, ioc(cnt_fd, PERF_EVENT_IOC_ID, (long)BAD_KERNEL))
F(f_ioc_id_ok, ioc(cnt_fd, PERF_EVENT_IOC_ID, (long)v))
F(f_period_null, ioc(smp_fd, PERF_EVENT_IOC_PERIOD, 0))
F(f_period_zero, ioc_period(smp_fd, 0))
F(f_period_63, ioc_period(smp_fd, 1ULL << 63))
F(f_period_ok, ioc_period(smp_fd, 5))
F(f_period_counting, ioc_period(cnt_fd, 5))
F(f_period_freq_high, ioc_period(freq_fd, 1ULL << 40))
F(f_period_freq_ok, ioc_period(freq_fd, 1000))
F(f_refresh_counting, ioc(cnt_fd, PERF_EVENT_IOC_REFRESH, 1))
F(f_pause_no_buffer, ioc(smp_fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 1))
F(f_out_self, ioc(smp_fd, PERF_EVENT_IOC_SET_OUTPUT, smp_fd))
F(f_out_stdin, ioc(smp_fd, PERF_EVENT_IOC_SET_OUTPUT, 0))
F(f_out_unopened, ioc(smp_fd, PERF_EVENT_IOC_SET_OUTPUT, 1000))
F(f_out_unmapped, ioc(smp_fd, PERF_EVENT_IOC_SET_OUTPUT, cnt_fd))
F(f_out_none, ioc(smp_fd, PERF_EVENT_IOC_SET_OUTPUT, -1))
#undef F

static const struct fd_case fd_cases[] = {
	{ "read_returns_read_format_size", f_read_exact, 40 },
	{ "read_bigger_buffer_returns_40", f_read_bigger, 40 },
	{ "read_short_enospc", f_read_short, -ENOSPC },
	{ "read_zero_enospc", f_read_zero, -ENOSPC },
	{ "read_null_efault", f_read_null, -EFAULT },
	{ "read_kernel_pointer_efault", f_read_kernel, -EFAULT },
	{ "write_einval", f_write, -EINVAL },
	{ "lseek_espipe", f_lseek, -ESPIPE },
	{ "ioctl_unknown_nr_enotty", f_ioc_unknown, -ENOTTY },
	{ "ioctl_garbage_enotty", f_ioc_garbage, -ENOTTY },
	{ "ioctl_enable_with_size_bits_enotty", f_ioc_enable_sized, -ENOTTY },
	{ "ioctl_enable_ignores_arg", f_ioc_enable_arg, 0 },
	{ "ioctl_disable_ok", f_ioc_disable, 0 },
	{ "ioctl_reset_ok", f_ioc_reset, 0 },
	{ "ioctl_id_null_efault", f_ioc_id_null, -EFAULT },
	{ "ioctl_id_kernel_efault", f_ioc_id_kernel, -EFAULT },
	{ "ioctl_id_ok", f_ioc_id_ok, 0 },
	{ "ioctl_period_null_efault", f_period_null, -EFAULT },
	{ "ioctl_period_zero_einval", f_period_zero, -EINVAL },
	{ "ioctl_period_bit63_einval", f_period_63, -EINVAL },
	{ "ioctl_period_ok", f_period_ok, 0 },
	{ "ioctl_period_counting_event_einval", f_period_counting, -EINVAL },
	{ "ioctl_period_freq_above_max_einval", f_period_freq_high, -EINVAL },
	{ "ioctl_period_freq_ok", f_period_freq_ok, 0 },
	{ "ioctl_refresh_counting_einval", f_refresh_counting, -EINVAL },
	{ "ioctl_pause_output_no_buffer_einval", f_pause_no_buffer, -EINVAL },
	{ "set_output_self_einval", f_out_self, -EINVAL },
	{ "set_output_not_perf_ebadf", f_out_stdin, -EBADF },
	{ "set_output_unopened_ebadf", f_out_unopened, -EBADF },
	{ "set_output_to_unmapped_einval", f_out_unmapped, -EINVAL },
	{ "set_output_minus1_ok", f_out_none, 0 },
};

static void poll_no_buffer_is_pollhup(void)
{
	struct pollfd p = { (int)smp_fd, POLLIN, 0 };
	EXPECT_EQ(poll(&p, 1, 1000), 1);
	EXPECT_EQ(p.revents, POLLHUP);
}

static void close_twice_ebadf(void)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	long fd = perf_open(&a, 0, -1, -1, 0);
	EXPECT_EQ(perf_close(fd), 0);
	EXPECT_ERRNO(perf_close(fd), EBADF);
	EXPECT_ERRNO(RSYS(SYS_read, fd, area, 8), EBADF);
}

int main(void)
{
	int n_open = KTAP_COUNT(open_cases), n_fd = KTAP_COUNT(fd_cases);
	struct perf_event_attr a;

	ktap_plan(n_open + n_fd + 2);
	area = fresh_pages(3);
	if (!area || RSYS(SYS_munmap, area + 2 * PG, PG)) {
		ktap_diag("setup failed");
		return 1;
	}
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	leader_fd = perf_open(&a, 0, -1, -1, 0);
	for (int i = 0; i < n_open; i++) {
		const struct open_case *oc = &open_cases[i];
		if (oc->where == RINGTAIL_ONLY && !on_ringtail()) {
			ktap_skip(oc->name, "Ringtail's emulated PMU (no hardware events on this host)");
			continue;
		}
		ktap_case_failed = 0;
		run_open_case(oc);
		ktap_result(!ktap_case_failed, "%s", oc->name);
	}

	a.read_format = PERF_FORMAT_ID | PERF_FORMAT_LOST | PERF_FORMAT_TOTAL_TIME_ENABLED |
			PERF_FORMAT_TOTAL_TIME_RUNNING;
	cnt_fd = perf_open(&a, 0, -1, -1, 0);
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.sample_period = 10;
	smp_fd = perf_open(&a, 0, -1, -1, 0);
	a.freq = 1;
	a.sample_freq = 100;
	freq_fd = perf_open(&a, 0, -1, -1, 0);
	for (int i = 0; i < n_fd; i++) {
		long got = fd_cases[i].call();
		ktap_case_failed = 0;
		EXPECT_EQ(got, fd_cases[i].want);
		ktap_result(!ktap_case_failed, "%s", fd_cases[i].name);
	}
	ktap_case_failed = 0;
	poll_no_buffer_is_pollhup();
	ktap_result(!ktap_case_failed, "poll_without_buffer_pollhup");
	ktap_case_failed = 0;
	close_twice_ebadf();
	ktap_result(!ktap_case_failed, "close_twice_ebadf");
	return ktap_done();
}
