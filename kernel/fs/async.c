/* Signal-driven I/O (O_ASYNC, F_SETOWN, F_SETOWN_EX, F_SETSIG): an object
 * that can become readable or writable (a pipe, the terminal, a perf
 * event) keeps a list of its open files; when its state changes it
 * signals the owner (a thread, a process or a process group) of every
 * file on the list that has O_ASYNC set, as Linux's kill_fasync. */
#include <lib/errno.h>
#include <kernel/file.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/thread.h>

void async_files_init(struct async_files *a, const char *name)
{
	spin_lock_init(&a->lock, name);
	list_init(&a->files);
}

void async_files_add(struct async_files *a, struct file *f)
{
	irqflags_t fl = spin_lock_irqsave(&a->lock);
	list_add_tail(&a->files, &f->async_node);
	spin_unlock_irqrestore(&a->lock, fl);
}

void async_files_del(struct async_files *a, struct file *f)
{
	irqflags_t fl = spin_lock_irqsave(&a->lock);
	list_del(&f->async_node);
	spin_unlock_irqrestore(&a->lock, fl);
}

#define MAX_TARGETS 8
#define POLLRDBAND 0x080
#define POLLWRBAND 0x200
#define POLLMSG    0x400

/* si_band for each si_code, as Linux's band_table. */
static long band_of(int code)
{
	switch (code) {
	case POLL_IN:
	case POLL_MSG:
		return POLLIN | POLLRDNORM | POLLMSG;
	case POLL_OUT:
		return POLLOUT | POLLWRNORM | POLLWRBAND;
	case POLL_ERR:
		return POLLERR;
	case POLL_PRI:
		return POLLPRI | POLLRDBAND;
	default:
		return POLLHUP | POLLERR;
	}
}

/* Signal one owner; it may have gone since (then nobody, as Linux). */
static void signal_owner(int type, int id, int sig, const struct kinfo *ki)
{
	if (type == F_OWNER_TID) {
		struct thread *t = thread_find(id);
		if (t) {
			signal_send_thread_info(t, sig, ki);
			thread_put(t);
		}
	} else if (type == F_OWNER_PID) {
		struct process *p = proc_find(id);
		if (p) {
			signal_send_process_info(p, sig, ki);
			proc_put(p);
		}
	} else {
		signal_send_pgrp(id, sig);
	}
}

void async_files_notify(struct async_files *a, int band_code, bool readers)
{
	struct { u64 owner; int sig, fd; } t[MAX_TARGETS];
	/* Signals are sent outside the lock, a batch at a time; a file
	 * added or removed meanwhile may be signalled or not, as if it came
	 * a moment later or earlier. */
	for (int done = 0, n = MAX_TARGETS; n == MAX_TARGETS; done += n) {
		n = 0;
		int idx = 0;
		irqflags_t fl = spin_lock_irqsave(&a->lock);
		struct list_node *pos;
		list_for_each(pos, &a->files) {
			struct file *f = list_entry(pos, struct file, async_node);
			u32 acc = READ_ONCE(f->flags) & O_ACCMODE;
			bool side = band_code == POLL_HUP ||
				(readers ? acc != O_WRONLY : acc != O_RDONLY);
			u64 owner = READ_ONCE(f->owner);
			if (!(READ_ONCE(f->flags) & O_ASYNC) || !(u32)owner || !side)
				continue;
			if (idx++ < done)
				continue;       /* signalled in an earlier batch */
			t[n].owner = owner;
			t[n].sig = READ_ONCE(f->sig);
			t[n].fd = READ_ONCE(f->async_fd);
			if (++n == MAX_TARGETS)
				break;
		}
		spin_unlock_irqrestore(&a->lock, fl);
		for (int k = 0; k < n; k++) {
			/* F_SETSIG's signal carries the band (si_code POLL_*);
			 * plain SIGIO is sent as a kernel signal. */
			struct kinfo ki = { .code = t[k].sig ? band_code : SI_KERNEL,
					    .band = band_of(band_code), .fd = t[k].fd };
			signal_owner((int)(t[k].owner >> 32), (int)(u32)t[k].owner,
				     t[k].sig ? t[k].sig : SIGIO, &ki);
		}
	}
}

/* Whether any thread, process, process group or session has this id
 * (Linux's find_vpid succeeding). */
static bool id_exists(int id)
{
	if (proc_id_in_use(id))
		return true;
	struct thread *t = thread_find(id);
	if (t)
		thread_put(t);
	return t != NULL;
}

long file_set_owner(struct file *f, int type, int id)
{
	if (type != F_OWNER_TID && type != F_OWNER_PID && type != F_OWNER_PGRP)
		return -EINVAL;
	if (id && (id < 0 || !id_exists(id)))
		return -ESRCH;
	WRITE_ONCE(f->owner, (u64)type << 32 | (u32)id);
	return 0;
}

int file_get_owner(const struct file *f, int *id)
{
	u64 owner = READ_ONCE(f->owner);
	*id = (int)(u32)owner;
	return (int)(owner >> 32);
}
