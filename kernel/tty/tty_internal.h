/* Shared by the console terminal (tty.c: input, the line discipline,
 * reading, sessions) and its ioctls (tty_ioctl.c): the terminal's state
 * and termios, and the line-discipline steps the termios ioctls take. */
#pragma once
#include <lib/types.h>
#include <kernel/mutex.h>
#include <kernel/sched.h>

struct file;

/* termios bits (Linux asm-generic/termbits.h). */
#define IGNCR  0000200
#define ICRNL  0000400
#define INLCR  0000100
#define IXON   0002000
#define OPOST  0000001
#define ONLCR  0000004
#define ISIG   0000001
#define ICANON 0000002
#define ECHO   0000010
#define ECHOE  0000020
#define ECHOK  0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define TOSTOP 0000400
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000
enum { VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSWTC, VSTART, VSTOP, VSUSP, VEOL,
       VREPRINT, VDISCARD, VWERASE, VLNEXT, VEOL2, NCCS = 19 };

struct ktermios {
	u32 iflag, oflag, cflag, lflag;
	u8 line;
	u8 cc[NCCS];
};

#define BUF 4096                /* N_TTY_BUF_SIZE */
#define MAX_LINES 64

struct tty {
	struct mutex lock;
	struct ktermios t;
	u16 ws[4];                      /* rows, cols, xpixel, ypixel */
	int session, pgrp;              /* 0: none */
	/* Cooked bytes readers take; in canonical mode, line ends (a line of
	 * length 0 is an EOF). */
	char cbuf[BUF];
	u64 chead, ctail;
	u64 ends[MAX_LINES];
	u32 ends_head, ends_tail;
	/* The line being edited (canonical mode). */
	char line[BUF];
	u32 llen;
	bool lnext;                     /* the next byte is literal (^V) */
	struct waitq read_wait;
};

/* The console, the one terminal (tty.c). */
extern struct tty tty_con;

/* The line discipline (tty.c), lock held. Append cooked bytes (as many as
 * fit). */
void tty_push_cooked(struct tty *t, const char *s, size_t n);
/* Drop all input: cooked bytes, line ends and the line being edited. */
void tty_flush_input(struct tty *t);
/* Bytes a read may take now (canonical: up to the end of the first line;
 * 0 with *eof for an empty line). */
u64 tty_readable(struct tty *t, bool *eof);

/* The termios and job-control ioctls of tty_fops (tty_ioctl.c). */
long tty_ioctl(struct file *f, unsigned int cmd, u64 arg);
