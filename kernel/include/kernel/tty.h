/* The terminal on the serial console (kernel/tty/tty.c): a line
 * discipline with Linux's termios (canonical editing, echo, signals from
 * ^C ^Z ^\, EOF from ^D), a foreground process group and a session, and
 * the termios and job-control ioctls (kernel/tty/tty_ioctl.c). */
#pragma once
#include <lib/types.h>

struct file;
struct process;
struct tty;

extern const struct file_ops tty_fops;

/* A file on the console's tty (fds 0-2 of the first processes). */
struct file *console_open(void);
/* Set up f as an open of the console tty; make it the controlling tty of
 * the caller's session if it is a session leader without one and ctty. */
int tty_open(struct file *f, bool ctty);
/* The controlling tty of p's session, or NULL. */
struct tty *tty_of(struct process *p);
/* For /proc/PID/stat: p's terminal (tty_nr, 0 if none) and its
 * foreground process group (-1 if none). */
void tty_info(struct process *p, int *tty_nr, int *tpgid);
/* A session leader exits: its terminal is free again, and the
 * foreground group gets SIGHUP (Linux's disassociate_ctty). */
void tty_session_exit(struct process *leader);
/* Bytes from the serial port (the tick polls it): to the line discipline. */
void console_poll_input(void);
void tty_init(void);
/* Write text for process p, inserting its KTAP indent at each line start. */
void console_write_for(struct process *p, const char *s, size_t n);
