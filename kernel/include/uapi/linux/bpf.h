/* The bpf(2) user ABI (x86_64, syscall 321) for what Ringtail implements:
 * the eBPF instruction set, maps (hash, array, ring buffers, perf event
 * arrays), programs (bytecode, or a built-in handler chosen by name), BTF,
 * links and object info, the ring buffer record header and the helper ids
 * and flags. Every value and offset equals Linux's;
 * kernel/bpf/tests/test_bpf_uapi.c compares them with the system's header and,
 * for what Debian 12's 6.1 header predates, with the documented values.
 * The guard name matches Linux's so the two headers never both apply. */
#ifndef _UAPI__LINUX_BPF_H__
#define _UAPI__LINUX_BPF_H__

#include <linux/types.h>
#include <linux/bpf_common.h>

/* eBPF's additions to the classic encoding */
#define BPF_JMP32 0x06          /* jmp mode in word width */
#define BPF_ALU64 0x07          /* alu mode in double word width */
#define BPF_DW    0x18          /* double word (64-bit) */
#define BPF_MEMSX 0x80          /* load with sign extension */
#define BPF_ATOMIC 0xc0         /* atomic memory ops - op type in immediate */
#define BPF_XADD  0xc0          /* exclusive add - legacy name */
#define BPF_MOV   0xb0          /* mov reg to reg */
#define BPF_ARSH  0xc0          /* sign extending arithmetic shift right */
#define BPF_END   0xd0          /* flags for endianness conversion: */
#define BPF_TO_LE 0x00          /* convert to little-endian */
#define BPF_TO_BE 0x08          /* convert to big-endian */
#define BPF_FROM_LE BPF_TO_LE
#define BPF_FROM_BE BPF_TO_BE
#define BPF_JNE   0x50          /* jump != */
#define BPF_JLT   0xa0          /* LT is unsigned, '<' */
#define BPF_JLE   0xb0          /* LE is unsigned, '<=' */
#define BPF_JSGT  0x60          /* SGT is signed '>', GT in x86 */
#define BPF_JSGE  0x70          /* SGE is signed '>=', GE in x86 */
#define BPF_JSLT  0xc0          /* SLT is signed, '<' */
#define BPF_JSLE  0xd0          /* SLE is signed, '<=' */
#define BPF_JCOND 0xe0          /* conditional pseudo jumps: may_goto */
#define BPF_CALL  0x80          /* function call */
#define BPF_EXIT  0x90          /* function return */

/* atomic op type fields (stored in immediate) */
#define BPF_FETCH   0x01        /* not an opcode on its own, used to build others */
#define BPF_XCHG    (0xe0 | BPF_FETCH)   /* atomic exchange */
#define BPF_CMPXCHG (0xf0 | BPF_FETCH)   /* atomic compare-and-write */
#define BPF_LOAD_ACQ  0x100     /* load-acquire (Linux 6.15) */
#define BPF_STORE_REL 0x110     /* store-release (Linux 6.15) */

enum {
	BPF_REG_0 = 0,
	BPF_REG_1,
	BPF_REG_2,
	BPF_REG_3,
	BPF_REG_4,
	BPF_REG_5,
	BPF_REG_6,
	BPF_REG_7,
	BPF_REG_8,
	BPF_REG_9,
	BPF_REG_10,
	__MAX_BPF_REG,
};
#define MAX_BPF_REG __MAX_BPF_REG

#define BPF_OBJ_NAME_LEN 16U

struct bpf_insn {
	__u8 code;              /* opcode */
	__u8 dst_reg : 4;       /* dest register */
	__u8 src_reg : 4;       /* source register */
	__s16 off;              /* signed offset */
	__s32 imm;              /* signed immediate constant */
};

/* BPF_LD | BPF_IMM | BPF_DW (two instructions): insn[0].src_reg says
 * what the 64-bit immediate is. */
#define BPF_PSEUDO_MAP_FD        1  /* imm: a map fd */
#define BPF_PSEUDO_MAP_IDX       5  /* imm: an index into fd_array */
#define BPF_PSEUDO_MAP_VALUE     2  /* a map fd, insn[1].imm: offset into value 0 */
#define BPF_PSEUDO_MAP_IDX_VALUE 6
#define BPF_PSEUDO_BTF_ID        3  /* a kernel variable by BTF id */
#define BPF_PSEUDO_FUNC          4  /* imm: pc-relative subprogram (callbacks) */
/* BPF_CALL: src_reg 0 = helper id in imm; these: */
#define BPF_PSEUDO_CALL       1     /* imm: pc-relative bpf-to-bpf call */
#define BPF_PSEUDO_KFUNC_CALL 2     /* imm: a kernel function's BTF id */

/* BPF_PROG_LOAD prog_flags */
#define BPF_F_STRICT_ALIGNMENT (1U << 0)
#define BPF_F_ANY_ALIGNMENT    (1U << 1)
#define BPF_F_TEST_RND_HI32    (1U << 2)
#define BPF_F_TEST_STATE_FREQ  (1U << 3)
#define BPF_F_SLEEPABLE        (1U << 4)
#define BPF_F_XDP_HAS_FRAGS    (1U << 5)
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#define BPF_F_TEST_REG_INVARIANTS (1U << 7)

/* Verifier log levels (attr.log_level) */
#define BPF_LOG_LEVEL1 1
#define BPF_LOG_LEVEL2 2
#define BPF_LOG_STATS  4
#define BPF_LOG_FIXED  8

enum bpf_cmd {
	BPF_MAP_CREATE = 0,
	BPF_MAP_LOOKUP_ELEM = 1,
	BPF_MAP_UPDATE_ELEM = 2,
	BPF_MAP_DELETE_ELEM = 3,
	BPF_MAP_GET_NEXT_KEY = 4,
	BPF_PROG_LOAD = 5,
	BPF_OBJ_PIN = 6,
	BPF_OBJ_GET = 7,
	BPF_PROG_ATTACH = 8,
	BPF_PROG_DETACH = 9,
	BPF_PROG_TEST_RUN = 10,
	BPF_PROG_GET_NEXT_ID = 11,
	BPF_MAP_GET_NEXT_ID = 12,
	BPF_PROG_GET_FD_BY_ID = 13,
	BPF_MAP_GET_FD_BY_ID = 14,
	BPF_OBJ_GET_INFO_BY_FD = 15,
	BPF_PROG_QUERY = 16,
	BPF_RAW_TRACEPOINT_OPEN = 17,
	BPF_BTF_LOAD = 18,
	BPF_BTF_GET_FD_BY_ID = 19,
	BPF_TASK_FD_QUERY = 20,
	BPF_MAP_LOOKUP_AND_DELETE_ELEM = 21,
	BPF_MAP_FREEZE = 22,
	BPF_BTF_GET_NEXT_ID = 23,
	BPF_LINK_CREATE = 28,
	BPF_LINK_UPDATE = 29,
	BPF_LINK_GET_FD_BY_ID = 30,
	BPF_LINK_GET_NEXT_ID = 31,
	BPF_ENABLE_STATS = 32,
	BPF_ITER_CREATE = 33,
	BPF_LINK_DETACH = 34,
	BPF_PROG_BIND_MAP = 35,
};

enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC = 0,
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_USER_RINGBUF = 31,
};

enum bpf_prog_type {
	BPF_PROG_TYPE_UNSPEC = 0,
	BPF_PROG_TYPE_SOCKET_FILTER = 1,
	BPF_PROG_TYPE_KPROBE = 2,
	BPF_PROG_TYPE_TRACEPOINT = 5,
	BPF_PROG_TYPE_PERF_EVENT = 7,
	BPF_PROG_TYPE_RAW_TRACEPOINT = 17,
};

/* attr.link_create.attach_type: Ringtail links programs to perf events. */
enum bpf_attach_type {
	BPF_CGROUP_INET_INGRESS = 0,
	BPF_TRACE_RAW_TP = 23,
	BPF_PERF_EVENT = 41,
};

enum bpf_link_type {
	BPF_LINK_TYPE_UNSPEC = 0,
	BPF_LINK_TYPE_RAW_TRACEPOINT = 1,
	BPF_LINK_TYPE_PERF_EVENT = 7,
};

/* bpf_link_info.perf_event.type (Linux 6.6) */
enum bpf_perf_event_type {
	BPF_PERF_EVENT_UNSPEC = 0,
	BPF_PERF_EVENT_UPROBE = 1,
	BPF_PERF_EVENT_URETPROBE = 2,
	BPF_PERF_EVENT_KPROBE = 3,
	BPF_PERF_EVENT_KRETPROBE = 4,
	BPF_PERF_EVENT_TRACEPOINT = 5,
	BPF_PERF_EVENT_EVENT = 6,
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
#define BPF_F_LOCK  4

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
		char prog_name[BPF_OBJ_NAME_LEN];
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
		__aligned_u64 fd_array;    /* map fds for BPF_PSEUDO_MAP_IDX; a built-in handler's maps */
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

	struct { /* BPF_*_GET_*_ID */
		union {
			__u32 start_id;
			__u32 prog_id;
			__u32 map_id;
			__u32 btf_id;
			__u32 link_id;
		};
		__u32 next_id;
		__u32 open_flags;
	};

	struct { /* BPF_OBJ_GET_INFO_BY_FD */
		__u32 bpf_fd;
		__u32 info_len;
		__aligned_u64 info;
	} info;

	struct { /* BPF_BTF_LOAD */
		__aligned_u64 btf;
		__aligned_u64 btf_log_buf;
		__u32 btf_size;
		__u32 btf_log_size;
		__u32 btf_log_level;
		__u32 btf_log_true_size;   /* Linux 6.4 */
		__u32 btf_flags;           /* Linux 6.9 */
		__s32 btf_token_fd;        /* Linux 6.9 */
	};

	struct { /* BPF_LINK_CREATE */
		__u32 prog_fd;
		union {
			__u32 target_fd;
			__u32 target_ifindex;
		};
		__u32 attach_type;
		__u32 flags;
		union {
			__u32 target_btf_id;
			struct {
				__u64 bpf_cookie;
			} perf_event;
			/* Linux's largest member (uprobe_multi) ends at
			 * byte 60 of attr; all of it must be zero here. */
			__u32 __rest[11];
		};
	} link_create;

	struct { /* BPF_LINK_DETACH */
		__u32 link_fd;
	} link_detach;

	struct { /* BPF_PROG_BIND_MAP */
		__u32 prog_fd;
		__u32 map_fd;
		__u32 flags;
	} prog_bind_map;
} __attribute__((aligned(8)));

#define BPF_TAG_SIZE 8

/* BPF_OBJ_GET_INFO_BY_FD of a program, as Linux fills it (array fields:
 * the count in is the room at the pointer, the count out the real one). */
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

struct bpf_btf_info {
	__aligned_u64 btf;
	__u32 btf_size;
	__u32 id;
	__aligned_u64 name;
	__u32 name_len;
	__u32 kernel_btf;
} __attribute__((aligned(8)));

struct bpf_link_info {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	union {
		struct {
			__aligned_u64 tp_name;
			__u32 tp_name_len;
		} raw_tracepoint;
		struct { /* Linux 6.6 */
			__u32 type;             /* enum bpf_perf_event_type */
			__u32 : 32;
			union {
				struct {
					__aligned_u64 tp_name;  /* in/out */
					__u32 name_len;
					__u32 : 32;
					__u64 cookie;   /* Linux 6.9 */
				} tracepoint;
				struct {
					__u64 config;
					__u32 type;
					__u32 : 32;
					__u64 cookie;
				} event;
				__u64 __pad[5];
			};
		} perf_event;
	};
} __attribute__((aligned(8)));

/* BTF line and function info records (BPF_PROG_LOAD, prog info) */
struct bpf_func_info {
	__u32 insn_off;
	__u32 type_id;
};

#define BPF_LINE_INFO_LINE_NUM(line_col) ((line_col) >> 10)
#define BPF_LINE_INFO_LINE_COL(line_col) ((line_col) & 0x3ff)

struct bpf_line_info {
	__u32 insn_off;
	__u32 file_name_off;
	__u32 line_off;
	__u32 line_col;
};

/* Opaque to programs; the kernel keeps a pointer, a size and flags. */
struct bpf_dynptr {
	__u64 : 64;
	__u64 : 64;
} __attribute__((aligned(8)));

/* bpf_map_lookup_elem() etc. key for a perf event array, and
 * bpf_perf_event_output(): see BPF_F_INDEX_MASK above. */

/* Helper function ids (BPF_CALL imm): FN(name, id). */
#define ___BPF_FUNC_MAPPER(FN, ctx...) \
	FN(unspec, 0, ##ctx)	\
	FN(map_lookup_elem, 1, ##ctx)	\
	FN(map_update_elem, 2, ##ctx)	\
	FN(map_delete_elem, 3, ##ctx)	\
	FN(probe_read, 4, ##ctx)	\
	FN(ktime_get_ns, 5, ##ctx)	\
	FN(trace_printk, 6, ##ctx)	\
	FN(get_prandom_u32, 7, ##ctx)	\
	FN(get_smp_processor_id, 8, ##ctx)	\
	FN(skb_store_bytes, 9, ##ctx)	\
	FN(l3_csum_replace, 10, ##ctx)	\
	FN(l4_csum_replace, 11, ##ctx)	\
	FN(tail_call, 12, ##ctx)	\
	FN(clone_redirect, 13, ##ctx)	\
	FN(get_current_pid_tgid, 14, ##ctx)	\
	FN(get_current_uid_gid, 15, ##ctx)	\
	FN(get_current_comm, 16, ##ctx)	\
	FN(get_cgroup_classid, 17, ##ctx)	\
	FN(skb_vlan_push, 18, ##ctx)	\
	FN(skb_vlan_pop, 19, ##ctx)	\
	FN(skb_get_tunnel_key, 20, ##ctx)	\
	FN(skb_set_tunnel_key, 21, ##ctx)	\
	FN(perf_event_read, 22, ##ctx)	\
	FN(redirect, 23, ##ctx)	\
	FN(get_route_realm, 24, ##ctx)	\
	FN(perf_event_output, 25, ##ctx)	\
	FN(skb_load_bytes, 26, ##ctx)	\
	FN(get_stackid, 27, ##ctx)	\
	FN(csum_diff, 28, ##ctx)	\
	FN(skb_get_tunnel_opt, 29, ##ctx)	\
	FN(skb_set_tunnel_opt, 30, ##ctx)	\
	FN(skb_change_proto, 31, ##ctx)	\
	FN(skb_change_type, 32, ##ctx)	\
	FN(skb_under_cgroup, 33, ##ctx)	\
	FN(get_hash_recalc, 34, ##ctx)	\
	FN(get_current_task, 35, ##ctx)	\
	FN(probe_write_user, 36, ##ctx)	\
	FN(current_task_under_cgroup, 37, ##ctx)	\
	FN(skb_change_tail, 38, ##ctx)	\
	FN(skb_pull_data, 39, ##ctx)	\
	FN(csum_update, 40, ##ctx)	\
	FN(set_hash_invalid, 41, ##ctx)	\
	FN(get_numa_node_id, 42, ##ctx)	\
	FN(skb_change_head, 43, ##ctx)	\
	FN(xdp_adjust_head, 44, ##ctx)	\
	FN(probe_read_str, 45, ##ctx)	\
	FN(get_socket_cookie, 46, ##ctx)	\
	FN(get_socket_uid, 47, ##ctx)	\
	FN(set_hash, 48, ##ctx)	\
	FN(setsockopt, 49, ##ctx)	\
	FN(skb_adjust_room, 50, ##ctx)	\
	FN(redirect_map, 51, ##ctx)	\
	FN(sk_redirect_map, 52, ##ctx)	\
	FN(sock_map_update, 53, ##ctx)	\
	FN(xdp_adjust_meta, 54, ##ctx)	\
	FN(perf_event_read_value, 55, ##ctx)	\
	FN(perf_prog_read_value, 56, ##ctx)	\
	FN(getsockopt, 57, ##ctx)	\
	FN(override_return, 58, ##ctx)	\
	FN(sock_ops_cb_flags_set, 59, ##ctx)	\
	FN(msg_redirect_map, 60, ##ctx)	\
	FN(msg_apply_bytes, 61, ##ctx)	\
	FN(msg_cork_bytes, 62, ##ctx)	\
	FN(msg_pull_data, 63, ##ctx)	\
	FN(bind, 64, ##ctx)	\
	FN(xdp_adjust_tail, 65, ##ctx)	\
	FN(skb_get_xfrm_state, 66, ##ctx)	\
	FN(get_stack, 67, ##ctx)	\
	FN(skb_load_bytes_relative, 68, ##ctx)	\
	FN(fib_lookup, 69, ##ctx)	\
	FN(sock_hash_update, 70, ##ctx)	\
	FN(msg_redirect_hash, 71, ##ctx)	\
	FN(sk_redirect_hash, 72, ##ctx)	\
	FN(lwt_push_encap, 73, ##ctx)	\
	FN(lwt_seg6_store_bytes, 74, ##ctx)	\
	FN(lwt_seg6_adjust_srh, 75, ##ctx)	\
	FN(lwt_seg6_action, 76, ##ctx)	\
	FN(rc_repeat, 77, ##ctx)	\
	FN(rc_keydown, 78, ##ctx)	\
	FN(skb_cgroup_id, 79, ##ctx)	\
	FN(get_current_cgroup_id, 80, ##ctx)	\
	FN(get_local_storage, 81, ##ctx)	\
	FN(sk_select_reuseport, 82, ##ctx)	\
	FN(skb_ancestor_cgroup_id, 83, ##ctx)	\
	FN(sk_lookup_tcp, 84, ##ctx)	\
	FN(sk_lookup_udp, 85, ##ctx)	\
	FN(sk_release, 86, ##ctx)	\
	FN(map_push_elem, 87, ##ctx)	\
	FN(map_pop_elem, 88, ##ctx)	\
	FN(map_peek_elem, 89, ##ctx)	\
	FN(msg_push_data, 90, ##ctx)	\
	FN(msg_pop_data, 91, ##ctx)	\
	FN(rc_pointer_rel, 92, ##ctx)	\
	FN(spin_lock, 93, ##ctx)	\
	FN(spin_unlock, 94, ##ctx)	\
	FN(sk_fullsock, 95, ##ctx)	\
	FN(tcp_sock, 96, ##ctx)	\
	FN(skb_ecn_set_ce, 97, ##ctx)	\
	FN(get_listener_sock, 98, ##ctx)	\
	FN(skc_lookup_tcp, 99, ##ctx)	\
	FN(tcp_check_syncookie, 100, ##ctx)	\
	FN(sysctl_get_name, 101, ##ctx)	\
	FN(sysctl_get_current_value, 102, ##ctx)	\
	FN(sysctl_get_new_value, 103, ##ctx)	\
	FN(sysctl_set_new_value, 104, ##ctx)	\
	FN(strtol, 105, ##ctx)	\
	FN(strtoul, 106, ##ctx)	\
	FN(sk_storage_get, 107, ##ctx)	\
	FN(sk_storage_delete, 108, ##ctx)	\
	FN(send_signal, 109, ##ctx)	\
	FN(tcp_gen_syncookie, 110, ##ctx)	\
	FN(skb_output, 111, ##ctx)	\
	FN(probe_read_user, 112, ##ctx)	\
	FN(probe_read_kernel, 113, ##ctx)	\
	FN(probe_read_user_str, 114, ##ctx)	\
	FN(probe_read_kernel_str, 115, ##ctx)	\
	FN(tcp_send_ack, 116, ##ctx)	\
	FN(send_signal_thread, 117, ##ctx)	\
	FN(jiffies64, 118, ##ctx)	\
	FN(read_branch_records, 119, ##ctx)	\
	FN(get_ns_current_pid_tgid, 120, ##ctx)	\
	FN(xdp_output, 121, ##ctx)	\
	FN(get_netns_cookie, 122, ##ctx)	\
	FN(get_current_ancestor_cgroup_id, 123, ##ctx)	\
	FN(sk_assign, 124, ##ctx)	\
	FN(ktime_get_boot_ns, 125, ##ctx)	\
	FN(seq_printf, 126, ##ctx)	\
	FN(seq_write, 127, ##ctx)	\
	FN(sk_cgroup_id, 128, ##ctx)	\
	FN(sk_ancestor_cgroup_id, 129, ##ctx)	\
	FN(ringbuf_output, 130, ##ctx)	\
	FN(ringbuf_reserve, 131, ##ctx)	\
	FN(ringbuf_submit, 132, ##ctx)	\
	FN(ringbuf_discard, 133, ##ctx)	\
	FN(ringbuf_query, 134, ##ctx)	\
	FN(csum_level, 135, ##ctx)	\
	FN(skc_to_tcp6_sock, 136, ##ctx)	\
	FN(skc_to_tcp_sock, 137, ##ctx)	\
	FN(skc_to_tcp_timewait_sock, 138, ##ctx)	\
	FN(skc_to_tcp_request_sock, 139, ##ctx)	\
	FN(skc_to_udp6_sock, 140, ##ctx)	\
	FN(get_task_stack, 141, ##ctx)	\
	FN(load_hdr_opt, 142, ##ctx)	\
	FN(store_hdr_opt, 143, ##ctx)	\
	FN(reserve_hdr_opt, 144, ##ctx)	\
	FN(inode_storage_get, 145, ##ctx)	\
	FN(inode_storage_delete, 146, ##ctx)	\
	FN(d_path, 147, ##ctx)	\
	FN(copy_from_user, 148, ##ctx)	\
	FN(snprintf_btf, 149, ##ctx)	\
	FN(seq_printf_btf, 150, ##ctx)	\
	FN(skb_cgroup_classid, 151, ##ctx)	\
	FN(redirect_neigh, 152, ##ctx)	\
	FN(per_cpu_ptr, 153, ##ctx)	\
	FN(this_cpu_ptr, 154, ##ctx)	\
	FN(redirect_peer, 155, ##ctx)	\
	FN(task_storage_get, 156, ##ctx)	\
	FN(task_storage_delete, 157, ##ctx)	\
	FN(get_current_task_btf, 158, ##ctx)	\
	FN(bprm_opts_set, 159, ##ctx)	\
	FN(ktime_get_coarse_ns, 160, ##ctx)	\
	FN(ima_inode_hash, 161, ##ctx)	\
	FN(sock_from_file, 162, ##ctx)	\
	FN(check_mtu, 163, ##ctx)	\
	FN(for_each_map_elem, 164, ##ctx)	\
	FN(snprintf, 165, ##ctx)	\
	FN(sys_bpf, 166, ##ctx)	\
	FN(btf_find_by_name_kind, 167, ##ctx)	\
	FN(sys_close, 168, ##ctx)	\
	FN(timer_init, 169, ##ctx)	\
	FN(timer_set_callback, 170, ##ctx)	\
	FN(timer_start, 171, ##ctx)	\
	FN(timer_cancel, 172, ##ctx)	\
	FN(get_func_ip, 173, ##ctx)	\
	FN(get_attach_cookie, 174, ##ctx)	\
	FN(task_pt_regs, 175, ##ctx)	\
	FN(get_branch_snapshot, 176, ##ctx)	\
	FN(trace_vprintk, 177, ##ctx)	\
	FN(skc_to_unix_sock, 178, ##ctx)	\
	FN(kallsyms_lookup_name, 179, ##ctx)	\
	FN(find_vma, 180, ##ctx)	\
	FN(loop, 181, ##ctx)	\
	FN(strncmp, 182, ##ctx)	\
	FN(get_func_arg, 183, ##ctx)	\
	FN(get_func_ret, 184, ##ctx)	\
	FN(get_func_arg_cnt, 185, ##ctx)	\
	FN(get_retval, 186, ##ctx)	\
	FN(set_retval, 187, ##ctx)	\
	FN(xdp_get_buff_len, 188, ##ctx)	\
	FN(xdp_load_bytes, 189, ##ctx)	\
	FN(xdp_store_bytes, 190, ##ctx)	\
	FN(copy_from_user_task, 191, ##ctx)	\
	FN(skb_set_tstamp, 192, ##ctx)	\
	FN(ima_file_hash, 193, ##ctx)	\
	FN(kptr_xchg, 194, ##ctx)	\
	FN(map_lookup_percpu_elem, 195, ##ctx)	\
	FN(skc_to_mptcp_sock, 196, ##ctx)	\
	FN(dynptr_from_mem, 197, ##ctx)	\
	FN(ringbuf_reserve_dynptr, 198, ##ctx)	\
	FN(ringbuf_submit_dynptr, 199, ##ctx)	\
	FN(ringbuf_discard_dynptr, 200, ##ctx)	\
	FN(dynptr_read, 201, ##ctx)	\
	FN(dynptr_write, 202, ##ctx)	\
	FN(dynptr_data, 203, ##ctx)	\
	FN(tcp_raw_gen_syncookie_ipv4, 204, ##ctx)	\
	FN(tcp_raw_gen_syncookie_ipv6, 205, ##ctx)	\
	FN(tcp_raw_check_syncookie_ipv4, 206, ##ctx)	\
	FN(tcp_raw_check_syncookie_ipv6, 207, ##ctx)	\
	FN(ktime_get_tai_ns, 208, ##ctx)	\
	FN(user_ringbuf_drain, 209, ##ctx)	\
	FN(cgrp_storage_get, 210, ##ctx)	\
	FN(cgrp_storage_delete, 211, ##ctx)	\
	/* */
#define __BPF_FUNC_MAPPER_APPLY(name, value, FN) FN(name),
#define __BPF_FUNC_MAPPER(FN) ___BPF_FUNC_MAPPER(__BPF_FUNC_MAPPER_APPLY, FN)

#define __BPF_ENUM_FN(x, y) BPF_FUNC_ ## x = y,
enum bpf_func_id {
	___BPF_FUNC_MAPPER(__BPF_ENUM_FN)
	__BPF_FUNC_MAX_ID,
};
#undef __BPF_ENUM_FN

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
