/* tmpfs: the RAM file system of the root and of `mount -t tmpfs`. Files
 * keep their data in frames (holes read as zeros), directories a list of
 * entries, symlinks their target. A file system holds at most half of RAM
 * (tmpfs's default); past that, writes get ENOSPC.
 *
 * Directory entries carry increasing cookies, so a readdir that races
 * with changes neither repeats nor skips an entry that stays. Names and
 * links change under vfs_lock; data and size under the inode's mutex. */
#include <lib/errno.h>
#include <lib/list.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>

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

struct data_r {
	paddr_t *pages;                 /* NULL entries are holes */
	size_t cap;
};

static const struct inode_ops dir_iops, file_iops, link_iops, node_iops;
extern const struct file_ops ramfs_file_ops, ramfs_dir_ops;

/* Every tmpfs's pages together (Shmem in /proc/meminfo). */
static u64 pages_in_use;

u64 ramfs_pages(void)
{
	return READ_ONCE(pages_in_use);
}

/* Account pages (negative: released) against the file system's size;
 * writers of different files race here, so it is a compare-and-swap. */
static int charge(struct super_block *sb, long pages)
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
		i->iops = &file_iops;
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

/* --- regular files -------------------------------------------------------- */

static void free_pages_from(struct inode *i, size_t first)
{
	struct data_r *r = i->priv;
	long freed = 0;
	for (size_t k = first; k < r->cap; k++) {
		if (r->pages[k]) {
			frame_free(r->pages[k]);
			r->pages[k] = 0;
			freed++;
		}
	}
	charge(i->sb, -freed);
}

static int grow_table(struct data_r *r, size_t need)
{
	if (need <= r->cap)
		return 0;
	size_t cap = r->cap ? r->cap : 8;
	while (cap < need)
		cap *= 2;
	paddr_t *p = kzalloc(cap * sizeof(*p));
	if (!p)
		return -ENOSPC;
	if (r->pages)
		memcpy(p, r->pages, r->cap * sizeof(*p));
	kfree(r->pages);
	r->pages = p;
	r->cap = cap;
	return 0;
}

/* The frame of page `index`, allocated (zeroed) if it is a hole. */
static long page_for_write(struct inode *i, size_t index, paddr_t *pa)
{
	struct data_r *r = i->priv;
	if (grow_table(r, index + 1))
		return -ENOSPC;
	if (!r->pages[index]) {
		if (charge(i->sb, 1))
			return -ENOSPC;
		r->pages[index] = frame_alloc();
		if (!r->pages[index]) {
			charge(i->sb, -1);
			return -ENOSPC;
		}
	}
	*pa = r->pages[index];
	return 0;
}

static int file_truncate(struct inode *i, u64 size)
{
	struct data_r *r = i->priv;
	if (size < i->size) {
		size_t keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
		free_pages_from(i, keep);
		/* Zero the tail of the last page kept, so growing again reads
		 * zeros there. */
		if (size % PAGE_SIZE && keep - 1 < r->cap && r->pages[keep - 1])
			memset((u8 *)phys_to_virt(r->pages[keep - 1]) + size % PAGE_SIZE, 0,
			       PAGE_SIZE - size % PAGE_SIZE);
	}
	i->size = size;
	return 0;
}

static long file_read_kernel(struct inode *i, u64 off, void *buf, size_t len)
{
	struct data_r *r = i->priv;
	if (off >= i->size)
		return 0;
	len = MIN(len, i->size - off);
	for (size_t done = 0; done < len;) {
		size_t k = (off + done) / PAGE_SIZE, in = (off + done) % PAGE_SIZE;
		size_t n = MIN(len - done, PAGE_SIZE - in);
		if (k < r->cap && r->pages[k])
			memcpy((u8 *)buf + done, (u8 *)phys_to_virt(r->pages[k]) + in, n);
		else
			memset((u8 *)buf + done, 0, n);
		done += n;
	}
	return (long)len;
}

/* Kernel data into the file (the initramfs), the inode locked. */
static long file_write_kernel(struct inode *i, u64 off, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		size_t k = (off + done) / PAGE_SIZE, in = (off + done) % PAGE_SIZE;
		size_t n = MIN(len - done, PAGE_SIZE - in);
		paddr_t pa;
		long err = page_for_write(i, k, &pa);
		if (err)
			return err;
		memcpy((u8 *)phys_to_virt(pa) + in, (const u8 *)buf + done, n);
		done += n;
	}
	if (off + len > i->size)
		i->size = off + len;
	return (long)len;
}

static void file_evict(struct inode *i)
{
	struct data_r *r = i->priv;
	if (r) {
		free_pages_from(i, 0);
		kfree(r->pages);
		kfree(r);
	}
}

/* Read at off with the inode locked. */
static long read_locked(struct inode *i, u64 ubuf, size_t len, u64 off)
{
	struct data_r *r = i->priv;
	if (off >= i->size)
		return 0;
	len = MIN(len, i->size - off);
	size_t done = 0;
	while (done < len) {
		size_t k = (off + done) / PAGE_SIZE, in = (off + done) % PAGE_SIZE;
		size_t n = MIN(len - done, PAGE_SIZE - in);
		long rc;
		if (k < r->cap && r->pages[k])
			rc = copy_to_user(ubuf + done, (u8 *)phys_to_virt(r->pages[k]) + in, n);
		else
			rc = clear_user(ubuf + done, n);
		if (rc)
			return done ? (long)done : -EFAULT;
		done += n;
	}
	i->atime_ns = vfs_now_ns();
	return (long)done;
}

#define MAX_FILE_SIZE (1ull << 40)

static long write_locked(struct inode *i, u64 ubuf, size_t len, u64 off)
{
	if (off >= MAX_FILE_SIZE)
		return -EFBIG;
	len = MIN(len, MAX_FILE_SIZE - off);
	size_t done = 0;
	long err = 0;
	while (done < len) {
		size_t k = (off + done) / PAGE_SIZE, in = (off + done) % PAGE_SIZE;
		size_t n = MIN(len - done, PAGE_SIZE - in);
		paddr_t pa;
		err = page_for_write(i, k, &pa);
		if (err)
			break;
		if (copy_from_user((u8 *)phys_to_virt(pa) + in, ubuf + done, n)) {
			err = -EFAULT;
			break;
		}
		done += n;
		if (off + done > i->size)
			i->size = off + done;
	}
	if (done)
		inode_touch(i, true);
	return done ? (long)done : err;
}

static long f_read(struct file *f, u64 ubuf, size_t len)
{
	struct inode *i = f->inode;
	mutex_lock(&i->lock);
	long n = read_locked(i, ubuf, len, f->pos);
	if (n > 0)
		f->pos += (u64)n;
	mutex_unlock(&i->lock);
	return n;
}

static long f_write(struct file *f, u64 ubuf, size_t len)
{
	struct inode *i = f->inode;
	mutex_lock(&i->lock);
	if (f->flags & O_APPEND)
		f->pos = i->size;
	long n = write_locked(i, ubuf, len, f->pos);
	if (n > 0)
		f->pos += (u64)n;
	mutex_unlock(&i->lock);
	return n;
}

static long f_pread(struct file *f, u64 ubuf, size_t len, u64 off)
{
	mutex_lock(&f->inode->lock);
	long n = read_locked(f->inode, ubuf, len, off);
	mutex_unlock(&f->inode->lock);
	return n;
}

static long f_pwrite(struct file *f, u64 ubuf, size_t len, u64 off)
{
	struct inode *i = f->inode;
	mutex_lock(&i->lock);
	/* Linux: pwrite on an O_APPEND file appends. */
	long n = write_locked(i, ubuf, len, (f->flags & O_APPEND) ? i->size : off);
	mutex_unlock(&i->lock);
	return n;
}

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

static long f_llseek(struct file *f, s64 off, int whence)
{
	struct inode *i = f->inode;
	mutex_lock(&i->lock);
	s64 base;
	long rc = 0;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (s64)f->pos; break;
	case SEEK_END: base = (s64)i->size; break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* Without tracking holes: all data up to the size, then one hole. */
		if (off < 0 || (u64)off >= i->size)
			rc = -ENXIO;
		base = 0;
		if (whence == SEEK_HOLE && !rc)
			off = (s64)i->size;
		break;
	default: rc = -EINVAL; base = 0;
	}
	if (!rc) {
		s64 np = base + off;
		if (np < 0 || (off > 0 && np < base))
			rc = -EINVAL;
		else
			f->pos = (u64)(rc = np);
	}
	mutex_unlock(&i->lock);
	return rc;
}

/* mmap of a regular file. Private: each page is copied from the file at
 * its first touch (later writes to the file are not seen there, a
 * simplification of copy-on-write). Shared: the file's own frames are
 * mapped; a page past the end of the file is SIGBUS, as on Linux. */
struct fmap {
	struct inode *inode;
	bool shared;
};

static int fmap_fault(struct vma *v, u64 addr, bool write)
{
	struct fmap *m = v->priv;
	struct inode *i = m->inode;
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
	u64 off = (page - v->start) + v->pgoff * PAGE_SIZE;
	struct data_r *r = i->priv;
	size_t k = off / PAGE_SIZE;
	int rc = 0;
	if (!mutex_trylock(&i->lock))
		return -EAGAIN;         /* the fault path retries (see mm.c) */
	if (off >= ALIGN_UP(i->size, PAGE_SIZE)) {
		rc = -EFAULT;
	} else if (m->shared) {
		paddr_t pa;
		rc = (int)page_for_write(i, k, &pa);
		if (!rc) {
			frame_get(pa);
			rc = mm_insert_page_locked(v, page, pa);
			if (rc)
				frame_free(pa);
		}
	} else {
		paddr_t pa = frame_alloc();
		if (!pa) {
			rc = -ENOMEM;
		} else {
			if (k < r->cap && r->pages[k])
				memcpy(phys_to_virt(pa), phys_to_virt(r->pages[k]), PAGE_SIZE);
			/* Bytes past the end of the file read as zeros. */
			if (off + PAGE_SIZE > i->size)
				memset((u8 *)phys_to_virt(pa) + (i->size - off), 0,
				       PAGE_SIZE - (i->size - off));
			rc = mm_insert_page_locked(v, page, pa);
			if (rc)
				frame_free(pa);
		}
	}
	mutex_unlock(&i->lock);
	return rc;
}

static void fmap_close(struct vma *v)
{
	struct fmap *m = v->priv;
	inode_put(m->inode);
	kfree(m);
}

static void fmap_open(struct vma *v)
{
	struct fmap *m = v->priv, *c = kmalloc(sizeof(*c));
	if (c) {
		*c = *m;
		inode_get(c->inode);
	}
	v->priv = c;
}

static const struct vma_ops fmap_ops = {
	.fault = fmap_fault,
	.close = fmap_close,
	.open = fmap_open,
	.owns_frames = true,
};

static long f_mmap(struct file *f, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags,
		   bool fixed, u64 off)
{
	bool shared = (flags & 0x0f) == 0x01 || (flags & 0x0f) == 0x03;
	u32 acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY)
		return -EACCES;
	if (shared && (prot & VM_WRITE) && acc != O_RDWR)
		return -EACCES;
	struct fmap *m = kmalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->inode = f->inode;
	m->shared = shared;
	inode_get(m->inode);
	unsigned maxprot = VM_READ | VM_EXEC | (shared && acc != O_RDWR ? 0 : VM_WRITE);
	long where = mm_map_file(mm, f, addr, len, prot, maxprot, fixed, &fmap_ops, m,
				 off / PAGE_SIZE, shared);
	if (where < 0) {
		inode_put(m->inode);
		kfree(m);
	}
	return where;
}

const struct file_ops ramfs_file_ops = {
	.name = "tmpfs",
	.read = f_read,
	.write = f_write,
	.pread = f_pread,
	.pwrite = f_pwrite,
	.llseek = f_llseek,
	.mmap = f_mmap,
};

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

static const struct inode_ops file_iops = {
	.read_kernel = file_read_kernel,
	.write_kernel = file_write_kernel,
	.truncate = file_truncate,
	.evict = file_evict,
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
