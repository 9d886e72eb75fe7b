/* Looking at files: stat, lstat, fstat, newfstatat, statx, statfs,
 * fstatfs, and reading directories with getdents64. Files that have no
 * inode (perf events, BPF maps, pipes) are described from the file
 * itself, as Linux describes its anonymous inodes. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>

#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000
#define ANON_DEV 0xd                    /* st_dev of inode-less files */

/* struct stat on x86_64 (144 bytes). */
struct kstat {
	u64 st_dev, st_ino, st_nlink;
	u32 st_mode, st_uid, st_gid, pad0;
	u64 st_rdev;
	s64 st_size, st_blksize, st_blocks;
	u64 st_atime, st_atime_ns, st_mtime, st_mtime_ns, st_ctime, st_ctime_ns;
	s64 unused[3];
};

/* The user's encoding of a device number (new_encode_dev). */
static u64 encode_dev(u64 dev)
{
	u64 major = dev >> 8, minor = dev & 0xff;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffull) << 12);
}

static void fill_stat(struct kstat *st, struct inode *i)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = encode_dev(i->sb->dev);
	st->st_ino = i->ino;
	st->st_nlink = i->nlink;
	st->st_mode = i->mode;
	st->st_uid = i->uid;
	st->st_gid = i->gid;
	st->st_rdev = encode_dev(i->rdev);
	st->st_size = (s64)i->size;
	st->st_blksize = 4096;
	st->st_blocks = (s64)(ALIGN_UP(i->size, 4096) / 512);
	st->st_atime = i->atime_ns / NSEC_PER_SEC;
	st->st_atime_ns = i->atime_ns % NSEC_PER_SEC;
	st->st_mtime = i->mtime_ns / NSEC_PER_SEC;
	st->st_mtime_ns = i->mtime_ns % NSEC_PER_SEC;
	st->st_ctime = i->ctime_ns / NSEC_PER_SEC;
	st->st_ctime_ns = i->ctime_ns % NSEC_PER_SEC;
}

static void fill_anon(struct kstat *st, struct file *f)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = ANON_DEV;
	st->st_mode = f->mode ? f->mode : 0600;
	st->st_rdev = encode_dev(f->rdev);
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_ino = ((u64)f >> 4) & 0xffffffff;
}

/* Whatever path/fd/flags name, as a struct stat. */
static long stat_at(int dirfd, u64 upath, int flags, struct kstat *st)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	char *path;
	long rc = path_from_user(upath, &path);
	if (rc)
		return rc;
	if (!path[0] && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		struct file *f = fd_get(dirfd);
		kfree(path);
		if (!f)
			return -EBADF;
		if (f->inode)
			fill_stat(st, f->inode);
		else
			fill_anon(st, f);
		file_put(f);
		return 0;
	}
	struct inode *i;
	mutex_lock(&vfs_lock);
	rc = vfs_walk(dirfd, path, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				  ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &i);
	mutex_unlock(&vfs_lock);
	kfree(path);
	if (rc)
		return rc;
	mutex_lock(&i->lock);
	fill_stat(st, i);
	mutex_unlock(&i->lock);
	inode_put(i);
	return 0;
}

static long put_stat(long rc, u64 ubuf, const struct kstat *st)
{
	if (rc)
		return rc;
	return copy_to_user(ubuf, st, sizeof(*st)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(stat)
{
	struct kstat st;
	return put_stat(stat_at(AT_FDCWD, a0, 0, &st), a1, &st);
}

SYSCALL_DEFINE(lstat)
{
	struct kstat st;
	return put_stat(stat_at(AT_FDCWD, a0, AT_SYMLINK_NOFOLLOW, &st), a1, &st);
}

SYSCALL_DEFINE(newfstatat)
{
	struct kstat st;
	return put_stat(stat_at((int)a0, a1, (int)a3, &st), a2, &st);
}

SYSCALL_DEFINE(fstat)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct kstat st;
	if (f->inode)
		fill_stat(&st, f->inode);
	else
		fill_anon(&st, f);
	file_put(f);
	return put_stat(0, a1, &st);
}

/* struct statx (256 bytes). */
struct kstatx_ts {
	s64 sec;
	u32 nsec;
	s32 pad;
};
struct kstatx {
	u32 mask, blksize;
	u64 attributes;
	u32 nlink, uid, gid;
	u16 mode, pad1;
	u64 ino, size, blocks, attributes_mask;
	struct kstatx_ts atime, btime, ctime, mtime;
	u32 rdev_major, rdev_minor, dev_major, dev_minor;
	u64 mnt_id;
	u32 dio_mem_align, dio_offset_align;
	u64 spare[12];
};

#define STATX_BASIC_STATS 0x07ff
#define STATX__RESERVED   0x80000000u

SYSCALL_DEFINE(statx)
{
	int dirfd = (int)a0, flags = (int)a2;
	u32 mask = (u32)a3;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	struct kstat st;
	long rc = stat_at(dirfd, a1, flags, &st);
	if (rc)
		return rc;
	struct kstatx sx;
	memset(&sx, 0, sizeof(sx));
	sx.mask = STATX_BASIC_STATS;
	sx.blksize = (u32)st.st_blksize;
	sx.nlink = (u32)st.st_nlink;
	sx.uid = st.st_uid;
	sx.gid = st.st_gid;
	sx.mode = (u16)st.st_mode;
	sx.ino = st.st_ino;
	sx.size = (u64)st.st_size;
	sx.blocks = (u64)st.st_blocks;
	sx.atime = (struct kstatx_ts){ (s64)st.st_atime, (u32)st.st_atime_ns, 0 };
	sx.mtime = (struct kstatx_ts){ (s64)st.st_mtime, (u32)st.st_mtime_ns, 0 };
	sx.ctime = (struct kstatx_ts){ (s64)st.st_ctime, (u32)st.st_ctime_ns, 0 };
	sx.rdev_major = (u32)((st.st_rdev >> 8) & 0xfff);
	sx.rdev_minor = (u32)((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & 0xfff00));
	sx.dev_major = (u32)((st.st_dev >> 8) & 0xfff);
	sx.dev_minor = (u32)((st.st_dev & 0xff) | ((st.st_dev >> 12) & 0xfff00));
	return copy_to_user(a4, &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* struct statfs (120 bytes on x86_64). */
struct kstatfs {
	s64 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	s64 f_namelen, f_frsize, f_flags, f_spare[4];
};

static void fill_statfs(struct kstatfs *s, struct super_block *sb)
{
	memset(s, 0, sizeof(*s));
	s->f_type = sb->magic;
	s->f_bsize = 4096;
	s->f_frsize = 4096;
	s->f_blocks = sb->max_bytes / 4096;
	s->f_bfree = s->f_bavail = (sb->max_bytes - MIN(sb->used_bytes, sb->max_bytes)) / 4096;
	s->f_files = 1 << 20;
	s->f_ffree = (1 << 20) - MIN(sb->next_ino, (u64)(1 << 20));
	s->f_namelen = NAME_MAX;
	s->f_fsid[0] = (s32)sb->dev;
}

SYSCALL_DEFINE(statfs)
{
	struct inode *i;
	char *path;
	long rc = path_from_user(a0, &path);
	if (rc)
		return rc;
	mutex_lock(&vfs_lock);
	rc = vfs_walk(AT_FDCWD, path, LOOKUP_FOLLOW, &i);
	mutex_unlock(&vfs_lock);
	kfree(path);
	if (rc)
		return rc;
	struct kstatfs s;
	fill_statfs(&s, i->sb);
	inode_put(i);
	return copy_to_user(a1, &s, sizeof(s)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(fstatfs)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct kstatfs s;
	long rc = 0;
	if (f->inode)
		fill_statfs(&s, f->inode->sb);
	else
		rc = -EINVAL;
	file_put(f);
	return rc ? rc : (copy_to_user(a1, &s, sizeof(s)) ? -EFAULT : 0);
}

/* --- getdents64 ------------------------------------------------------------------ */

struct dirent_ctx {
	u8 *buf;                /* a kernel bounce buffer */
	size_t size, used;
	bool refused;           /* an entry did not fit */
};

static bool emit(void *arg, const char *name, size_t len, u64 ino, unsigned type, u64 next)
{
	struct dirent_ctx *c = arg;
	size_t reclen = ALIGN_UP(19 + len + 1, 8);     /* ino, off, reclen, type, name */
	if (c->used + reclen > c->size) {
		c->refused = true;
		return false;
	}
	u8 *d = c->buf + c->used;
	memset(d, 0, reclen);
	*(u64 *)d = ino;
	*(u64 *)(d + 8) = next;                        /* d_off: where the next starts */
	*(u16 *)(d + 16) = (u16)reclen;
	d[18] = (u8)type;
	memcpy(d + 19, name, len);
	c->used += reclen;
	return true;
}

SYSCALL_DEFINE(getdents64)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct inode *i = f->inode;
	long rc;
	if (!i || !S_ISDIR(i->mode) || !i->iops->readdir) {
		rc = -ENOTDIR;
	} else {
		size_t size = MIN((size_t)a2, (size_t)65536);
		struct dirent_ctx c = { kmalloc(size ? size : 1), size, 0, false };
		if (!c.buf) {
			rc = -ENOMEM;
		} else {
			mutex_lock(&vfs_lock);
			rc = i->iops->readdir(i, &f->pos, emit, &c);
			mutex_unlock(&vfs_lock);
			if (!rc && !c.used && c.refused)
				rc = -EINVAL;   /* too small for the next entry */
			if (!rc)
				rc = copy_to_user(a1, c.buf, c.used) ? -EFAULT : (long)c.used;
			kfree(c.buf);
		}
	}
	file_put(f);
	return rc;
}
