/* The VFS core: inodes, permissions, mounts, the cwd/root of threads,
 * and opening files by path (see kernel/vfs.h for the model and its
 * locking). Path lookup is in lookup.c. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/vfs.h>
#include "fs_internal.h"

struct mutex vfs_lock = MUTEX_INIT(vfs_lock, "vfs");
struct inode *root_inode;               /* of the root file system */
struct mount *mounts;                   /* newest first (vfs_lock) */

/* --- inodes ---------------------------------------------------------------- */

u64 vfs_now_ns(void)
{
	return clock_realtime_ns();
}

struct inode *inode_alloc(struct super_block *sb, u32 mode)
{
	struct inode *i = kzalloc(sizeof(*i));
	if (!i)
		return NULL;
	i->refs = 1;
	i->sb = sb;
	i->ino = __atomic_add_fetch(&sb->next_ino, 1, __ATOMIC_RELAXED);
	i->mode = mode;
	struct process *p = current_proc();
	i->uid = p ? p->cred.fsuid : 0;
	i->gid = p ? p->cred.fsgid : 0;
	i->atime_ns = i->mtime_ns = i->ctime_ns = vfs_now_ns();
	mutex_init(&i->lock, "inode");
	return i;
}

void inode_get(struct inode *i)
{
	__atomic_fetch_add(&i->refs, 1, __ATOMIC_RELAXED);
}

void inode_put(struct inode *i)
{
	while (i && __atomic_sub_fetch(&i->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct inode *parent = i->parent;
		if (i->iops && i->iops->evict)
			i->iops->evict(i);
		kfree(i->name);
		kfree(i);
		i = parent;     /* a directory held its parent */
	}
}

void inode_touch(struct inode *i, bool mtime)
{
	u64 now = vfs_now_ns();
	if (mtime)
		i->mtime_ns = now;
	i->ctime_ns = now;
}

/* --- permissions ---------------------------------------------------------- */

static bool in_group(const struct cred *c, u32 gid)
{
	if (c->fsgid == gid)
		return true;
	for (int k = 0; k < c->ngroups; k++)
		if (c->groups[k] == gid)
			return true;
	return false;
}

int vfs_permission(struct inode *i, int mask)
{
	struct process *p = current_proc();
	if (!p)
		return 0;               /* the kernel itself */
	const struct cred *c = &p->cred;
	if (c->fsuid == 0) {
		/* Root may do anything, but executes only what someone may. */
		if ((mask & MAY_EXEC) && !S_ISDIR(i->mode) && !(i->mode & 0111))
			return -EACCES;
		return 0;
	}
	u32 bits = i->mode;
	if (c->fsuid == i->uid)
		bits >>= 6;
	else if (in_group(c, i->gid))
		bits >>= 3;
	return ((bits & 7) & mask) == (u32)mask ? 0 : -EACCES;
}

/* --- cwd and root ------------------------------------------------------------ */

/* Every fs_info, so that umount can see whether a cwd or root is on the
 * file system it would remove. */
static struct list_node all_fs_infos = LIST_INIT(all_fs_infos);
static spinlock_t fs_infos_lock = SPINLOCK_INIT("fs_infos");

static void fs_info_link(struct fs_info *fs, bool add)
{
	irqflags_t f = spin_lock_irqsave(&fs_infos_lock);
	if (add)
		list_add_tail(&all_fs_infos, &fs->node);
	else
		list_del(&fs->node);
	spin_unlock_irqrestore(&fs_infos_lock, f);
}

bool fs_infos_use(struct super_block *sb)
{
	bool used = false;
	irqflags_t f = spin_lock_irqsave(&fs_infos_lock);
	struct list_node *pos;
	list_for_each(pos, &all_fs_infos) {
		struct fs_info *fs = list_entry(pos, struct fs_info, node);
		if (fs->cwd->sb == sb || fs->root->sb == sb)
			used = true;
	}
	spin_unlock_irqrestore(&fs_infos_lock, f);
	return used;
}

struct fs_info *fs_info_alloc(void)
{
	struct fs_info *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->umask = 022;
	fs->root = vfs_root();
	fs->cwd = vfs_root();
	fs_info_link(fs, true);
	return fs;
}

struct fs_info *fs_info_copy(struct fs_info *from)
{
	struct fs_info *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	mutex_lock(&vfs_lock);
	fs->umask = from->umask;
	fs->root = from->root;
	fs->cwd = from->cwd;
	inode_get(fs->root);
	inode_get(fs->cwd);
	fs_info_link(fs, true);
	mutex_unlock(&vfs_lock);
	return fs;
}

void fs_info_put(struct fs_info *fs)
{
	if (__atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL))
		return;
	fs_info_link(fs, false);
	inode_put(fs->cwd);
	inode_put(fs->root);
	kfree(fs);
}

struct inode *vfs_root(void)
{
	inode_get(root_inode);
	return root_inode;
}

/* --- opening ---------------------------------------------------------------- */

long vfs_open_inode(struct inode *i, u32 flags, struct file **out)
{
	if ((S_ISCHR(i->mode) || S_ISBLK(i->mode)) && (i->sb->flags & MS_NODEV))
		return -EACCES;
	struct file *f = file_alloc(i->fops, NULL, flags & ~(u32)(O_CREAT | O_EXCL | O_NOCTTY |
								 O_TRUNC | O_CLOEXEC));
	if (!f)
		return -ENOMEM;
	inode_get(i);
	f->inode = i;
	__atomic_fetch_add(&i->sb->nr_open, 1, __ATOMIC_RELAXED);      /* file_put drops it */
	f->mode = i->mode;
	f->rdev = i->rdev;
	if (i->iops && i->iops->open) {
		int rc = i->iops->open(i, f);
		if (rc) {
			f->ops = NULL;
			__atomic_fetch_sub(&i->sb->nr_open, 1, __ATOMIC_RELAXED);
			inode_put(i);
			kfree(f);
			return rc;
		}
	}
	if (!f->ops) {
		__atomic_fetch_sub(&i->sb->nr_open, 1, __ATOMIC_RELAXED);
		inode_put(i);
		kfree(f);
		return -ENXIO;
	}
	*out = f;
	return 0;
}

long vfs_open(int dirfd, const char *path, u32 flags, u32 mode, struct file **out)
{
	struct inode *i = NULL;
	int rc;
	u32 acc = flags & O_ACCMODE;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	mutex_lock(&vfs_lock);
	if (flags & O_CREAT) {
		struct inode *dir;
		char last[NAME_MAX + 1];
		bool slash;
		rc = vfs_walk_parent(dirfd, path, &dir, last, &slash);
		if (rc)
			goto out;
		if (slash || !strcmp(last, ".") || !strcmp(last, "..")) {
			inode_put(dir);
			rc = -EISDIR;
			goto out;
		}
		struct inode *found = NULL;
		rc = dir->iops && dir->iops->lookup ? dir->iops->lookup(dir, last, &found) : -ENOTDIR;
		if (rc == -ENOENT) {
			rc = vfs_permission(dir, MAY_WRITE | MAY_EXEC);
			if (!rc && !dir->iops->create)
				rc = -EROFS;
			struct thread *t = current_thread();
			u32 um = t && t->fs ? t->fs->umask : 022;
			if (!rc)
				rc = dir->iops->create(dir, last, S_IFREG | (mode & 07777 & ~um), 0,
						       NULL, &i);
			inode_put(dir);
			if (rc)
				goto out;
			flags &= ~(u32)O_TRUNC;         /* nothing to truncate */
		} else if (rc) {
			inode_put(dir);
			goto out;
		} else {
			found = lookup_cross_mounts(found);
			if (flags & O_EXCL) {
				inode_put(found);
				inode_put(dir);
				rc = -EEXIST;
				goto out;
			}
			if (S_ISLNK(found->mode)) {
				if (flags & O_NOFOLLOW) {
					inode_put(found);
					inode_put(dir);
					rc = -ELOOP;
					goto out;
				}
				int links = 0;
				rc = lookup_follow(&found, dir, &links);
				if (rc) {
					inode_put(found);
					inode_put(dir);
					goto out;
				}
			}
			inode_put(dir);
			i = found;
		}
	} else {
		rc = vfs_walk(dirfd, path, (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &i);
		if (rc)
			goto out;
		if (S_ISLNK(i->mode) && !(flags & O_PATH)) {
			rc = -ELOOP;            /* O_NOFOLLOW on a symlink */
			goto drop;
		}
	}
	if ((flags & O_DIRECTORY) && !S_ISDIR(i->mode)) {
		rc = -ENOTDIR;
		goto drop;
	}
	if (S_ISDIR(i->mode) && (acc != O_RDONLY || (flags & O_CREAT))) {
		rc = -EISDIR;
		goto drop;
	}
	if (!(flags & O_PATH)) {
		int mask = (acc == O_RDONLY ? MAY_READ : acc == O_WRONLY ? MAY_WRITE
							   : MAY_READ | MAY_WRITE);
		if (flags & O_TRUNC)
			mask |= MAY_WRITE;
		rc = vfs_permission(i, mask);
		if (rc)
			goto drop;
	}
	mutex_unlock(&vfs_lock);
	if ((flags & O_TRUNC) && S_ISREG(i->mode) && acc != O_RDONLY && i->iops->truncate) {
		mutex_lock(&i->lock);
		rc = i->iops->truncate(i, 0);
		if (!rc)
			inode_touch(i, true);
		mutex_unlock(&i->lock);
		if (rc) {
			inode_put(i);
			return rc;
		}
	}
	rc = (int)vfs_open_inode(i, flags, out);
	inode_put(i);
	if (!rc) {
		/* The file's own name where its file system keeps one (symlinks
		 * followed, as Linux's d_path), else the path as given. */
		mutex_lock(&vfs_lock);
		char *p = kmalloc(PATH_MAX);
		if (p && vfs_inode_path((*out)->inode, p, PATH_MAX) > 0) {
			(*out)->path = p;
		} else {
			kfree(p);
			(*out)->path = vfs_abs_path(dirfd, path);
		}
		mutex_unlock(&vfs_lock);
	}
	return rc;
drop:
	inode_put(i);
out:
	mutex_unlock(&vfs_lock);
	return rc;
}

long vfs_read_all(struct inode *i, void **buf, size_t *len)
{
	if (!S_ISREG(i->mode) || !i->iops || !i->iops->read_kernel)
		return -EACCES;
	mutex_lock(&i->lock);
	u64 size = i->size;
	u8 *b = size ? kmalloc(size) : NULL;
	long rc = 0;
	if (size && !b)
		rc = -ENOMEM;
	else if (size)
		rc = i->iops->read_kernel(i, 0, b, size);
	mutex_unlock(&i->lock);
	if (rc < 0) {
		kfree(b);
		return rc;
	}
	*buf = b;
	*len = (size_t)rc;
	return 0;
}
