/* Shared by the bpf(2) test programs of user/bpf (test_bpf_maps,
 * test_bpf_mmap, test_bpf_flows) and bench_ringbuf.
 *
 * The tests run on Ringtail (musl-gcc -static) and, where a case means
 * something there, on Linux (plain gcc, see user/bpf/rules.mk's
 * bpf-linux-progs): Linux's answers are the specification. What differs
 * between the two kernels is hidden here:
 *
 *   tp_id(group, name)  a tracepoint id (perf_test.h)
 *   load_handler(...)   Ringtail: a built-in handler by name; Linux: a
 *                       do-nothing tracepoint program (r0 = 0; exit) with
 *                       the same name and fd_array, so attach and info
 *                       errnos can be compared
 *   produce(fd, n)      n records into a kernel ring: on Ringtail through
 *                       rt_unlink_log and unlinkat, on Linux a socket filter
 *                       calling bpf_ringbuf_output, run with BPF_PROG_TEST_RUN
 */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <ringtail/tracepoints.h>
#include <ringtail/bpf_handlers.h>
#include <bpf/libbpf.h>
#include "ktap.h"
#include "rt_user.h"
#include "perf_test.h"

#define SYS_BPF 321
#define EBADFD_ 77              /* Linux's errno for a bad fd in OBJ_GET_INFO */
#define ENOTSUPP_ 524           /* Linux's kernel-internal "not supported" */

/* In a case: skip it on Linux (it needs Ringtail's built-in handlers). */
#define RINGTAIL_ONLY()                                 \
	do {                                            \
		if (!on_ringtail()) {                   \
			KTAP_SKIP("Ringtail only");     \
			return;                         \
		}                                       \
	} while (0)

/* A raw bpf(2): what the kernel returned, -errno on failure. */
static inline long sys_bpf(long cmd, const void *attr, unsigned long size)
{
	return RSYS(SYS_BPF, cmd, attr, size);
}

/* The affinity the program started with (save_affinity() in main). */
static cpu_set_t start_affinity;

static inline void save_affinity(void)
{
	if (sched_getaffinity(0, sizeof(start_affinity), &start_affinity)) {
		CPU_ZERO(&start_affinity);
		CPU_SET(0, &start_affinity);
	}
}

static inline int unpin(void)
{
	return sched_setaffinity(0, sizeof(start_affinity), &start_affinity);
}

static inline double ms_since(uint64_t t0)
{
	return (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e6;
}

static inline int ringbuf_new(int size)
{
	return bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rt_test", 0, 0, (__u32)size, NULL);
}

static inline int user_ringbuf_new(int size)
{
	return bpf_map_create(BPF_MAP_TYPE_USER_RINGBUF, "rt_test", 0, 0, (__u32)size, NULL);
}

static inline int perf_array_map(int n)
{
	return bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "rt_test", 4, 4, (__u32)n, NULL);
}

/* --- Linux: programs assembled by hand (no compiler for BPF here) -------- */

static inline struct bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn i;
	memset(&i, 0, sizeof(i));
	i.code = code;
	i.dst_reg = dst;
	i.src_reg = src;
	i.off = off;
	i.imm = imm;
	return i;
}
/* Opcodes: Linux's include/uapi/linux/bpf_common.h and bpf.h. */
#define I_MOV_IMM(d, i)  insn(0x07 | 0xb0, d, 0, 0, i)        /* ALU64 MOV K */
#define I_MOV_REG(d, s)  insn(0x07 | 0xb0 | 0x08, d, s, 0, 0) /* ALU64 MOV X */
#define I_ADD_IMM(d, i)  insn(0x07 | 0x00, d, 0, 0, i)        /* ALU64 ADD K */
#define I_ST_DW(d, o, i) insn(0x02 | 0x60 | 0x18, d, 0, o, i) /* ST MEM DW */
#define I_LD_MAP(d, fd)  insn(0x00 | 0x18, d, 1, 0, fd), insn(0, 0, 0, 0, 0)
#define I_CALL(fn)       insn(0x05 | 0x80, 0, 0, 0, fn)
#define I_EXIT()         insn(0x05 | 0x90, 0, 0, 0, 0)
#define FN_RINGBUF_OUTPUT 130

static inline int linux_prog_load(int type, const char *name, const struct bpf_insn *p, size_t n,
				  const int *maps, unsigned nmaps)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .fd_array = nmaps ? maps : NULL, .fd_array_cnt = nmaps);
	return bpf_prog_load((enum bpf_prog_type)type, name, "GPL", p, n, &o);
}

/* The attr of a BPF_PROG_LOAD for handler name with maps: on Ringtail the
 * handler; on Linux the same with a do-nothing program (r0 = 0; exit). */
static inline void prog_attr(union bpf_attr *a, const char *name, const int *maps, unsigned n)
{
	static struct bpf_insn nop[2];
	nop[0] = I_MOV_IMM(0, 0);
	nop[1] = I_EXIT();
	memset(a, 0, sizeof(*a));
	a->prog_type = BPF_PROG_TYPE_TRACEPOINT;
	a->license = (unsigned long)"GPL";
	memcpy(a->prog_name, name, strnlen(name, sizeof(a->prog_name) - 1));
	a->fd_array = (unsigned long)maps;
	a->fd_array_cnt = n;
	if (!on_ringtail()) {
		a->insns = (unsigned long)nop;
		a->insn_cnt = 2;
	}
}

static inline int load_handler(const char *name, const int *maps, unsigned n)
{
	union bpf_attr a;
	prog_attr(&a, name, maps, n);
	return (int)sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

/* A tracepoint event for every task on CPU 0 (as the demos), with prog
 * attached and enabled: the event fd, or -errno. */
static inline int attach_prog(int prog, int tp)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (__u64)tp;
	a.sample_period = 1;
	a.wakeup_events = 1;
	int pfd = perf_open(&a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return pfd;
	long rc = RSYS(SYS_ioctl, pfd, PERF_EVENT_IOC_SET_BPF, prog);
	if (!rc)
		rc = RSYS(SYS_ioctl, pfd, PERF_EVENT_IOC_ENABLE, 0);
	if (rc) {
		close(pfd);
		return (int)rc;
	}
	return pfd;
}

/* Load handler name with maps and attach it to tracepoint tp: the perf
 * event fd (closing it detaches), or -errno. The program fd is closed:
 * the attachment holds the program. */
static inline int attach_handler(const char *name, const int *maps, unsigned n, int tp)
{
	int prog = load_handler(name, maps, n);
	if (prog < 0)
		return prog;
	int pfd = attach_prog(prog, tp);
	close(prog);
	return pfd;
}

/* --- producing into a kernel ring ----------------------------------------- */

struct producer {
	int map, pfd, prog;
	unsigned len;           /* sample bytes of each record */
	unsigned rec;           /* bytes each record takes in the ring */
};

/* Ringtail: rt_unlink_log on unlinkat; Linux: a socket filter writing 8
 * bytes (0x5a5a5a5a) per run. */
static inline int producer_init(struct producer *p, int map)
{
	p->map = map;
	p->pfd = p->prog = -1;
	if (on_ringtail()) {
		p->pfd = attach_handler(RT_HANDLER_UNLINK_LOG, &map, 1, RT_TP_SYS_ENTER_UNLINKAT);
		p->len = sizeof(struct rt_unlink_event);
		p->rec = (p->len + 8 + 7) & ~7u;
		return p->pfd < 0 ? p->pfd : 0;
	}
	struct bpf_insn prog[] = {
		I_ST_DW(10, -8, 0x5a5a5a5a), I_LD_MAP(1, map), I_MOV_REG(2, 10), I_ADD_IMM(2, -8),
		I_MOV_IMM(3, 8), I_MOV_IMM(4, 0), I_CALL(FN_RINGBUF_OUTPUT), I_MOV_IMM(0, 0),
		I_EXIT(),
	};
	p->prog = linux_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "rt_test", prog,
				  sizeof(prog) / sizeof(prog[0]), NULL, 0);
	p->len = 8;
	p->rec = 16;
	return p->prog < 0 ? p->prog : 0;
}

static inline int produce(struct producer *p, int n)
{
	for (int i = 0; i < n; i++) {
		if (on_ringtail()) {
			char path[64];
			snprintf(path, sizeof(path), "/tmp/rt-produce-%d", i);
			RSYS(SYS_unlinkat, AT_FDCWD, path, 0);
		} else {
			unsigned char pkt[64] = { 0 };
			union bpf_attr a;
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (__u32)p->prog;
			a.test.data_in = (unsigned long)pkt;
			a.test.data_size_in = sizeof(pkt);
			long rc = sys_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
			if (rc)
				return (int)rc;
		}
	}
	return 0;
}

static inline void producer_fini(struct producer *p)
{
	if (p->pfd >= 0)
		close(p->pfd);
	if (p->prog >= 0)
		close(p->prog);
	p->pfd = p->prog = -1;
}
