/* Path lookup: walking a path from the root, the cwd or a directory fd,
 * one component at a time, and the names of inodes back as paths. Apart
 * from vfs.c because it is its largest part; opening (vfs.c) shares
 * crossing mounts and following symlinks (fs_internal.h). Lookup follows
 * Linux's rules: "." and "..", symlinks (at most 40 on one walk), a
 * trailing slash requires a directory, ".." at a mount's root climbs to
 * the mount point, ".." at the root stays there. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>
#include "fs_internal.h"

/* The directory a walk of thread t starts from: its root, cwd, or an fd's. */
static int walk_start(int dirfd, bool absolute, struct inode **out)
{
	struct thread *t = current_thread();
	struct fs_info *fs = t ? t->fs : NULL;
	if (absolute || (!fs && dirfd == AT_FDCWD)) {
		*out = fs ? fs->root : root_inode;
	} else if (dirfd == AT_FDCWD) {
		*out = fs->cwd;
	} else {
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		struct inode *i = f->inode;
		if (i)
			inode_get(i);
		file_put(f);
		if (!i)
			return -ENOTDIR;
		*out = i;
		return 0;
	}
	inode_get(*out);
	return 0;
}

static struct inode *proc_root(void)
{
	struct thread *t = current_thread();
	return t && t->fs ? t->fs->root : root_inode;
}

/* ".." of dir (a reference is taken on the result). */
static struct inode *dotdot(struct inode *dir)
{
	for (;;) {
		if (dir == proc_root() || dir == root_inode)
			break;
		struct mount *m = NULL;
		for (struct mount *x = mounts; x; x = x->next)
			if (x->root == dir)
				m = x;
		if (!m)
			break;
		dir = m->mountpoint;    /* then the mount point's parent */
	}
	struct inode *up = (dir == proc_root() || dir == root_inode || !dir->parent) ? dir
											: dir->parent;
	inode_get(up);
	return up;
}

/* What is mounted on i, if anything (its root, with a reference). */
struct inode *lookup_cross_mounts(struct inode *i)
{
	while (i->mounted) {
		struct inode *r = i->mounted->root;
		inode_get(r);
		inode_put(i);
		i = r;
	}
	return i;
}

/* One component from *cur (a directory, a reference) to its child. */
static int step(struct inode **cur, const char *name, size_t len)
{
	struct inode *dir = *cur;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	int rc = vfs_permission(dir, MAY_EXEC);
	if (rc)
		return rc;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	struct inode *next;
	if (len == 1 && name[0] == '.') {
		return 0;
	} else if (len == 2 && name[0] == '.' && name[1] == '.') {
		next = dotdot(dir);
	} else {
		char nm[NAME_MAX + 1];
		memcpy(nm, name, len);
		nm[len] = 0;
		if (!dir->iops || !dir->iops->lookup)
			return -ENOTDIR;
		rc = dir->iops->lookup(dir, nm, &next);
		if (rc)
			return rc;
		next = lookup_cross_mounts(next);
	}
	inode_put(dir);
	*cur = next;
	return 0;
}

static int walk_from(struct inode **cur, const char *path, bool follow_last, int *links);

/* *cur is a symlink found in directory dir: replace it with its target. */
int lookup_follow(struct inode **cur, struct inode *dir, int *links)
{
	if (++*links > MAXSYMLINKS)
		return -ELOOP;
	struct inode *link = *cur;
	char *target = kmalloc(PATH_MAX);
	if (!target)
		return -ENOMEM;
	long n = link->iops && link->iops->readlink ? link->iops->readlink(link, target, PATH_MAX - 1)
						     : -EINVAL;
	if (n < 0) {
		kfree(target);
		return (int)n;
	}
	target[n] = 0;
	if (n == 0) {
		kfree(target);
		return -ENOENT;
	}
	struct inode *start = target[0] == '/' ? proc_root() : dir;
	inode_get(start);
	int rc = walk_from(&start, target, true, links);
	kfree(target);
	if (rc) {
		inode_put(start);
		return rc;
	}
	inode_put(link);
	*cur = start;
	return 0;
}

/* Walk path from *cur (a reference, replaced by the result). */
static int walk_from(struct inode **cur, const char *path, bool follow_last, int *links)
{
	const char *p = path;
	while (*p == '/')
		p++;
	while (*p) {
		const char *e = p;
		while (*e && *e != '/')
			e++;
		const char *rest = e;
		while (*rest == '/')
			rest++;
		bool last = !*rest;
		bool slash = *e == '/';         /* a trailing slash follows too */
		struct inode *dir = *cur;
		inode_get(dir);
		int rc = step(cur, p, (size_t)(e - p));
		if (!rc && S_ISLNK((*cur)->mode) && (!last || follow_last || slash))
			rc = lookup_follow(cur, dir, links);
		inode_put(dir);
		if (rc)
			return rc;
		if (slash && last && !S_ISDIR((*cur)->mode))
			return -ENOTDIR;
		p = rest;
	}
	return 0;
}

int vfs_walk(int dirfd, const char *path, unsigned flags, struct inode **out)
{
	if (!path[0] && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	struct inode *cur;
	int rc = walk_start(dirfd, path[0] == '/', &cur);
	if (rc)
		return rc;
	int links = 0;
	rc = walk_from(&cur, path, flags & LOOKUP_FOLLOW, &links);
	if (!rc && (flags & LOOKUP_DIRECTORY) && !S_ISDIR(cur->mode))
		rc = -ENOTDIR;
	if (rc) {
		inode_put(cur);
		return rc;
	}
	*out = cur;
	return 0;
}

int vfs_walk_parent(int dirfd, const char *path, struct inode **dir, char *last,
		    bool *trailing_slash)
{
	if (!path[0])
		return -ENOENT;
	size_t n = strlen(path);
	size_t end = n;
	while (end > 0 && path[end - 1] == '/')
		end--;
	*trailing_slash = end < n;
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end - start > NAME_MAX)
		return -ENAMETOOLONG;
	if (end == start) {             /* "/" or "///": the root itself */
		memcpy(last, ".", 2);
	} else {
		memcpy(last, path + start, end - start);
		last[end - start] = 0;
	}
	char *head = kmalloc(start + 1);
	if (!head)
		return -ENOMEM;
	memcpy(head, path, start);
	head[start] = 0;
	struct inode *cur;
	int rc = walk_start(dirfd, path[0] == '/', &cur);
	if (rc) {
		kfree(head);
		return rc;
	}
	int links = 0;
	rc = walk_from(&cur, head, true, &links);
	kfree(head);
	if (!rc && !S_ISDIR(cur->mode))
		rc = -ENOTDIR;
	if (rc) {
		inode_put(cur);
		return rc;
	}
	*dir = cur;
	return 0;
}

long path_from_user(u64 upath, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	long n = strncpy_from_user(buf, upath, PATH_MAX);
	if (n < 0) {
		kfree(buf);
		return n;
	}
	if (n >= PATH_MAX) {
		kfree(buf);
		return -ENAMETOOLONG;
	}
	*out = buf;
	return 0;
}

long vfs_dir_path(struct inode *d, char *buf, size_t size)
{
	/* Collect names from d up to the root, then write them in order. */
	const char *names[64];
	int depth = 0;
	struct inode *root = proc_root();
	while (d != root && d != root_inode && depth < 64) {
		struct mount *m = NULL;
		for (struct mount *x = mounts; x; x = x->next)
			if (x->root == d)
				m = x;
		if (m) {
			d = m->mountpoint;
			continue;
		}
		if (!d->parent || !d->name)
			break;
		names[depth++] = d->name;
		d = d->parent;
	}
	if (depth == 64)
		return -ENAMETOOLONG;
	size_t len = 0;
	if (depth == 0) {
		if (size < 2)
			return -ERANGE;
		memcpy(buf, "/", 2);
		return 1;
	}
	for (int k = depth - 1; k >= 0; k--) {
		size_t nl = strlen(names[k]);
		if (len + 1 + nl + 1 > size)
			return -ERANGE;
		buf[len++] = '/';
		memcpy(buf + len, names[k], nl);
		len += nl;
	}
	buf[len] = 0;
	return (long)len;
}

long vfs_inode_path(struct inode *i, char *buf, size_t size)
{
	if (S_ISDIR(i->mode))
		return vfs_dir_path(i, buf, size);
	if (!i->parent || !i->name)
		return -ENOENT;
	long n = vfs_dir_path(i->parent, buf, size);
	if (n < 0)
		return n;
	size_t len = strlen(i->name), at = n == 1 ? 0 : (size_t)n;   /* "/" + name */
	if (at + 1 + len + 1 > size)
		return -ERANGE;
	buf[at] = '/';
	memcpy(buf + at + 1, i->name, len + 1);
	return (long)(at + 1 + len);
}

/* Append component name (len bytes) to the absolute path in buf (length
 * *n), applying "." and ".." lexically. */
static void path_push(char *buf, size_t *n, const char *name, size_t len, size_t size)
{
	if (len == 0 || (len == 1 && name[0] == '.'))
		return;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		while (*n > 1 && buf[*n - 1] != '/')
			(*n)--;
		if (*n > 1)
			(*n)--;
		buf[*n] = 0;
		return;
	}
	if (*n + 1 + len + 1 > size)
		return;
	if (*n > 1)
		buf[(*n)++] = '/';
	memcpy(buf + *n, name, len);
	*n += len;
	buf[*n] = 0;
}

char *vfs_abs_path(int dirfd, const char *path)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return NULL;
	size_t n = 1;
	buf[0] = '/';
	buf[1] = 0;
	if (path[0] != '/') {
		struct inode *start;
		if (!walk_start(dirfd, false, &start)) {
			long l = vfs_dir_path(start, buf, PATH_MAX);
			inode_put(start);
			n = l > 0 ? (size_t)l : 1;
			if (l <= 0)
				buf[1] = 0;
		}
	}
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		path_push(buf, &n, p, (size_t)(e - p), PATH_MAX);
		p = e;
	}
	return buf;
}
