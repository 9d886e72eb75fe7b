/* Signal-driven I/O (O_ASYNC, F_SETOWN, F_SETSIG): an object that can
 * become readable or writable (a pipe, the terminal) keeps a list of its
 * open files; when its state changes it signals the owner of every file on
 * the list that has O_ASYNC set, as Linux's kill_fasync. */
#include <lib/errno.h>
#include <kernel/file.h>
#include <kernel/proc.h>
#include <kernel/signal.h>

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

void async_files_notify(struct async_files *a, int band_code, bool readers)
{
	struct { int owner, sig, code, fd; } t[MAX_TARGETS];
	int n = 0;
	irqflags_t fl = spin_lock_irqsave(&a->lock);
	struct list_node *pos;
	list_for_each(pos, &a->files) {
		struct file *f = list_entry(pos, struct file, async_node);
		u32 acc = READ_ONCE(f->flags) & O_ACCMODE;
		bool side = band_code == POLL_HUP || (readers ? acc != O_WRONLY : acc != O_RDONLY);
		int owner = READ_ONCE(f->owner);
		if (!(READ_ONCE(f->flags) & O_ASYNC) || !owner || !side || n == MAX_TARGETS)
			continue;
		t[n].owner = owner;
		t[n].sig = READ_ONCE(f->sig);
		t[n].code = band_code;
		t[n].fd = READ_ONCE(f->async_fd);
		n++;
	}
	spin_unlock_irqrestore(&a->lock, fl);
	for (int k = 0; k < n; k++) {
		/* F_SETSIG's signal carries the band (si_code POLL_*); plain
		 * SIGIO is sent as a kernel signal. */
		struct kinfo ki = { .code = t[k].sig ? t[k].code : SI_KERNEL,
				    .band = band_of(t[k].code), .fd = t[k].fd };
		int sig = t[k].sig ? t[k].sig : SIGIO;
		if (t[k].owner > 0) {
			struct process *p = proc_find(t[k].owner);
			if (p) {
				signal_send_process_info(p, sig, &ki);
				proc_put(p);
			}
		} else {
			signal_send_pgrp(-t[k].owner, sig);
		}
	}
}

long file_set_owner(struct file *f, int owner)
{
	if (owner > 0) {
		struct process *p = proc_find(owner);
		if (!p)
			return -ESRCH;
		proc_put(p);
	} else if (owner < 0 && !proc_id_in_use(-owner)) {
		return -ESRCH;
	}
	WRITE_ONCE(f->owner, owner);
	return 0;
}
