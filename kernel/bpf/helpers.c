/* The helper functions BPF bytecode calls (indexed by Linux's helper id,
 * argument and return conventions as Linux's), and a run of a program on
 * a tracepoint hit. The verifier has checked every argument's type and
 * size against the prototypes in vhelper.c, so pointers here are valid
 * for the sizes given; only the addresses the probe_read helpers read
 * can be bad, and those are read through the page tables, never faulting.
 * Helpers run with preemption off, in the task that hit the tracepoint. */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/usermem.h>
#include <kernel/arch/uaccess.h>
#include "bpf.h"

#define PTR(x) ((void *)(uintptr_t)(x))

static struct bpf_map *map_of(u64 r)
{
	return ((struct bpf_vmap *)PTR(r))->owner;
}

static u64 h_ringbuf_reserve(struct bpf_run *run, u64 map, u64 size, u64 flags, u64 a4, u64 a5)
{
	return (u64)(uintptr_t)bpf_ringbuf_reserve(map_of(map)->rb, size, flags);
}

static u64 h_ringbuf_submit(struct bpf_run *run, u64 rec, u64 flags, u64 a3, u64 a4, u64 a5)
{
	bpf_ringbuf_submit(PTR(rec), flags);
	return 0;
}

static u64 h_ringbuf_discard(struct bpf_run *run, u64 rec, u64 flags, u64 a3, u64 a4, u64 a5)
{
	bpf_ringbuf_discard(PTR(rec), flags);
	return 0;
}

static u64 h_ringbuf_output(struct bpf_run *run, u64 map, u64 data, u64 size, u64 flags, u64 a5)
{
	return (u64)bpf_ringbuf_output(map_of(map)->rb, PTR(data), size, flags);
}

static u64 h_ringbuf_query(struct bpf_run *run, u64 map, u64 flags, u64 a3, u64 a4, u64 a5)
{
	return bpf_ringbuf_query(map_of(map)->rb, flags);
}

/* Array and hash maps: the verifier checked that key and value point at
 * key_size / value_size readable bytes. */
static u64 h_map_lookup_elem(struct bpf_run *run, u64 map, u64 key, u64 a3, u64 a4, u64 a5)
{
	const struct bpf_vmap *m = PTR(map);
	if (m->type == BPF_MAP_TYPE_HASH)
		return (u64)(uintptr_t)bpf_hash_lookup(m->owner, PTR(key));
	u32 idx = *(const u32 *)PTR(key);
	return idx < m->max_entries ? (u64)(uintptr_t)(m->values + (size_t)idx * m->elem_size) : 0;
}

static u64 h_map_update_elem(struct bpf_run *run, u64 map, u64 key, u64 value, u64 flags,
			     u64 a5)
{
	const struct bpf_vmap *m = PTR(map);
	if (m->type == BPF_MAP_TYPE_HASH)
		return (u64)bpf_hash_update(m->owner, PTR(key), PTR(value), flags);
	u32 idx = *(const u32 *)PTR(key);
	if (flags > BPF_EXIST)
		return (u64)-EINVAL;
	if (idx >= m->max_entries)
		return (u64)-E2BIG;
	if (flags == BPF_NOEXIST)
		return (u64)-EEXIST;
	memcpy(m->values + (size_t)idx * m->elem_size, PTR(value), m->value_size);
	return 0;
}

static u64 h_map_delete_elem(struct bpf_run *run, u64 map, u64 key, u64 a3, u64 a4, u64 a5)
{
	const struct bpf_vmap *m = PTR(map);
	if (m->type == BPF_MAP_TYPE_HASH)
		return (u64)bpf_hash_delete(m->owner, PTR(key));
	return (u64)-EINVAL;            /* array elements cannot be deleted */
}

/* bpf_user_ringbuf_drain: each sample reaches the callback as a dynptr
 * (opaque to the program: only bpf_dynptr_read/data look inside). */
struct dynptr {
	const u8 *data;
	u32 size;
};

struct drain_arg {
	struct bpf_run *run;
	u32 subprog;
	u64 ctx;
};

static int drain_one(const void *data, u32 size, void *arg)
{
	struct drain_arg *d = arg;
	struct dynptr dp = { data, size };
	return bpf_vm_callback(d->run, d->subprog, (u64)(uintptr_t)&dp, d->ctx, 0, 0, 0) != 0;
}

static u64 h_user_ringbuf_drain(struct bpf_run *run, u64 map, u64 fn, u64 ctx, u64 flags,
				u64 a5)
{
	struct drain_arg d = { run, (u32)fn, ctx };
	return (u64)bpf_user_ringbuf_drain(map_of(map)->rb, drain_one, &d, flags);
}

static u64 h_dynptr_read(struct bpf_run *run, u64 dst, u64 len, u64 src, u64 off, u64 flags)
{
	const struct dynptr *dp = PTR(src);
	if (flags)
		return (u64)-EINVAL;
	if (off > dp->size || len > dp->size - off)
		return (u64)-E2BIG;
	/* user space can still write the sample: one copy, never re-read */
	memcpy(PTR(dst), dp->data + off, len);
	return 0;
}

static u64 h_dynptr_data(struct bpf_run *run, u64 ptr, u64 off, u64 len, u64 a4, u64 a5)
{
	const struct dynptr *dp = PTR(ptr);
	if (off > dp->size || len > dp->size - off)
		return 0;
	return (u64)(uintptr_t)(dp->data + off);
}

static u64 h_loop(struct bpf_run *run, u64 n, u64 fn, u64 ctx, u64 flags, u64 a5)
{
	if (flags)
		return (u64)-EINVAL;
	if (n > BPF_LOOP_MAX)
		return (u64)-E2BIG;
	u64 i = 0;
	while (i < n && !run->aborted) {
		u64 stop = bpf_vm_callback(run, (u32)fn, i, ctx, 0, 0, 0);
		i++;
		if (stop)
			break;
	}
	return i;
}

static u64 h_get_current_pid_tgid(struct bpf_run *run, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	return (u64)(u32)current_proc()->pid << 32 | (u32)current_thread()->tid;
}

static u64 h_get_current_uid_gid(struct bpf_run *run, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	const struct process *p = current_proc();
	return (u64)p->cred.gid << 32 | p->cred.uid;
}

static u64 h_get_current_comm(struct bpf_run *run, u64 buf, u64 size, u64 a3, u64 a4, u64 a5)
{
	const char *comm = current_thread()->comm;
	char *dst = PTR(buf);
	u64 i = 0;
	for (; i + 1 < size && comm[i]; i++)
		dst[i] = comm[i];
	memset(dst + i, 0, size - i);
	return 0;
}

static u64 h_ktime_get_ns(struct bpf_run *run, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	return clock_ns();
}

static u64 h_smp_processor_id(struct bpf_run *run, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	return this_cpu_id();
}

static u64 h_prandom_u32(struct bpf_run *run, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	static u64 state = 0x9e3779b97f4a7c15ull;
	u64 x = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED) ^ clock_ns();
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	return (u32)(x ^ (x >> 29));
}

/* The probe_read helpers' two kinds of memory, neither of which faults:
 * user memory (copy_from_user_nofault) and kernel memory through the page
 * tables (arch_kernel_read_nofault). true when all n bytes were read. */
static bool read_user(u64 src, void *dst, size_t n) { return !copy_from_user_nofault(dst, src, n); }
static bool read_kernel(u64 src, void *dst, size_t n) { return arch_kernel_read_nofault(src, dst, n); }
typedef bool (*probe_reader)(u64 src, void *dst, size_t n);

/* Linux: on a bad address -EFAULT and the buffer zeroed. */
static u64 probe_read(probe_reader rd, u64 dst, u64 size, u64 src)
{
	if (!rd(src, PTR(dst), size)) {
		memset(PTR(dst), 0, size);
		return (u64)-EFAULT;
	}
	return 0;
}

/* Linux: bytes copied including the NUL, the string cut to fit; on a bad
 * address -EFAULT and the buffer zeroed. */
static u64 probe_read_str(probe_reader rd, u64 dst, u64 size, u64 src)
{
	char *d = PTR(dst);
	for (u64 i = 0; i < size; i++) {
		char c;
		if (!rd(src + i, &c, 1)) {
			memset(d, 0, size);
			return (u64)-EFAULT;
		}
		d[i] = i + 1 == size ? 0 : c;
		if (!d[i])
			return i + 1;
	}
	return size;
}

static u64 h_probe_read_user(struct bpf_run *run, u64 dst, u64 size, u64 src, u64 a4, u64 a5)
{
	return probe_read(read_user, dst, size, src);
}

static u64 h_probe_read_user_str(struct bpf_run *run, u64 dst, u64 size, u64 src, u64 a4,
				 u64 a5)
{
	return probe_read_str(read_user, dst, size, src);
}

static u64 h_probe_read_kernel(struct bpf_run *run, u64 dst, u64 size, u64 src, u64 a4, u64 a5)
{
	return probe_read(read_kernel, dst, size, src);
}

static u64 h_probe_read_kernel_str(struct bpf_run *run, u64 dst, u64 size, u64 src, u64 a4,
				   u64 a5)
{
	return probe_read_str(read_kernel, dst, size, src);
}

/* bpf_probe_read / _str (45, 4): user or kernel by address, as Linux on
 * x86 (user addresses are the low half). */
static u64 h_probe_read(struct bpf_run *run, u64 dst, u64 size, u64 src, u64 a4, u64 a5)
{
	return (s64)src >= 0 ? h_probe_read_user(run, dst, size, src, 0, 0)
			     : h_probe_read_kernel(run, dst, size, src, 0, 0);
}

static u64 h_probe_read_str(struct bpf_run *run, u64 dst, u64 size, u64 src, u64 a4, u64 a5)
{
	return (s64)src >= 0 ? h_probe_read_user_str(run, dst, size, src, 0, 0)
			     : h_probe_read_kernel_str(run, dst, size, src, 0, 0);
}

static u64 h_perf_event_output(struct bpf_run *run, u64 ctx, u64 map, u64 flags, u64 data,
			       u64 size)
{
	const struct bpf_tp_ctx *c = run->env;
	struct bpf_map *m = map_of(map);
	u64 idx = flags & BPF_F_INDEX_MASK;
	if (flags & ~BPF_F_INDEX_MASK)
		return (u64)-EINVAL;
	if (idx == BPF_F_CURRENT_CPU)
		idx = this_cpu_id();
	if (idx >= m->max_entries)
		return (u64)-E2BIG;
	struct file *f = bpf_map_perf_event(m, (u32)idx);
	if (!f)
		return (u64)-ENOENT;
	long rc = perf_bpf_output(perf_event_from_file(f), c->regs, PTR(data), (u32)size);
	file_put(f);
	return (u64)rc;
}

/* bpf_trace_printk: up to three integer arguments, %d %i %u %x %c and
 * their l/ll forms; anything else (%s, %p: pointers) is refused with
 * -EINVAL before anything is printed. */
static u64 h_trace_printk(struct bpf_run *run, u64 ufmt, u64 size, u64 a1, u64 a2, u64 a3)
{
	const char *fmt = PTR(ufmt);
	char out[256];
	u64 args[3] = { a1, a2, a3 };
	u32 o = 0, n = 0;
	if (!size || fmt[size - 1])
		return (u64)-EINVAL;
	for (u64 i = 0; fmt[i] && o + 24 < sizeof(out); i++) {
		if (fmt[i] != '%') {
			out[o++] = fmt[i];
			continue;
		}
		i++;
		int longs = 0;
		while (fmt[i] == 'l' && longs < 2) {
			longs++;
			i++;
		}
		char c = fmt[i];
		if (c == '%') {
			out[o++] = '%';
			continue;
		}
		if (n >= 3 || (c != 'd' && c != 'i' && c != 'u' && c != 'x' && c != 'c'))
			return (u64)-EINVAL;
		u64 v = args[n++];
		if (!longs && c != 'c')
			v = c == 'd' || c == 'i' ? (u64)(s64)(s32)v : (u32)v;
		if (c == 'c')
			out[o++] = (char)v;
		else
			o += (u32)fmt_snprintf(out + o, sizeof(out) - o,
					       c == 'x' ? "%llx" : c == 'u' ? "%llu" : "%lld", v);
	}
	out[o] = 0;
	printk("%s-%d [%03u] bpf_trace_printk: %s", current_thread()->comm,
	       current_thread()->tid, this_cpu_id(), out);
	return o;
}

const bpf_helper_fn bpf_kernel_helpers[__BPF_FUNC_MAX_ID] = {
	[BPF_FUNC_map_lookup_elem] = h_map_lookup_elem,
	[BPF_FUNC_map_update_elem] = h_map_update_elem,
	[BPF_FUNC_map_delete_elem] = h_map_delete_elem,
	[BPF_FUNC_ringbuf_reserve] = h_ringbuf_reserve,
	[BPF_FUNC_ringbuf_submit] = h_ringbuf_submit,
	[BPF_FUNC_ringbuf_discard] = h_ringbuf_discard,
	[BPF_FUNC_ringbuf_output] = h_ringbuf_output,
	[BPF_FUNC_ringbuf_query] = h_ringbuf_query,
	[BPF_FUNC_user_ringbuf_drain] = h_user_ringbuf_drain,
	[BPF_FUNC_dynptr_read] = h_dynptr_read,
	[BPF_FUNC_dynptr_data] = h_dynptr_data,
	[BPF_FUNC_loop] = h_loop,
	[BPF_FUNC_get_current_pid_tgid] = h_get_current_pid_tgid,
	[BPF_FUNC_get_current_uid_gid] = h_get_current_uid_gid,
	[BPF_FUNC_get_current_comm] = h_get_current_comm,
	[BPF_FUNC_ktime_get_ns] = h_ktime_get_ns,
	[BPF_FUNC_ktime_get_boot_ns] = h_ktime_get_ns,
	[BPF_FUNC_ktime_get_coarse_ns] = h_ktime_get_ns,
	[BPF_FUNC_get_smp_processor_id] = h_smp_processor_id,
	[BPF_FUNC_get_prandom_u32] = h_prandom_u32,
	[BPF_FUNC_probe_read_user] = h_probe_read_user,
	[BPF_FUNC_probe_read_user_str] = h_probe_read_user_str,
	[BPF_FUNC_probe_read_kernel] = h_probe_read_kernel,
	[BPF_FUNC_probe_read_kernel_str] = h_probe_read_kernel_str,
	[BPF_FUNC_probe_read] = h_probe_read,
	[BPF_FUNC_probe_read_str] = h_probe_read_str,
	[BPF_FUNC_perf_event_output] = h_perf_event_output,
	[BPF_FUNC_trace_printk] = h_trace_printk,
};

/* The context: Linux's tracepoint record, in a per-CPU buffer as large as
 * the verifier lets a program read (bytes past the record stay zero). */
static u8 tp_ctx_buf[MAX_CPUS][BPF_MAX_TRACE_SIZE] __aligned(64);

u64 bpf_prog_run_vm(struct bpf_prog *p, const struct bpf_tp_ctx *c)
{
	u8 *ctx = tp_ctx_buf[this_cpu_id()];
	u32 n = c->raw && c->raw_size <= 128 ? c->raw_size : 0;
	memcpy(ctx, c->raw, n);
	memset(ctx + n, 0, 128 - n);
	if (n >= 2)
		*(u16 *)ctx = (u16)c->id;       /* common_type: this tracepoint's id */
	struct bpf_run run;
	return bpf_vm_run(&p->vm, &run, ctx, (void *)c);
}
