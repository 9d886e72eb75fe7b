/* Restartable sequences (rseq(2)), as glibc uses them at every start:
 * a thread registers a struct rseq; the kernel keeps its cpu_id fields
 * current, and when a thread is preempted, migrated or gets a signal
 * inside a registered critical section (rseq_cs), it resumes at the
 * section's abort handler, which must be preceded by the signature.
 * Registration is kept across fork (not by new threads), dropped at exec. */
#include <lib/errno.h>
#include <arch/trap.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define RSEQ_FLAG_UNREGISTER 1
#define ORIG_RSEQ_SIZE 32
#define RSEQ_ALIGN 32
#define RSEQ_CPU_ID_REGISTRATION_FAILED (-2)

/* struct rseq (uapi/linux/rseq.h): offsets of what the kernel writes. */
#define OFF_CPU_ID_START 0
#define OFF_CPU_ID 4
#define OFF_RSEQ_CS 8
#define OFF_NODE_ID 20
#define OFF_MM_CID 24
#define RSEQ_END 28             /* offsetof(struct rseq, end) */

struct krseq_cs {
	u32 version, flags;
	u64 start_ip, post_commit_offset, abort_ip;
};

/* Leave a critical section the thread was interrupted in: 0, or -1 if the
 * thread's rseq state is broken (it then gets SIGSEGV, as on Linux). */
static int fixup_cs(struct thread *t, struct trap_frame *f)
{
	u64 ucs;
	if (copy_from_user(&ucs, t->rseq + OFF_RSEQ_CS, 8))
		return -1;
	if (!ucs)
		return 0;
	struct krseq_cs cs;
	if (ucs >= TASK_SIZE || copy_from_user(&cs, ucs, sizeof(cs)) || cs.version ||
	    cs.start_ip + cs.post_commit_offset < cs.start_ip || cs.abort_ip >= TASK_SIZE ||
	    (cs.abort_ip >= cs.start_ip && cs.abort_ip < cs.start_ip + cs.post_commit_offset))
		return -1;
	if (f->rip < cs.start_ip || f->rip >= cs.start_ip + cs.post_commit_offset) {
		u64 zero = 0;           /* outside: the section is over */
		return copy_to_user(t->rseq + OFF_RSEQ_CS, &zero, 8) ? -1 : 0;
	}
	u32 sig;
	if (copy_from_user(&sig, cs.abort_ip - 4, 4) || sig != t->rseq_sig)
		return -1;
	u64 zero = 0;
	if (copy_to_user(t->rseq + OFF_RSEQ_CS, &zero, 8))
		return -1;
	f->rip = cs.abort_ip;
	return 0;
}

static int write_ids(struct thread *t, u32 cpu)
{
	u32 ids[2] = { cpu, cpu }, zero = 0;
	return copy_to_user(t->rseq + OFF_CPU_ID_START, ids, 8) ||
	       (t->rseq_len >= RSEQ_END && (copy_to_user(t->rseq + OFF_NODE_ID, &zero, 4) ||
					    copy_to_user(t->rseq + OFF_MM_CID, &cpu, 4)));
}

void rseq_handle(struct trap_frame *f)
{
	struct thread *t = current_thread();
	t->rseq_pending = false;
	if (!t->rseq)
		return;
	if (fixup_cs(t, f) || write_ids(t, this_cpu_id())) {
		t->rseq = 0;            /* no more updates into broken memory */
		signal_send_thread(t, SIGSEGV, SI_KERNEL, 0);
	}
}

SYSCALL_DEFINE(rseq)
{
	u64 urseq = a0;
	u32 len = (u32)a1, sig = (u32)a3;
	int flags = (int)a2;
	struct thread *t = current_thread();
	if (flags & RSEQ_FLAG_UNREGISTER) {
		if (flags & ~RSEQ_FLAG_UNREGISTER)
			return -EINVAL;
		if (!t->rseq || t->rseq != urseq || t->rseq_len != len)
			return -EINVAL;
		if (t->rseq_sig != sig)
			return -EPERM;
		u32 failed = (u32)RSEQ_CPU_ID_REGISTRATION_FAILED, zero = 0;
		if (copy_to_user(urseq + OFF_CPU_ID, &failed, 4) ||
		    copy_to_user(urseq + OFF_CPU_ID_START, &zero, 4))
			return -EFAULT;
		t->rseq = 0;
		return 0;
	}
	if (flags)
		return -EINVAL;
	if (t->rseq) {
		/* Registered already: the same again is EBUSY, else EINVAL. */
		if (t->rseq != urseq || t->rseq_len != len)
			return -EINVAL;
		return t->rseq_sig != sig ? -EPERM : -EBUSY;
	}
	if (len < ORIG_RSEQ_SIZE || (len == ORIG_RSEQ_SIZE && (urseq & (ORIG_RSEQ_SIZE - 1))) ||
	    (len != ORIG_RSEQ_SIZE && ((urseq & (RSEQ_ALIGN - 1)) || len < RSEQ_END)))
		return -EINVAL;
	if (!user_range_ok(urseq, len))
		return -EFAULT;
	t->rseq = urseq;
	t->rseq_len = len;
	t->rseq_sig = sig;
	t->rseq_pending = true;         /* cpu_id is written before user code runs again */
	return 0;
}
