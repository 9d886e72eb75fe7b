/* execve and execveat: replace the current process's image with a static
 * ELF program from the file system, or run a "#!" script through its
 * interpreter. Everything that can fail (the file, its format, memory for
 * the new address space and stack) happens before the point of no return,
 * so a failed exec leaves the caller as it was. Then, as Linux: other
 * threads end, the address space is replaced, handled signals return to
 * their defaults, close-on-exec descriptors close, and a vfork parent goes
 * on. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/elf.h>
#include <kernel/file.h>
#include <kernel/futex.h>
#include <kernel/heap.h>
#include <kernel/perf.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>
#include <kernel/arch/thread.h>

#define MAX_ARG_STRLEN (32 * PAGE_SIZE)         /* one argument, as Linux */
#define ARG_MAX_BYTES  (2ul << 20)              /* a quarter of the 8 MiB stack */
#define MAX_INTERP_DEPTH 4
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000
#define BINPRM_BUF 256

struct strvec {
	char **v;               /* NULL-terminated */
	int n, cap;
};

static void strvec_free(struct strvec *s)
{
	for (int k = 0; k < s->n; k++)
		kfree(s->v[k]);
	kfree(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Insert a copy of str at index at (0 .. n). */
static int strvec_insert(struct strvec *s, int at, const char *str, size_t *total)
{
	size_t len = strlen(str);
	*total += len + 1 + sizeof(u64);
	if (*total > ARG_MAX_BYTES)
		return -E2BIG;
	if (s->n + 2 > s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		char **v = kmalloc((size_t)cap * sizeof(char *));
		if (!v)
			return -ENOMEM;
		if (s->v)
			memcpy(v, s->v, (size_t)s->n * sizeof(char *));
		kfree(s->v);
		s->v = v;
		s->cap = cap;
	}
	char *c = kmalloc(len + 1);
	if (!c)
		return -ENOMEM;
	memcpy(c, str, len + 1);
	memmove(s->v + at + 1, s->v + at, (size_t)(s->n - at) * sizeof(char *));
	s->v[at] = c;
	s->n++;
	s->v[s->n] = NULL;
	return 0;
}

/* A user vector of strings (argv or envp; NULL is an empty one). */
static long strvec_from_user(struct strvec *s, u64 uvec, size_t *total)
{
	char *buf = kmalloc(MAX_ARG_STRLEN);
	if (!buf)
		return -ENOMEM;
	long rc = 0;
	for (u64 k = 0; uvec && !rc; k++) {
		u64 up;
		if (copy_from_user(&up, uvec + 8 * k, 8)) {
			rc = -EFAULT;
			break;
		}
		if (!up)
			break;
		long n = strncpy_from_user(buf, up, MAX_ARG_STRLEN);
		if (n < 0)
			rc = n;
		else if (n >= (long)MAX_ARG_STRLEN)
			rc = -E2BIG;
		else
			rc = strvec_insert(s, s->n, buf, total);
	}
	kfree(buf);
	if (!rc && !s->v) {             /* empty: just the terminating NULL */
		s->v = kzalloc(16 * sizeof(char *));
		s->cap = 16;
		if (!s->v)
			rc = -ENOMEM;
	}
	return rc;
}

/* --- the file ---------------------------------------------------------------- */

static long inode_read(void *ctx, u64 off, void *buf, size_t len)
{
	return ((struct inode *)ctx)->iops->read_kernel(ctx, off, buf, len);
}

long exec_load_inode(struct mm *mm, struct inode *i, struct elf_info *info)
{
	if (!S_ISREG(i->mode) || !i->iops || !i->iops->read_kernel)
		return -EACCES;
	mutex_lock(&i->lock);
	struct elf_source src = { inode_read, i, i->size };
	long rc = elf_load(mm, &src, info);
	mutex_unlock(&i->lock);
	return rc;
}

/* Find path and check that it may be executed. */
static long exec_lookup(int dirfd, const char *path, int flags, struct inode **out)
{
	mutex_lock(&vfs_lock);
	long rc = vfs_walk(dirfd, path,
			   ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			   ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), out);
	mutex_unlock(&vfs_lock);
	if (rc)
		return rc;
	struct inode *i = *out;
	if (S_ISLNK(i->mode))
		rc = -ELOOP;
	else if (!S_ISREG(i->mode) || (i->sb->flags & MS_NOEXEC))
		rc = -EACCES;
	else
		rc = vfs_permission(i, MAY_EXEC);
	if (rc) {
		inode_put(i);
		*out = NULL;    /* the caller must not put it again */
	}
	return rc;
}

/* "#!interp [arg]" in the first line of buf (len bytes): 1 and the words
 * in interp/arg, 0 if it is not a script, -ENOEXEC if the line is bad. */
static int parse_shebang(const char *buf, size_t len, char *interp, char *arg)
{
	if (len < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	size_t end = 2;
	while (end < len && buf[end] != '\n')
		end++;
	size_t k = 2;
	while (k < end && (buf[k] == ' ' || buf[k] == '\t'))
		k++;
	size_t s = k;
	while (k < end && buf[k] != ' ' && buf[k] != '\t')
		k++;
	if (k == s || k - s >= BINPRM_BUF)
		return -ENOEXEC;
	memcpy(interp, buf + s, k - s);
	interp[k - s] = 0;
	while (k < end && (buf[k] == ' ' || buf[k] == '\t'))
		k++;
	size_t e = end;
	while (e > k && (buf[e - 1] == ' ' || buf[e - 1] == '\t' || buf[e - 1] == '\r'))
		e--;
	memcpy(arg, buf + k, e - k);    /* the rest of the line is one argument */
	arg[e - k] = 0;
	return 1;
}

/* --- the point of no return ---------------------------------------------------- */

/* Other threads end (exec keeps only the caller, which takes the pid). */
static void de_thread(struct thread *self, struct process *p)
{
	if (READ_ONCE(p->nr_threads) > 1) {
		proc_kill_other_threads(p, self);
		while (READ_ONCE(p->nr_threads) > 1)
			sleep_until(clock_ns() + NSEC_PER_MSEC, NULL);
	}
	self->tid = p->pid;
}

static void exec_commit(struct thread *t, struct process *p, struct mm *mm, struct inode *exe,
			const char *filename, const struct elf_info *info, u64 sp)
{
	de_thread(t, p);
	/* clear_child_tid belongs to the old image (Linux's mm_release). */
	if (t->clear_child_tid) {
		u32 zero = 0;
		if (!copy_to_user(t->clear_child_tid, &zero, 4))
			futex_wake_addr(p->mm, t->clear_child_tid, 1);
		t->clear_child_tid = 0;
	}
	/* /proc readers take p->mm (and p->sighand) under p->lock. */
	irqflags_t fl = spin_lock_irqsave(&p->lock);
	struct mm *old = p->mm;
	p->mm = mm;
	spin_unlock_irqrestore(&p->lock, fl);
	aspace_switch(&mm->as);
	mm_put(old);
	mm->brk_start = mm->brk = info->brk;
	if (p->exe)
		inode_put(p->exe);
	p->exe = exe;
	WRITE_ONCE(p->did_exec, true);
	/* /proc/PID/exe names the file itself, not a symlink to it. */
	mutex_lock(&vfs_lock);
	if (vfs_inode_path(exe, p->exe_path, sizeof(p->exe_path)) < 0)
		strlcpy(p->exe_path, filename, sizeof(p->exe_path));
	mutex_unlock(&vfs_lock);
	const char *base = strrchr(filename, '/');
	strlcpy(p->comm, base ? base + 1 : filename, sizeof(p->comm));
	strlcpy(t->comm, p->comm, sizeof(t->comm));
	/* perf, in Linux's order: enable_on_exec events start, then COMM
	 * (with MISC_COMM_EXEC), then the new image's mappings. */
	mm->nimage = 0;
	for (int k = 0; k < info->nseg && k < (int)ARRAY_SIZE(mm->image); k++) {
		mm->image[k].start = info->seg[k].start;
		mm->image[k].end = info->seg[k].end;
		mm->image[k].pgoff = info->seg[k].pgoff;
		mm->nimage++;
	}
	perf_event_exec(t);
	perf_event_comm(t, true);
	for (int k = 0; k < info->nseg; k++) {
		struct perf_mmap_info m = {
			.addr = info->seg[k].start, .len = info->seg[k].end - info->seg[k].start,
			.pgoff = info->seg[k].pgoff, .prot = info->seg[k].prot, .name = p->exe_path,
			.dev = exe->sb->dev, .ino = exe->ino, .build_id_size = info->build_id_size,
		};
		memcpy(m.build_id, info->build_id, sizeof(m.build_id));
		perf_event_mmap(&m);
	}
	/* Signal actions of our own (a CLONE_SIGHAND sharer keeps its). */
	if (p->sighand->refs > 1) {
		struct sighand *own = sighand_copy(p->sighand), *shared = p->sighand;
		if (own) {
			fl = spin_lock_irqsave(&p->lock);
			p->sighand = own;
			spin_unlock_irqrestore(&p->lock, fl);
			sighand_put(shared);
		}
	}
	signal_reset_on_exec(p);
	t->saved_sigmask = 0;
	t->restore_sigmask = false;
	if (t->files->refs > 1) {
		struct files_table *own = files_copy(t->files), *old = t->files;
		if (own) {
			/* /proc readers look at t->files under p->lock. */
			fl = spin_lock_irqsave(&p->lock);
			t->files = own;
			spin_unlock_irqrestore(&p->lock, fl);
			files_put(old);
		}
	}
	fd_close_on_exec();
	t->fs_base = t->gs_base = 0;
	arch_set_user_fs(0);
	arch_set_user_gs(0);
	t->robust_list = 0;
	t->rseq = 0;                    /* the registration belonged to the old image */
	arch_fpu_init(t);
	arch_fpu_reset_live();
	arch_user_frame_init(t->uframe, info->entry, sp);
	proc_vfork_release(p);
}

long do_execve(int dirfd, u64 upath, u64 uargv, u64 uenvp, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	char *path;
	long rc = path_from_user(upath, &path);
	if (rc)
		return rc;
	struct strvec argv = { 0 }, envp = { 0 };
	size_t total = 0;
	rc = strvec_from_user(&argv, uargv, &total);
	if (!rc)
		rc = strvec_from_user(&envp, uenvp, &total);
	char *filename = path;                  /* what the caller named */
	char *target = NULL;                    /* the interpreter's path */
	struct inode *i = NULL;
	struct mm *mm = NULL;
	struct elf_info info;
	u64 sp = 0;
	char *buf = rc ? NULL : kmalloc(BINPRM_BUF + 2 * BINPRM_BUF);
	if (!rc && !buf)
		rc = -ENOMEM;
	for (int depth = 0; !rc; depth++) {
		const char *now = target ? target : path;
		rc = exec_lookup(target ? AT_FDCWD : dirfd, now, target ? 0 : flags, &i);
		if (rc)
			break;
		mutex_lock(&i->lock);
		long n = i->iops->read_kernel(i, 0, buf, BINPRM_BUF);
		mutex_unlock(&i->lock);
		char *interp = buf + BINPRM_BUF, *arg = interp + BINPRM_BUF;
		int script = n < 0 ? (int)n : parse_shebang(buf, (size_t)n, interp, arg);
		if (script < 0) {
			rc = script;
			break;
		}
		if (script) {
			if (depth >= MAX_INTERP_DEPTH) {
				rc = -ELOOP;
				break;
			}
			/* argv becomes: interp [arg] script argv[1..]. */
			if (argv.n > 0) {
				kfree(argv.v[0]);
				memmove(argv.v, argv.v + 1, (size_t)argv.n * sizeof(char *));
				argv.n--;
			}
			rc = strvec_insert(&argv, 0, now, &total);
			if (!rc && arg[0])
				rc = strvec_insert(&argv, 0, arg, &total);
			if (!rc)
				rc = strvec_insert(&argv, 0, interp, &total);
			inode_put(i);
			i = NULL;
			kfree(target);
			target = kmalloc(strlen(interp) + 1);
			if (!rc && !target)
				rc = -ENOMEM;
			if (!rc)
				memcpy(target, interp, strlen(interp) + 1);
			continue;
		}
		mm = mm_create();
		rc = mm ? exec_load_inode(mm, i, &info) : -ENOMEM;
		if (rc == -ELIBBAD) {
			printk("ringtail: %s is dynamically linked (interpreter %s); Ringtail runs "
			       "static programs only\n", now, info.interp);
			rc = -ENOENT;   /* as Linux when the interpreter is missing */
		}
		if (!rc)
			rc = elf_setup_stack(mm, (const char *const *)argv.v,
					     (const char *const *)envp.v, &info,
					     current_proc()->cred.uid, &sp);
		break;
	}
	if (!rc) {
		struct thread *t = current_thread();
		exec_commit(t, t->proc, mm, i, target ? target : filename, &info, sp);
		i = NULL;
		mm = NULL;
	}
	if (mm)
		mm_put(mm);
	if (i)
		inode_put(i);
	kfree(buf);
	kfree(target);
	strvec_free(&argv);
	strvec_free(&envp);
	kfree(path);
	return rc;
}

SYSCALL_DEFINE(execve)
{
	return do_execve(AT_FDCWD, a0, a1, a2, 0);
}

SYSCALL_DEFINE(execveat)
{
	return do_execve((int)a0, a1, a2, a3, (int)a4);
}
