/* The perf_event user ABI (x86_64) for what Ringtail implements: the
 * perf_event_open() attribute block, the mmap()ed control page, record
 * headers and types, sample_type / read_format bits and ioctl numbers.
 * Every size, offset and value here must equal Linux's; the host test
 * kernel/events/tests/test_rb_uapi.c compares them against the system's header.
 * Kernel code, host tests and musl user programs all include this file.
 * The guard name matches Linux's so the two headers never both apply. */
#ifndef _LINUX_PERF_EVENT_H
#define _LINUX_PERF_EVENT_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* attr.type */
enum perf_type_id {
	PERF_TYPE_HARDWARE = 0,
	PERF_TYPE_SOFTWARE = 1,
	PERF_TYPE_TRACEPOINT = 2,
	PERF_TYPE_HW_CACHE = 3,
	PERF_TYPE_RAW = 4,
	PERF_TYPE_BREAKPOINT = 5,
	PERF_TYPE_MAX,
};

/* attr.config for PERF_TYPE_HARDWARE */
enum perf_hw_id {
	PERF_COUNT_HW_CPU_CYCLES = 0,
	PERF_COUNT_HW_INSTRUCTIONS = 1,
	PERF_COUNT_HW_CACHE_REFERENCES = 2,
	PERF_COUNT_HW_CACHE_MISSES = 3,
	PERF_COUNT_HW_BRANCH_INSTRUCTIONS = 4,
	PERF_COUNT_HW_BRANCH_MISSES = 5,
	PERF_COUNT_HW_BUS_CYCLES = 6,
	PERF_COUNT_HW_STALLED_CYCLES_FRONTEND = 7,
	PERF_COUNT_HW_STALLED_CYCLES_BACKEND = 8,
	PERF_COUNT_HW_REF_CPU_CYCLES = 9,
	PERF_COUNT_HW_MAX,
};

/* attr.config for PERF_TYPE_SOFTWARE */
enum perf_sw_ids {
	PERF_COUNT_SW_CPU_CLOCK = 0,
	PERF_COUNT_SW_TASK_CLOCK = 1,
	PERF_COUNT_SW_PAGE_FAULTS = 2,
	PERF_COUNT_SW_CONTEXT_SWITCHES = 3,
	PERF_COUNT_SW_CPU_MIGRATIONS = 4,
	PERF_COUNT_SW_PAGE_FAULTS_MIN = 5,
	PERF_COUNT_SW_PAGE_FAULTS_MAJ = 6,
	PERF_COUNT_SW_ALIGNMENT_FAULTS = 7,
	PERF_COUNT_SW_EMULATION_FAULTS = 8,
	PERF_COUNT_SW_DUMMY = 9,
	PERF_COUNT_SW_BPF_OUTPUT = 10,
	PERF_COUNT_SW_CGROUP_SWITCHES = 11,
	PERF_COUNT_SW_MAX,
};

/* attr.sample_type: which fields a PERF_RECORD_SAMPLE carries. The record
 * lays them out in a fixed order that is not the order of these bits. */
enum perf_event_sample_format {
	PERF_SAMPLE_IP = 1U << 0,
	PERF_SAMPLE_TID = 1U << 1,
	PERF_SAMPLE_TIME = 1U << 2,
	PERF_SAMPLE_ADDR = 1U << 3,
	PERF_SAMPLE_READ = 1U << 4,
	PERF_SAMPLE_CALLCHAIN = 1U << 5,
	PERF_SAMPLE_ID = 1U << 6,
	PERF_SAMPLE_CPU = 1U << 7,
	PERF_SAMPLE_PERIOD = 1U << 8,
	PERF_SAMPLE_STREAM_ID = 1U << 9,
	PERF_SAMPLE_RAW = 1U << 10,
	PERF_SAMPLE_BRANCH_STACK = 1U << 11,
	PERF_SAMPLE_REGS_USER = 1U << 12,
	PERF_SAMPLE_STACK_USER = 1U << 13,
	PERF_SAMPLE_WEIGHT = 1U << 14,
	PERF_SAMPLE_DATA_SRC = 1U << 15,
	PERF_SAMPLE_IDENTIFIER = 1U << 16,
	PERF_SAMPLE_TRANSACTION = 1U << 17,
	PERF_SAMPLE_REGS_INTR = 1U << 18,
	PERF_SAMPLE_PHYS_ADDR = 1U << 19,
	PERF_SAMPLE_AUX = 1U << 20,
	PERF_SAMPLE_CGROUP = 1U << 21,
	PERF_SAMPLE_DATA_PAGE_SIZE = 1U << 22,
	PERF_SAMPLE_CODE_PAGE_SIZE = 1U << 23,
	PERF_SAMPLE_WEIGHT_STRUCT = 1U << 24,
	PERF_SAMPLE_MAX = 1U << 25,
};

/* attr.read_format: what read() returns (and PERF_SAMPLE_READ carries). */
enum perf_event_read_format {
	PERF_FORMAT_TOTAL_TIME_ENABLED = 1U << 0,
	PERF_FORMAT_TOTAL_TIME_RUNNING = 1U << 1,
	PERF_FORMAT_ID = 1U << 2,
	PERF_FORMAT_GROUP = 1U << 3,
	PERF_FORMAT_LOST = 1U << 4,
	PERF_FORMAT_MAX = 1U << 5,
};

/* attr.size values of each published revision; older sizes are accepted. */
#define PERF_ATTR_SIZE_VER0 64
#define PERF_ATTR_SIZE_VER1 72
#define PERF_ATTR_SIZE_VER2 80
#define PERF_ATTR_SIZE_VER3 96
#define PERF_ATTR_SIZE_VER4 104
#define PERF_ATTR_SIZE_VER5 112
#define PERF_ATTR_SIZE_VER6 120
#define PERF_ATTR_SIZE_VER7 128

struct perf_event_attr {
	__u32 type;
	__u32 size;               /* sizeof the caller's struct, for versioning */
	__u64 config;
	union {
		__u64 sample_period;
		__u64 sample_freq;  /* when freq is set */
	};
	__u64 sample_type;
	__u64 read_format;

	/* One 64-bit word of flags; bit positions are ABI. */
	__u64 disabled : 1,
	      inherit : 1,
	      pinned : 1,
	      exclusive : 1,
	      exclude_user : 1,
	      exclude_kernel : 1,
	      exclude_hv : 1,
	      exclude_idle : 1,
	      mmap : 1,
	      comm : 1,
	      freq : 1,
	      inherit_stat : 1,
	      enable_on_exec : 1,
	      task : 1,
	      watermark : 1,        /* wake up by wakeup_watermark bytes */
	      precise_ip : 2,
	      mmap_data : 1,
	      sample_id_all : 1,    /* non-sample records carry sample_id */
	      exclude_host : 1,
	      exclude_guest : 1,
	      exclude_callchain_kernel : 1,
	      exclude_callchain_user : 1,
	      mmap2 : 1,
	      comm_exec : 1,
	      use_clockid : 1,
	      context_switch : 1,
	      write_backward : 1,   /* ring buffer grows downwards */
	      namespaces : 1,
	      ksymbol : 1,
	      bpf_event : 1,
	      aux_output : 1,
	      cgroup : 1,
	      text_poke : 1,
	      build_id : 1,
	      inherit_thread : 1,
	      remove_on_exec : 1,
	      sigtrap : 1,
	      __reserved_1 : 26;

	union {
		__u32 wakeup_events;     /* SAMPLE records per wakeup */
		__u32 wakeup_watermark;  /* bytes per wakeup, with watermark */
	};
	__u32 bp_type;
	union {
		__u64 bp_addr;
		__u64 kprobe_func;
		__u64 uprobe_path;
		__u64 config1;
	};
	union {
		__u64 bp_len;
		__u64 kprobe_addr;
		__u64 probe_offset;
		__u64 config2;
	};
	__u64 branch_sample_type;
	__u64 sample_regs_user;
	__u32 sample_stack_user;
	__s32 clockid;
	__u64 sample_regs_intr;
	__u32 aux_watermark;
	__u16 sample_max_stack;
	__u16 __reserved_2;
	__u32 aux_sample_size;
	__u32 __reserved_3;
	__u64 sig_data;
};

/* ioctl() requests on a perf event fd. */
#define PERF_EVENT_IOC_ENABLE       _IO('$', 0)
#define PERF_EVENT_IOC_DISABLE      _IO('$', 1)
#define PERF_EVENT_IOC_REFRESH      _IO('$', 2)
#define PERF_EVENT_IOC_RESET        _IO('$', 3)
#define PERF_EVENT_IOC_PERIOD       _IOW('$', 4, __u64)
#define PERF_EVENT_IOC_SET_OUTPUT   _IO('$', 5)
#define PERF_EVENT_IOC_SET_FILTER   _IOW('$', 6, char *)
#define PERF_EVENT_IOC_ID           _IOR('$', 7, __u64 *)
#define PERF_EVENT_IOC_SET_BPF      _IOW('$', 8, __u32)
#define PERF_EVENT_IOC_PAUSE_OUTPUT _IOW('$', 9, __u32)

enum perf_event_ioc_flags {
	PERF_IOC_FLAG_GROUP = 1U << 0,   /* apply to the whole group */
};

/* Page 0 of the mapping. The kernel writes data_head; user space writes
 * data_tail (and nothing else). data_head and data_tail never wrap: a
 * reader masks them with data_size - 1. */
struct perf_event_mmap_page {
	__u32 version;
	__u32 compat_version;
	__u32 lock;               /* seqcount over the self-monitoring fields */
	__u32 index;
	__s64 offset;
	__u64 time_enabled;
	__u64 time_running;
	union {
		__u64 capabilities;
		struct {
			__u64 cap_bit0 : 1,
			      cap_bit0_is_deprecated : 1,
			      cap_user_rdpmc : 1,
			      cap_user_time : 1,
			      cap_user_time_zero : 1,
			      cap_user_time_short : 1,
			      cap_____res : 58;
		};
	};
	__u16 pmc_width;
	__u16 time_shift;
	__u32 time_mult;
	__u64 time_offset;
	__u64 time_zero;
	__u32 size;               /* bytes in use before __reserved */
	__u32 __reserved_1;
	__u64 time_cycles;
	__u64 time_mask;
	__u8 __reserved[116 * 8]; /* pads the control fields to 1 KiB */

	/* The ring buffer's control words start at 1024. */
	__u64 data_head;
	__u64 data_tail;
	__u64 data_offset;        /* data area offset in the mapping */
	__u64 data_size;
	__u64 aux_head;
	__u64 aux_tail;
	__u64 aux_offset;
	__u64 aux_size;
};

/* perf_event_header.misc */
#define PERF_RECORD_MISC_CPUMODE_MASK        (7 << 0)
#define PERF_RECORD_MISC_CPUMODE_UNKNOWN     (0 << 0)
#define PERF_RECORD_MISC_KERNEL              (1 << 0)
#define PERF_RECORD_MISC_USER                (2 << 0)
#define PERF_RECORD_MISC_HYPERVISOR          (3 << 0)
#define PERF_RECORD_MISC_GUEST_KERNEL        (4 << 0)
#define PERF_RECORD_MISC_GUEST_USER          (5 << 0)
#define PERF_RECORD_MISC_PROC_MAP_PARSE_TIMEOUT (1 << 12)
#define PERF_RECORD_MISC_MMAP_DATA           (1 << 13)
#define PERF_RECORD_MISC_COMM_EXEC           (1 << 13)
#define PERF_RECORD_MISC_FORK_EXEC           (1 << 13)
#define PERF_RECORD_MISC_SWITCH_OUT          (1 << 13)
#define PERF_RECORD_MISC_EXACT_IP            (1 << 14)
#define PERF_RECORD_MISC_SWITCH_OUT_PREEMPT  (1 << 14)
#define PERF_RECORD_MISC_MMAP_BUILD_ID       (1 << 14)
#define PERF_RECORD_MISC_EXT_RESERVED        (1 << 15)

/* Every record starts with this; size counts the header and is always a
 * multiple of 8. */
struct perf_event_header {
	__u32 type;
	__u16 misc;
	__u16 size;
};

/* perf_event_header.type. Layouts (sample_id is the sample_id_all trailer):
 *   LOST:         { header; u64 id; u64 lost; sample_id }
 *   LOST_SAMPLES: { header; u64 lost; sample_id }
 *   SWITCH:       { header; sample_id }
 *   SAMPLE:       fields selected by sample_type, in the ABI's order. */
enum perf_event_type {
	PERF_RECORD_MMAP = 1,
	PERF_RECORD_LOST = 2,
	PERF_RECORD_COMM = 3,
	PERF_RECORD_EXIT = 4,
	PERF_RECORD_THROTTLE = 5,
	PERF_RECORD_UNTHROTTLE = 6,
	PERF_RECORD_FORK = 7,
	PERF_RECORD_READ = 8,
	PERF_RECORD_SAMPLE = 9,
	PERF_RECORD_MMAP2 = 10,
	PERF_RECORD_AUX = 11,
	PERF_RECORD_ITRACE_START = 12,
	PERF_RECORD_LOST_SAMPLES = 13,
	PERF_RECORD_SWITCH = 14,
	PERF_RECORD_SWITCH_CPU_WIDE = 15,
	PERF_RECORD_NAMESPACES = 16,
	PERF_RECORD_KSYMBOL = 17,
	PERF_RECORD_BPF_EVENT = 18,
	PERF_RECORD_CGROUP = 19,
	PERF_RECORD_TEXT_POKE = 20,
	PERF_RECORD_AUX_OUTPUT_HW_ID = 21,
	PERF_RECORD_MAX,
};

#define PERF_MAX_STACK_DEPTH        127
#define PERF_MAX_CONTEXTS_PER_STACK 8

/* Markers inside a callchain saying which context the following ips are in. */
enum perf_callchain_context {
	PERF_CONTEXT_HV = (__u64)-32,
	PERF_CONTEXT_KERNEL = (__u64)-128,
	PERF_CONTEXT_USER = (__u64)-512,
	PERF_CONTEXT_GUEST = (__u64)-2048,
	PERF_CONTEXT_GUEST_KERNEL = (__u64)-2176,
	PERF_CONTEXT_GUEST_USER = (__u64)-2560,
	PERF_CONTEXT_MAX = (__u64)-4095,
};

/* perf_event_open() flags */
#define PERF_FLAG_FD_NO_GROUP (1UL << 0)
#define PERF_FLAG_FD_OUTPUT   (1UL << 1)
#define PERF_FLAG_PID_CGROUP  (1UL << 2)
#define PERF_FLAG_FD_CLOEXEC  (1UL << 3)

#endif /* _LINUX_PERF_EVENT_H */
