/* The bpf(2) user ABI (x86_64, syscall 321) for what Ringtail implements:
 * BPF_MAP_CREATE of ring buffers and perf event arrays, BPF_PROG_LOAD of
 * built-in handlers, BPF_MAP_UPDATE_ELEM (perf event arrays) and
 * BPF_OBJ_GET_INFO_BY_FD (maps and programs), the ring buffer record header and the
 * ringbuf helper flags. Every value and offset equals Linux's;
 * kernel/bpf/tests/test_bpf_uapi.c compares them with the system's header and,
 * for what Debian 12's 6.1 header predates, with the documented values.
 * Ringtail runs no BPF bytecode: BPF_PROG_LOAD selects a built-in C handler
 * by attr.prog_name (see kernel/bpf/ringbuf.h).
 * The guard name matches Linux's so the two headers never both apply. */
#ifndef _UAPI__LINUX_BPF_H__
#define _UAPI__LINUX_BPF_H__

#include <linux/types.h>

#define BPF_OBJ_NAME_LEN 16U

/* Only so that programs written for Linux compile: Ringtail refuses
 * bytecode (insn_cnt must be 0 there; see the handler table). */
struct bpf_insn {
	__u8 code;
	__u8 dst_reg : 4;
	__u8 src_reg : 4;
	__s16 off;
	__s32 imm;
};

enum bpf_cmd {
	BPF_MAP_CREATE = 0,
	BPF_MAP_LOOKUP_ELEM = 1,
	BPF_MAP_UPDATE_ELEM = 2,
	BPF_MAP_DELETE_ELEM = 3,
	BPF_MAP_GET_NEXT_KEY = 4,
	BPF_PROG_LOAD = 5,
	BPF_PROG_TEST_RUN = 10,
	BPF_OBJ_GET_INFO_BY_FD = 15,
};

enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC = 0,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_USER_RINGBUF = 31,
};

enum bpf_prog_type {
	BPF_PROG_TYPE_UNSPEC = 0,
	BPF_PROG_TYPE_SOCKET_FILTER = 1,
	BPF_PROG_TYPE_TRACEPOINT = 5,
};

/* attr.map_flags */
enum {
	BPF_F_NO_PREALLOC = (1U << 0),
	BPF_F_NUMA_NODE = (1U << 2),
	BPF_F_RDONLY = (1U << 3),
	BPF_F_WRONLY = (1U << 4),
	BPF_F_RDONLY_PROG = (1U << 7),
	BPF_F_WRONLY_PROG = (1U << 8),
	BPF_F_MMAPABLE = (1U << 10),
	/* Linux 6.19 (2025): a full kernel ring overwrites its oldest
	 * records instead of failing. BPF_MAP_TYPE_RINGBUF only. */
	BPF_F_RB_OVERWRITE = (1U << 19),
};

/* BPF_MAP_UPDATE_ELEM flags */
#define BPF_ANY     0
#define BPF_NOEXIST 1
#define BPF_EXIST   2

/* bpf_perf_event_output() flags: which CPU's event to write to. */
#define BPF_F_INDEX_MASK  0xffffffffULL
#define BPF_F_CURRENT_CPU BPF_F_INDEX_MASK

union bpf_attr {
	struct { /* BPF_MAP_CREATE */
		__u32 map_type;
		__u32 key_size;
		__u32 value_size;
		__u32 max_entries;         /* ring buffers: data size in bytes */
		__u32 map_flags;
		__u32 inner_map_fd;
		__u32 numa_node;           /* with BPF_F_NUMA_NODE */
		char map_name[BPF_OBJ_NAME_LEN];
		__u32 map_ifindex;
		__u32 btf_fd;
		__u32 btf_key_type_id;
		__u32 btf_value_type_id;
		__u32 btf_vmlinux_value_type_id;
		__aligned_u64 map_extra;
		__s32 value_type_btf_obj_fd;   /* Linux 6.9 */
		__s32 map_token_fd;            /* Linux 6.9 */
	};

	struct { /* BPF_MAP_*_ELEM */
		__u32 map_fd;
		__aligned_u64 key;
		union {
			__aligned_u64 value;
			__aligned_u64 next_key;
		};
		__u64 flags;
	};

	struct { /* BPF_PROG_LOAD */
		__u32 prog_type;
		__u32 insn_cnt;
		__aligned_u64 insns;
		__aligned_u64 license;
		__u32 log_level;
		__u32 log_size;
		__aligned_u64 log_buf;
		__u32 kern_version;
		__u32 prog_flags;
		char prog_name[BPF_OBJ_NAME_LEN];  /* Ringtail: the handler's name */
		__u32 prog_ifindex;
		__u32 expected_attach_type;
		__u32 prog_btf_fd;
		__u32 func_info_rec_size;
		__aligned_u64 func_info;
		__u32 func_info_cnt;
		__u32 line_info_rec_size;
		__aligned_u64 line_info;
		__u32 line_info_cnt;
		__u32 attach_btf_id;
		union {
			__u32 attach_prog_fd;
			__u32 attach_btf_obj_fd;
		};
		__u32 core_relo_cnt;
		__aligned_u64 fd_array;    /* Ringtail: the handler's maps, in order */
		__aligned_u64 core_relos;
		__u32 core_relo_rec_size;
		__u32 log_true_size;       /* Linux 6.4 */
		__s32 prog_token_fd;       /* Linux 6.9 */
		__u32 fd_array_cnt;        /* Linux 6.14 */
	};

	struct { /* BPF_PROG_TEST_RUN (not implemented by Ringtail) */
		__u32 prog_fd;
		__u32 retval;
		__u32 data_size_in;
		__u32 data_size_out;
		__aligned_u64 data_in;
		__aligned_u64 data_out;
		__u32 repeat;
		__u32 duration;
	} test;

	struct { /* BPF_OBJ_GET_INFO_BY_FD */
		__u32 bpf_fd;
		__u32 info_len;
		__aligned_u64 info;
	} info;
} __attribute__((aligned(8)));

#define BPF_TAG_SIZE 8

/* BPF_OBJ_GET_INFO_BY_FD of a program. Ringtail fills type, id, name,
 * load_time, gpl_compatible, run_cnt and the map ids (nr_map_ids and the
 * user array at map_ids, in and out as Linux); there is no code, so the
 * instruction and BTF fields read as zero. */
struct bpf_prog_info {
	__u32 type;
	__u32 id;
	__u8 tag[BPF_TAG_SIZE];
	__u32 jited_prog_len;
	__u32 xlated_prog_len;
	__aligned_u64 jited_prog_insns;
	__aligned_u64 xlated_prog_insns;
	__u64 load_time;                /* ns since boot */
	__u32 created_by_uid;
	__u32 nr_map_ids;
	__aligned_u64 map_ids;
	char name[BPF_OBJ_NAME_LEN];
	__u32 ifindex;
	__u32 gpl_compatible : 1;
	__u32 : 31;
	__u64 netns_dev;
	__u64 netns_ino;
	__u32 nr_jited_ksyms;
	__u32 nr_jited_func_lens;
	__aligned_u64 jited_ksyms;
	__aligned_u64 jited_func_lens;
	__u32 btf_id;
	__u32 func_info_rec_size;
	__aligned_u64 func_info;
	__u32 nr_func_info;
	__u32 nr_line_info;
	__aligned_u64 line_info;
	__aligned_u64 jited_line_info;
	__u32 nr_jited_line_info;
	__u32 line_info_rec_size;
	__u32 jited_line_info_rec_size;
	__u32 nr_prog_tags;
	__aligned_u64 prog_tags;
	__u64 run_time_ns;
	__u64 run_cnt;
	__u64 recursion_misses;
	__u32 verified_insns;
	__u32 attach_btf_obj_id;
	__u32 attach_btf_id;
	__u32 : 32;
} __attribute__((aligned(8)));

struct bpf_map_info {
	__u32 type;
	__u32 id;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	char name[BPF_OBJ_NAME_LEN];
	__u32 ifindex;
	__u32 btf_vmlinux_value_type_id;
	__u64 netns_dev;
	__u64 netns_ino;
	__u32 btf_id;
	__u32 btf_key_type_id;
	__u32 btf_value_type_id;
	__u32 : 32;
	__u64 map_extra;
} __attribute__((aligned(8)));

/* bpf_ringbuf_submit/discard/output and user ring drain flags. */
enum {
	BPF_RB_NO_WAKEUP = (1ULL << 0),
	BPF_RB_FORCE_WAKEUP = (1ULL << 1),
};

/* bpf_ringbuf_query() */
enum {
	BPF_RB_AVAIL_DATA = 0,
	BPF_RB_RING_SIZE = 1,
	BPF_RB_CONS_POS = 2,
	BPF_RB_PROD_POS = 3,
	BPF_RB_OVERWRITE_POS = 4,  /* Linux 6.19 */
};

/* Ring buffer record header: u32 len (these two bits are flags), u32
 * pg_off. Records are rounded up to 8 bytes, header included. */
enum {
	BPF_RINGBUF_BUSY_BIT = (1U << 31),
	BPF_RINGBUF_DISCARD_BIT = (1U << 30),
	BPF_RINGBUF_HDR_SZ = 8,
};

/* Ringtail extension, not in Linux: bpf_ringbuf_query() of the number of
 * records this ring refused (reserve/output that found no room, or asked
 * for more than a ring can hold). Linux answers 0 for any unknown query, so
 * the value is far outside its BPF_RB_* range. The same count is readable
 * from user space at RT_BPF_RB_DROPPED_OFF in the producer page (offset 1
 * page of the mapping), which Linux leaves zero. */
#define RT_BPF_RB_DROPPED     0x52540001ULL
#define RT_BPF_RB_DROPPED_OFF 128

#endif /* _UAPI__LINUX_BPF_H__ */
