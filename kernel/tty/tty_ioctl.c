/* The console terminal's ioctls: termios (TCGETS/TCSETS*), window size,
 * job control (foreground group, session, controlling terminal) and the
 * queue ioctls. Apart from tty.c, which keeps the line discipline they
 * act on (tty_internal.h), to keep each file to one job. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/tty.h>
#include <kernel/usermem.h>
#include "tty_internal.h"

#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TCSBRK     0x5409
#define TCXONC     0x540A
#define TCFLSH     0x540B
#define TIOCSCTTY  0x540E
#define TIOCGPGRP  0x540F
#define TIOCSPGRP  0x5410
#define TIOCOUTQ   0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541B
#define TIOCNOTTY  0x5422
#define TCSBRKP    0x5425
#define TIOCGSID   0x5429

struct pgrp_probe {
	int pgid, sid;
	bool found;
};

static int find_pgrp(struct process *p, void *arg)
{
	struct pgrp_probe *g = arg;
	if (p->pgid == g->pgid && p->sid == g->sid && p->state == PROC_ALIVE)
		g->found = true;
	return 0;
}

long tty_ioctl(struct file *f, unsigned int cmd, u64 arg)
{
	struct tty *t = &tty_con;
	struct process *p = current_proc();
	bool mine = p && t->session && p->sid == t->session;
	long rc = 0;
	switch (cmd) {
	case TCGETS:
		mutex_lock(&t->lock);
		rc = copy_to_user(arg, &t->t, sizeof(t->t)) ? -EFAULT : 0;
		mutex_unlock(&t->lock);
		return rc;
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct ktermios nt;
		if (copy_from_user(&nt, arg, sizeof(nt)))
			return -EFAULT;
		mutex_lock(&t->lock);
		if (cmd == TCSETSF)
			tty_flush_input(t);
		/* Leaving canonical mode: the line being edited is input. */
		if ((t->t.lflag & ICANON) && !(nt.lflag & ICANON) && t->llen) {
			tty_push_cooked(t, t->line, t->llen);
			t->llen = 0;
		}
		t->t = nt;
		mutex_unlock(&t->lock);
		waitq_wake_all(&t->read_wait);
		return 0;
	}
	case TIOCGWINSZ:
		return copy_to_user(arg, t->ws, sizeof(t->ws)) ? -EFAULT : 0;
	case TIOCSWINSZ: {
		u16 ws[4];
		if (copy_from_user(ws, arg, sizeof(ws)))
			return -EFAULT;
		bool changed = memcmp(ws, t->ws, sizeof(ws)) != 0;
		memcpy(t->ws, ws, sizeof(ws));
		if (changed && t->pgrp > 0)
			signal_send_pgrp(t->pgrp, SIGWINCH);
		return 0;
	}
	case TIOCGPGRP:
		if (!mine)
			return -ENOTTY;
		return copy_to_user(arg, &t->pgrp, sizeof(int)) ? -EFAULT : 0;
	case TIOCSPGRP: {
		int pg;
		if (!mine)
			return -ENOTTY;
		if (copy_from_user(&pg, arg, sizeof(pg)))
			return -EFAULT;
		if (pg < 0)
			return -EINVAL;
		struct pgrp_probe g = { pg, t->session, false };
		proc_for_each(find_pgrp, &g);
		if (!g.found)
			return -EPERM;
		t->pgrp = pg;
		return 0;
	}
	case TIOCGSID:
		if (!mine)
			return -ENOTTY;
		return copy_to_user(arg, &t->session, sizeof(int)) ? -EFAULT : 0;
	case TIOCSCTTY:
		if (mine)
			return 0;
		if (!p || p->sid != p->pid)
			return -EPERM;  /* only a session leader takes a terminal */
		if (t->session && !(arg == 1 && p->cred.euid == 0))
			return -EPERM;  /* another session has it */
		t->session = p->sid;
		t->pgrp = p->pgid;
		return 0;
	case TIOCNOTTY:
		if (!mine)
			return -ENOTTY;
		if (p->sid == p->pid)
			tty_session_exit(p);
		return 0;
	case FIONREAD: {
		bool eof;
		mutex_lock(&t->lock);
		int n = (int)tty_readable(t, &eof);
		mutex_unlock(&t->lock);
		return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
	}
	case TIOCOUTQ: {
		int n = 0;                      /* the serial port is synchronous */
		return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
	}
	case TCFLSH:
		if (arg > 2)
			return -EINVAL;
		if (arg != 1) {
			mutex_lock(&t->lock);
			tty_flush_input(t);
			mutex_unlock(&t->lock);
		}
		return 0;
	case TCXONC:
		return arg > 3 ? -EINVAL : 0;   /* no flow control to stop */
	case TCSBRK:
	case TCSBRKP:
		return 0;                       /* output is already drained */
	default:
		return -ENOTTY;
	}
}
