/* tmpfs: the RAM file system of the root and of `mount -t tmpfs`. Files
 * keep their data in frames (holes read as zeros), directories a list of
 * entries, symlinks their target. A file system holds at most half of RAM
 * (tmpfs's default); past that, writes get ENOSPC.
 *
 * Directory entries carry increasing cookies, so a readdir that races
 * with changes neither repeats nor skips an entry that stays. Names and
 * links change under vfs_lock; data and size under the inode's mutex.
 * Regular files (their data, read/write, mmap) are in ramfs_file.c. */
#include <lib/errno.h>
#include <lib/list.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/pmm.h>
#include <kernel/vfs.h>
#include "ramfs_internal.h"

#define TMPFS_MAGIC 0x01021994

struct dirent_r {
	struct list_node node;
	struct inode *inode;            /* a reference */
	u64 cookie;
	char name[];
};

struct dir_r {
	struct list_node entries;       /* by cookie */
	u64 next_cookie;
	u64 count;
};

static const struct inode_ops dir_iops, link_iops, node_iops;

/* Every tmpfs's pages together (Shmem in /proc/meminfo). */
static u64 pages_in_use;

u64 ramfs_pages(void)
{
	return READ_ONCE(pages_in_use);
}

/* Account pages (negative: released) against the file system's size;
 * writers of different files race here, so it is a compare-and-swap. */
int ramfs_charge(struct super_block *sb, long pages)
{
	u64 used = READ_ONCE(sb->used_bytes), want;
	do {
		want = used + (u64)pages * PAGE_SIZE;
		if (pages > 0 && want > sb->max_bytes)
			return -ENOSPC;
	} while (!__atomic_compare_exchange_n(&sb->used_bytes, &used, want, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	__atomic_fetch_add(&pages_in_use, (u64)pages, __ATOMIC_RELAXED);
	return 0;
}

/* --- creation ---------------------------------------------------------- */

static struct inode *new_inode(struct super_block *sb, u32 mode)
{
	struct inode *i = inode_alloc(sb, mode);
	if (!i)
		return NULL;
	switch (mode & S_IFMT) {
	case S_IFDIR: {
		struct dir_r *d = kzalloc(sizeof(*d));
		if (!d)
			goto fail;
		list_init(&d->entries);
		d->next_cookie = 2;     /* 0 and 1 are "." and ".." */
		i->priv = d;
		i->iops = &dir_iops;
		i->fops = &ramfs_dir_ops;
		i->nlink = 2;
		break;
	}
	case S_IFREG:
		i->priv = kzalloc(sizeof(struct data_r));
		if (!i->priv)
			goto fail;
		i->iops = &ramfs_file_iops;
		i->fops = &ramfs_file_ops;
		i->nlink = 1;
		break;
	case S_IFLNK:
		i->iops = &link_iops;
		i->nlink = 1;
		break;
	default:                        /* devices and FIFOs */
		i->iops = &node_iops;
		i->nlink = 1;
		break;
	}
	return i;
fail:
	kfree(i);
	return NULL;
}

struct super_block *ramfs_make(void)
{
	struct super_block *sb = kzalloc(sizeof(*sb));
	if (!sb)
		return NULL;
	sb->type = "tmpfs";
	sb->magic = TMPFS_MAGIC;
	sb->max_bytes = frame_total_count() * PAGE_SIZE / 2;
	sb->root = new_inode(sb, S_IFDIR | 0755);
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	return sb;
}

/* --- directories ---------------------------------------------------------- */

static struct dirent_r *find(struct inode *dir, const char *name)
{
	struct dir_r *d = dir->priv;
	struct list_node *pos;
	list_for_each(pos, &d->entries) {
		struct dirent_r *e = list_entry(pos, struct dirent_r, node);
		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

static int dir_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct dirent_r *e = find(dir, name);
	if (!e)
		return -ENOENT;
	inode_get(e->inode);
	*out = e->inode;
	return 0;
}

/* Enter i (taking a reference for the entry) under name. */
static int add_entry(struct inode *dir, const char *name, struct inode *i)
{
	size_t len = strlen(name);
	struct dirent_r *e = kmalloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->name, name, len + 1);
	inode_get(i);
	e->inode = i;
	struct dir_r *d = dir->priv;
	e->cookie = d->next_cookie++;
	list_add_tail(&d->entries, &e->node);
	d->count++;
	dir->size = d->count * 32;      /* what tmpfs shows, roughly */
	inode_touch(dir, true);
	if (S_ISDIR(i->mode))
		dir->nlink++;
	/* Every inode knows its latest name (a file's last link), for ".."
	 * and getcwd, /proc/PID/exe and perf's file names. */
	{
		if (i->parent)
			inode_put(i->parent);
		inode_get(dir);
		i->parent = dir;
		char *nm = kmalloc(len + 1);
		if (nm) {
			memcpy(nm, name, len + 1);
			kfree(i->name);
			i->name = nm;
		}
	}
	return 0;
}

/* Take entry e out of dir; its reference on the inode goes to *out. */
static void del_entry(struct inode *dir, struct dirent_r *e, struct inode **out)
{
	struct dir_r *d = dir->priv;
	list_del(&e->node);
	d->count--;
	dir->size = d->count * 32;
	inode_touch(dir, true);
	if (S_ISDIR(e->inode->mode))
		dir->nlink--;
	*out = e->inode;
	kfree(e);
}

static int dir_create(struct inode *dir, const char *name, u32 mode, u64 rdev, const char *link,
		      struct inode **out)
{
	if (find(dir, name))
		return -EEXIST;
	if (dir->nlink == 0)
		return -ENOENT;         /* a removed directory takes no new names */
	struct super_block *sb = dir->sb;
	struct inode *i = new_inode(sb, mode);
	if (!i)
		return -ENOMEM;
	if (S_ISLNK(mode)) {
		size_t n = strlen(link);
		char *t = kmalloc(n + 1);
		if (!t) {
			inode_put(i);
			return -ENOMEM;
		}
		memcpy(t, link, n + 1);
		i->priv = t;
		i->size = n;
	}
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		i->rdev = rdev;
		i->fops = S_ISCHR(mode) ? chrdev_ops(rdev) : NULL;
	}
	if (S_ISGID & dir->mode) {      /* setgid directories pass their group on */
		i->gid = dir->gid;
		if (S_ISDIR(mode))
			i->mode |= S_ISGID;
	}
	int rc = add_entry(dir, name, i);
	if (rc) {
		i->nlink = 0;
		inode_put(i);
		return rc;
	}
	*out = i;
	return 0;
}

static int dir_link(struct inode *dir, const char *name, struct inode *target)
{
	if (find(dir, name))
		return -EEXIST;
	if (target->sb != dir->sb)
		return -EXDEV;
	if (S_ISDIR(target->mode))
		return -EPERM;
	int rc = add_entry(dir, name, target);
	if (!rc) {
		target->nlink++;
		inode_touch(target, false);
	}
	return rc;
}

static int dir_unlink(struct inode *dir, const char *name, bool rmdir)
{
	struct dirent_r *e = find(dir, name);
	if (!e)
		return -ENOENT;
	struct inode *i = e->inode;
	if (rmdir) {
		if (!S_ISDIR(i->mode))
			return -ENOTDIR;
		if (i->mounted)
			return -EBUSY;
		if (((struct dir_r *)i->priv)->count)
			return -ENOTEMPTY;
	} else if (S_ISDIR(i->mode)) {
		return -EISDIR;
	}
	del_entry(dir, e, &i);
	if (S_ISDIR(i->mode))
		i->nlink = 0;           /* no more entries can appear */
	else
		i->nlink--;
	inode_touch(i, false);
	inode_put(i);                   /* the entry's reference */
	return 0;
}

/* Is a an ancestor of (or the same as) b? */
static bool is_ancestor(struct inode *a, struct inode *b)
{
	for (struct inode *x = b; x; x = x->parent)
		if (x == a)
			return true;
	return false;
}

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2

static int dir_rename(struct inode *odir, const char *oname, struct inode *ndir,
		      const char *nname, unsigned flags)
{
	struct dirent_r *src = find(odir, oname);
	if (!src)
		return -ENOENT;
	if (odir->sb != ndir->sb)
		return -EXDEV;
	struct inode *i = src->inode;
	struct dirent_r *dst = find(ndir, nname);
	if (src == dst)
		return 0;               /* the same name: nothing to do */
	if (S_ISDIR(i->mode) && is_ancestor(i, ndir))
		return -EINVAL;         /* into itself */
	if ((flags & RENAME_NOREPLACE) && dst)
		return -EEXIST;
	if (flags & RENAME_EXCHANGE) {
		if (!dst)
			return -ENOENT;
		struct inode *j = dst->inode;
		if ((S_ISDIR(j->mode) && is_ancestor(j, odir)))
			return -EINVAL;
		/* Swap the inodes behind the two entries. */
		src->inode = j;
		dst->inode = i;
		if (S_ISDIR(i->mode) != S_ISDIR(j->mode)) {
			if (S_ISDIR(i->mode)) {
				odir->nlink--;
				ndir->nlink++;
			} else {
				odir->nlink++;
				ndir->nlink--;
			}
		}
		struct inode *pairs[2][2] = { { i, ndir }, { j, odir } };
		const char *names[2] = { nname, oname };
		for (int k = 0; k < 2; k++) {
			struct inode *x = pairs[k][0];
			if (!x)
				continue;
			inode_get(pairs[k][1]);
			inode_put(x->parent);
			x->parent = pairs[k][1];
			size_t n = strlen(names[k]);
			char *nm = kmalloc(n + 1);
			if (nm) {
				memcpy(nm, names[k], n + 1);
				kfree(x->name);
				x->name = nm;
			}
		}
		inode_touch(odir, true);
		inode_touch(ndir, true);
		return 0;
	}
	if (dst) {
		struct inode *j = dst->inode;
		if (S_ISDIR(i->mode) && !S_ISDIR(j->mode))
			return -ENOTDIR;
		if (!S_ISDIR(i->mode) && S_ISDIR(j->mode))
			return -EISDIR;
		if (S_ISDIR(j->mode) && ((struct dir_r *)j->priv)->count)
			return -ENOTEMPTY;
		if (j->mounted)
			return -EBUSY;
	}
	/* The new entry first (it can fail), then the old ones go. */
	inode_get(i);
	struct inode *tmp;
	del_entry(odir, src, &tmp);
	if (dst) {
		struct inode *j;
		del_entry(ndir, dst, &j);
		if (S_ISDIR(j->mode))
			j->nlink = 0;
		else
			j->nlink--;
		inode_put(j);
	}
	int rc = add_entry(ndir, nname, i);
	if (rc) {
		/* Out of memory for the new name: put the old one back (its
		 * entry was freed, so this allocates the same size again). */
		add_entry(odir, oname, i);
	}
	inode_touch(i, false);
	inode_put(tmp);
	inode_put(i);
	return rc;
}

static int dir_readdir(struct inode *dir, u64 *pos, dir_emit_fn emit, void *ctx)
{
	if (*pos == 0) {
		if (!emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		struct inode *up = dir->parent ? dir->parent : dir;
		if (!emit(ctx, "..", 2, up->ino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	struct dir_r *d = dir->priv;
	struct list_node *p;
	list_for_each(p, &d->entries) {
		struct dirent_r *e = list_entry(p, struct dirent_r, node);
		if (e->cookie < *pos)
			continue;
		if (!emit(ctx, e->name, strlen(e->name), e->inode->ino, mode_to_dtype(e->inode->mode),
			  e->cookie + 1))
			return 0;
		*pos = e->cookie + 1;
	}
	return 0;
}

static void dir_evict(struct inode *i)
{
	struct dir_r *d = i->priv;
	/* Only empty directories die (rmdir); the root never does. */
	while (d && !list_empty(&d->entries)) {
		struct dirent_r *e = list_entry(d->entries.next, struct dirent_r, node);
		list_del(&e->node);
		inode_put(e->inode);
		kfree(e);
	}
	kfree(d);
}

/* Directories open for getdents64 (sys_fs.c reads them through the inode
 * ops); lseek(0) rewinds. */
static long d_llseek(struct file *f, s64 off, int whence)
{
	if (whence != SEEK_SET || off < 0)
		return -EINVAL;
	f->pos = (u64)off;
	return off;
}

static long d_read(struct file *f, u64 ubuf, size_t len)
{
	return -EISDIR;
}

const struct file_ops ramfs_dir_ops = {
	.name = "dir",
	.read = d_read,
	.llseek = d_llseek,
};

/* --- symlinks, devices -------------------------------------------------------- */

static long link_readlink(struct inode *i, char *buf, size_t size)
{
	size_t n = MIN((size_t)i->size, size);
	memcpy(buf, i->priv, n);
	return (long)n;
}

static void link_evict(struct inode *i)
{
	kfree(i->priv);
}

static const struct inode_ops dir_iops = {
	.lookup = dir_lookup,
	.create = dir_create,
	.link = dir_link,
	.unlink = dir_unlink,
	.rename = dir_rename,
	.readdir = dir_readdir,
	.evict = dir_evict,
};

static const struct inode_ops link_iops = {
	.readlink = link_readlink,
	.evict = link_evict,
};

/* Device nodes and FIFOs: dev.c and pipe.c supply the file on open. */
static int node_open(struct inode *i, struct file *f)
{
	if (S_ISFIFO(i->mode))
		return fifo_open(i, f);
	if (S_ISCHR(i->mode) && !i->fops)
		return -ENXIO;
	if (S_ISBLK(i->mode))
		return -ENXIO;
	return chrdev_open(i, f);
}

static void node_evict(struct inode *i)
{
	if (S_ISFIFO(i->mode))
		fifo_evict(i);
}

static const struct inode_ops node_iops = {
	.open = node_open,
	.evict = node_evict,
};
