/* bpf(2) objects inside the kernel: maps (ring buffers, user ring buffers,
 * perf event arrays) and programs: BPF bytecode, verified (verifier.c)
 * and run by the interpreter (interp.c), or one of Ringtail's built-in C
 * handlers, selected by name when no instructions are given (a fast path
 * with the same maps and records, kept for benchmarks and old callers).
 *
 *   map.c      map objects, ring memory (data pages mapped twice), the map
 *              fd's mmap and poll, perf event arrays
 *   prog.c     the handler table, program objects, tracepoint glue
 *   vmload.c   BPF_PROG_LOAD of bytecode: the verifier and its log
 *   helpers.c  the helper functions bytecode calls, and its runs
 *   syscall.c  bpf(2): attr checks and the commands
 *
 * Lifetime: a map is freed when its last fd, program and user mapping are
 * gone; a program when its fd and every attachment are gone. Handlers run
 * from tracepoint hits while holding neither, so detaching waits for
 * handlers in flight (kernel/events/bpf_attach.c). */
#pragma once
#include <lib/types.h>
#include <kernel/irq_work.h>
#include <kernel/perf.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <linux/bpf.h>
#include "ringbuf.h"
#include "vm.h"

struct file;
struct perf_event;
struct trap_frame;

#define BPF_PROG_MAX_MAPS 4

struct bpf_map {
	u32 type, key_size, value_size, max_entries, flags, id;
	char name[BPF_OBJ_NAME_LEN];
	int refs;
	/* Ring buffers. */
	struct bpf_ringbuf *rb;         /* the area, mapped twice */
	paddr_t *frames;                /* area pages: 0-2, data, data again */
	size_t nr_area_pages;
	unsigned long *bitmap;
	struct irq_work wake_work;      /* NMI-safe wakeup, see map.c */
	struct waitq wait;
	struct list_node ring_node;     /* in map.c's bpf_ring_all (debuggers) */
	/* Perf event arrays: one perf event file per CPU (NULL: empty). */
	struct file **events;
	struct bpf_vmap vm;             /* what programs see (vm.owner == this) */
	/* Arrays: frames holds the values' nr_area_pages pages. */
	spinlock_t freeze_lock;         /* BPF_MAP_FREEZE against writable mmaps */
	int writable_maps;              /* writable user mappings of the values */
};

/* Context a handler gets from a tracepoint hit. */
struct bpf_tp_ctx {
	u64 id;                         /* the tracepoint (<ringtail/tracepoints.h>) */
	s64 nr;                         /* the syscall number */
	const u64 *args;                /* sys_enter: its six arguments */
	s64 ret;                        /* sys_exit: its return value */
	const struct trap_frame *regs;  /* the task's user registers */
	const u8 *raw;                  /* the record as Linux lays it out */
	u32 raw_size;
};

struct bpf_prog;
struct bpf_handler {
	const char *name;
	unsigned int nr_maps;
	u32 map_types[BPF_PROG_MAX_MAPS];
	/* 0: the hit's perf samples are suppressed (Linux: the program
	 * returned 0); anything else lets them through. */
	int (*run)(struct bpf_prog *p, const struct bpf_tp_ctx *c);
};

struct bpf_prog {
	const struct bpf_handler *h;    /* a built-in handler, or NULL: bytecode */
	u32 type;                       /* BPF_PROG_TYPE_* */
	struct bpf_vm_prog vm;          /* bytecode: verified, rewritten */
	struct bpf_map **used_maps;     /* bytecode: the maps it names */
	u32 nr_used_maps;
	u32 verified_insns;
	struct bpf_btf_obj *btf;        /* prog_btf_fd's, when func/line info came */
	struct bpf_map *maps[BPF_PROG_MAX_MAPS];
	int refs;
	u32 id;
	char name[BPF_OBJ_NAME_LEN];
	bool gpl;                       /* license string, for the info */
	u64 load_time;                  /* ns since boot */
	u64 run_cnt;                    /* hits handled */
};

/* map.c */
/* A map as BPF_MAP_CREATE makes it, without an fd (kernel users, tests):
 * NULL with *err = -errno on failure. Release with bpf_map_put. */
struct bpf_map *bpf_map_alloc(const union bpf_attr *attr, const char name[BPF_OBJ_NAME_LEN],
			      long *err);
long bpf_map_create(const union bpf_attr *attr, const char name[BPF_OBJ_NAME_LEN]);
struct bpf_map *bpf_map_from_fd(int fd);         /* with a reference, or NULL */
void bpf_map_get(struct bpf_map *m);
void bpf_map_put(struct bpf_map *m);
bool bpf_file_is_map(struct file *f);
long bpf_map_update(struct bpf_map *m, u64 ukey, u64 uvalue, u64 flags);
long bpf_map_delete(struct bpf_map *m, u64 ukey);
/* The perf event of map slot cpu, with a reference; NULL if empty. */
struct file *bpf_map_perf_event(struct bpf_map *m, u32 cpu);

/* prog.c */
const struct bpf_handler *bpf_handler_find(const char *name);
long bpf_prog_install(struct bpf_prog *p);        /* an fd for it */
struct bpf_prog *bpf_prog_from_fd(int fd);        /* with a reference, or NULL */
struct bpf_prog *bpf_prog_from_file(struct file *f);  /* no reference; NULL if not one */
void bpf_prog_get(struct bpf_prog *p);
void bpf_prog_put(struct bpf_prog *p);
int bpf_prog_run(struct bpf_prog *p, const struct bpf_tp_ctx *c);
u32 bpf_next_id(void);

/* vmload.c: BPF_PROG_LOAD with instructions (attr checked by the caller
 * up to the name and license): an fd, or -errno with the log written. */
long bpf_prog_load_vm(const union bpf_attr *attr, u64 uattr, u32 attr_size,
		      const char name[BPF_OBJ_NAME_LEN], bool gpl);
void bpf_prog_free_vm(struct bpf_prog *p);

/* arraymap.c: BPF_MAP_TYPE_ARRAY */
struct mm;
long bpf_array_check(const union bpf_attr *attr);
long bpf_array_alloc(struct bpf_map *m);
void bpf_array_free(struct bpf_map *m);
long bpf_array_lookup(struct bpf_map *m, u64 ukey, u64 uvalue);
long bpf_array_update(struct bpf_map *m, u64 ukey, u64 uvalue, u64 flags);
long bpf_array_next_key(struct bpf_map *m, u64 ukey, u64 unext);
long bpf_array_mmap(struct bpf_map *m, struct file *f, struct mm *mm, u64 addr, u64 len,
		    unsigned prot, u64 flags, bool fixed, u64 off);
long bpf_map_freeze(struct bpf_map *m);

/* hashmap.c: BPF_MAP_TYPE_HASH (keys and values in kernel memory, except
 * bpf_hash_syscall's, which are user addresses) */
long bpf_hash_check(const union bpf_attr *attr);
long bpf_hash_alloc(struct bpf_map *m);
void bpf_hash_free(struct bpf_map *m);
void *bpf_hash_lookup(struct bpf_map *m, const void *key);
long bpf_hash_update(struct bpf_map *m, const void *key, const void *value, u64 flags);
long bpf_hash_delete(struct bpf_map *m, const void *key);
long bpf_hash_next_key(struct bpf_map *m, const void *key, void *next);
long bpf_hash_syscall(struct bpf_map *m, int cmd, u64 ukey, u64 uvalue, u64 flags);

/* link.c: BPF_LINK_CREATE (an fd, or -errno), links' info, fd type */
long bpf_link_create(const union bpf_attr *attr);
long bpf_link_info(struct file *f, u64 uinfo, u32 len, u32 *out_len);
bool bpf_file_is_link(struct file *f);

/* btf_obj.c: BPF_BTF_LOAD, BTF objects and their info */
struct bpf_btf_obj;
struct bpf_btf;
long bpf_btf_load(const union bpf_attr *attr);
struct bpf_btf_obj *bpf_btf_obj_get(int fd, long *err);  /* with a reference */
void bpf_btf_obj_put(struct bpf_btf_obj *o);
const struct bpf_btf *bpf_btf_obj_btf(const struct bpf_btf_obj *o);
u32 bpf_btf_obj_id(const struct bpf_btf_obj *o);
bool bpf_file_is_btf(struct file *f);
long bpf_btf_info(struct file *f, u64 uinfo, u32 len, u32 *out_len);

/* helpers.c */
extern const bpf_helper_fn bpf_kernel_helpers[__BPF_FUNC_MAX_ID];
/* Run bytecode p on tracepoint hit c (preemption off): its r0. */
u64 bpf_prog_run_vm(struct bpf_prog *p, const struct bpf_tp_ctx *c);

/* kernel/events/bpf_attach.c: a BPF_F_CURRENT_CPU raw sample into the
 * perf event (a PERF_COUNT_SW_BPF_OUTPUT event active on this CPU). */
long perf_bpf_output(struct perf_event *e, const struct trap_frame *regs, const void *data,
		     u32 size);
/* Can e go in a perf event array? 0, or -EOPNOTSUPP (inherited events). */
long perf_bpf_array_check(struct perf_event *e);
