/* The engine of proc, sysfs and tracefs (kernel/pseudofs.h): inodes made
 * on lookup from entry tables, directories listed from the tables and
 * their dynamic children, files read from a snapshot taken at open and
 * written through their store function. An inode's number comes from its
 * entry and argument, so it is the same every time the name is looked up. */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/pseudofs.h>
#include <kernel/spinlock.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>

#include <stdarg.h>

/* --- seqbuf ------------------------------------------------------------------ */

static bool seq_grow(struct seqbuf *s, size_t need)
{
	if (s->failed)
		return false;
	if (s->len + need <= s->cap)
		return true;
	size_t cap = s->cap ? s->cap : 1024;
	while (cap < s->len + need)
		cap *= 2;
	char *b = kmalloc(cap);
	if (!b) {
		s->failed = true;
		return false;
	}
	if (s->buf)
		memcpy(b, s->buf, s->len);
	kfree(s->buf);
	s->buf = b;
	s->cap = cap;
	return true;
}

void seq_write(struct seqbuf *s, const void *data, size_t n)
{
	if (seq_grow(s, n)) {
		memcpy(s->buf + s->len, data, n);
		s->len += n;
	}
}

void seq_printf(struct seqbuf *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(line)) {
		seq_write(s, line, (size_t)n);
		return;
	}
	/* Longer than a line buffer: format again into the buffer itself. */
	if (!seq_grow(s, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

/* --- inodes ------------------------------------------------------------------- */

static const struct inode_ops pseudo_dir_iops, pseudo_file_iops, pseudo_link_iops;
static const struct file_ops pseudo_file_ops, pseudo_dir_ops;

/* Live inodes, so that a name looked up again is the same inode while
 * anyone holds it: a mount on a pseudo directory (tracefs on
 * /sys/kernel/tracing) stays visible. */
static struct list_node live = LIST_INIT(live);
static spinlock_t live_lock = SPINLOCK_INIT("pseudofs");

static struct inode *find_live(struct super_block *sb, const struct pseudo_entry *e, long arg,
			       struct inode *parent)
{
	struct inode *found = NULL;
	irqflags_t f = spin_lock_irqsave(&live_lock);
	struct list_node *pos;
	list_for_each(pos, &live) {
		struct inode *i = list_entry(pos, struct inode, fs_node);
		if (i->sb != sb || i->priv != e || i->arg != arg || i->parent != parent)
			continue;
		/* Reuse it unless its last reference is already gone (it is
		 * being evicted). */
		int r = READ_ONCE(i->refs);
		while (r > 0 && !__atomic_compare_exchange_n(&i->refs, &r, r + 1, false,
							     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			;
		if (r > 0) {
			found = i;
			break;
		}
	}
	spin_unlock_irqrestore(&live_lock, f);
	return found;
}

static void evict(struct inode *i)
{
	irqflags_t f = spin_lock_irqsave(&live_lock);
	list_del(&i->fs_node);
	spin_unlock_irqrestore(&live_lock, f);
}

static u64 ino_of(const struct pseudo_entry *e, long arg)
{
	u64 h = (u64)(uintptr_t)e * 0x9e3779b97f4a7c15ull ^ (u64)arg * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	return (h & 0xffffffffffull) | 2;       /* never 0 or 1 */
}

static struct inode *make_inode(struct super_block *sb, const struct pseudo_entry *e, long arg,
				struct inode *parent, const char *name)
{
	struct inode *i = find_live(sb, e, arg, S_ISDIR(e->mode) ? parent : NULL);
	if (i)
		return i;
	i = inode_alloc(sb, e->mode);
	if (!i)
		return NULL;
	i->ino = ino_of(e, arg);
	i->priv = (void *)e;
	i->arg = arg;
	i->nlink = S_ISDIR(e->mode) ? 2 : 1;
	i->uid = i->gid = 0;
	if (S_ISDIR(e->mode)) {
		i->iops = &pseudo_dir_iops;
		i->fops = &pseudo_dir_ops;
		if (parent) {
			inode_get(parent);
			i->parent = parent;
			size_t n = strlen(name);
			i->name = kmalloc(n + 1);
			if (i->name)
				memcpy(i->name, name, n + 1);
		}
	} else if (S_ISLNK(e->mode)) {
		i->iops = &pseudo_link_iops;
	} else {
		i->iops = &pseudo_file_iops;
		i->fops = &pseudo_file_ops;
	}
	irqflags_t f = spin_lock_irqsave(&live_lock);
	list_add_tail(&live, &i->fs_node);
	spin_unlock_irqrestore(&live_lock, f);
	return i;
}

static int dir_lookup(struct inode *dir, const char *name, struct inode **out)
{
	const struct pseudo_entry *de = dir->priv;
	const struct pseudo_dir *d = de->dir;
	const struct pseudo_entry *e = NULL;
	long arg = dir->arg;
	for (size_t k = 0; k < d->count; k++)
		if (!strcmp(d->entries[k].name, name)) {
			e = &d->entries[k];
			if (e->arg)
				arg = e->arg;
		}
	if (!e && d->lookup && d->lookup(name, dir->arg, &e, &arg))
		e = NULL;
	if (!e)
		return -ENOENT;
	struct inode *i = make_inode(dir->sb, e, arg, dir, name);
	if (!i)
		return -ENOMEM;
	*out = i;
	return 0;
}

static int dir_readdir(struct inode *dir, u64 *pos, dir_emit_fn emit, void *ctx)
{
	const struct pseudo_entry *de = dir->priv;
	const struct pseudo_dir *d = de->dir;
	if (*pos == 0) {
		if (!emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		u64 up = dir->parent ? dir->parent->ino : dir->ino;
		if (!emit(ctx, "..", 2, up, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	for (;;) {
		u64 index = *pos - 2;
		const struct pseudo_entry *e;
		long arg = dir->arg;
		char name[NAME_MAX + 1];
		if (index < d->count) {
			e = &d->entries[index];
			if (e->arg)
				arg = e->arg;
			strlcpy(name, e->name, sizeof(name));
		} else if (!d->iter ||
			   d->iter(index - d->count, dir->arg, name, sizeof(name), &e, &arg) != 1) {
			return 0;
		}
		if (!emit(ctx, name, strlen(name), ino_of(e, arg), mode_to_dtype(e->mode), *pos + 1))
			return 0;
		(*pos)++;
	}
}

static long link_readlink(struct inode *i, char *buf, size_t size)
{
	const struct pseudo_entry *e = i->priv;
	return e->readlink(buf, size, i->arg);
}

static const struct inode_ops pseudo_dir_iops = {
	.lookup = dir_lookup,
	.readdir = dir_readdir,
	.evict = evict,
};
static const struct inode_ops pseudo_file_iops = { .evict = evict };
static const struct inode_ops pseudo_link_iops = { .readlink = link_readlink, .evict = evict };

/* --- files ---------------------------------------------------------------------- */

static int file_snapshot(struct file *f)
{
	const struct pseudo_entry *e = f->inode->priv;
	struct seqbuf *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	int rc = e->show ? e->show(s, f->inode->arg) : 0;
	if (!rc && s->failed)
		rc = -ENOMEM;
	if (rc) {
		kfree(s->buf);
		kfree(s);
		return rc;
	}
	smp_store_release(&f->priv, (void *)s);  /* pairs with the acquire in f_pread */
	return 0;
}

static long f_pread(struct file *f, u64 ubuf, size_t len, u64 off)
{
	/* Threads sharing the file may read at once: one snapshot. */
	if (!smp_load_acquire(&f->priv)) {   /* pairs with the release in file_snapshot */
		mutex_lock(&f->inode->lock);
		int rc = f->priv ? 0 : file_snapshot(f);
		mutex_unlock(&f->inode->lock);
		if (rc)
			return rc;
	}
	struct seqbuf *s = f->priv;
	if (off >= s->len)
		return 0;
	size_t n = MIN(len, s->len - (size_t)off);
	return copy_to_user(ubuf, s->buf + off, n) ? -EFAULT : (long)n;
}

static long f_read(struct file *f, u64 ubuf, size_t len)
{
	long n = f_pread(f, ubuf, len, f->pos);
	if (n > 0)
		f->pos += (u64)n;
	return n;
}

static long f_write(struct file *f, u64 ubuf, size_t len)
{
	const struct pseudo_entry *e = f->inode->priv;
	if (!e->store)
		return -EIO;
	if (len > 4096)
		return -EINVAL;
	char *buf = kmalloc(len + 1);
	if (!buf)
		return -ENOMEM;
	long rc = copy_from_user(buf, ubuf, len) ? -EFAULT : 0;
	if (!rc) {
		buf[len] = 0;
		rc = e->store(buf, len, f->inode->arg);
	}
	kfree(buf);
	if (rc > 0)
		f->pos += (u64)rc;
	return rc;
}

static long f_llseek(struct file *f, s64 off, int whence)
{
	if (whence != 0 && whence != 1)
		return -EINVAL;
	s64 np = whence == 0 ? off : (s64)f->pos + off;
	if (np < 0)
		return -EINVAL;
	f->pos = (u64)np;
	return np;
}

static void f_release(struct file *f)
{
	struct seqbuf *s = f->priv;
	if (s) {
		kfree(s->buf);
		kfree(s);
	}
}

static long d_llseek(struct file *f, s64 off, int whence)
{
	if (whence != 0 || off < 0)
		return -EINVAL;
	f->pos = (u64)off;
	return off;
}

static long d_read(struct file *f, u64 ubuf, size_t len) { return -EISDIR; }

static const struct file_ops pseudo_file_ops = {
	.name = "pseudo",
	.read = f_read,
	.pread = f_pread,
	.write = f_write,
	.llseek = f_llseek,
	.release = f_release,
};

static const struct file_ops pseudo_dir_ops = {
	.name = "pseudo-dir",
	.read = d_read,
	.llseek = d_llseek,
};

struct super_block *pseudofs_make(const char *type, u32 magic, const struct pseudo_dir *root)
{
	struct super_block *sb = kzalloc(sizeof(*sb));
	struct pseudo_entry *re = kzalloc(sizeof(*re));
	if (!sb || !re) {
		kfree(sb);
		kfree(re);
		return NULL;
	}
	sb->type = type;
	sb->magic = magic;
	re->name = "/";
	re->mode = S_IFDIR | 0555;
	re->dir = root;
	sb->root = make_inode(sb, re, 0, NULL, "");
	if (!sb->root) {
		kfree(re);
		kfree(sb);
		return NULL;
	}
	return sb;
}
