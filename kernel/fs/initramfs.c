/* Unpack the initramfs: a cpio archive in the "newc" format (what Linux's
 * initramfs uses and scripts/mkinitramfs.py writes) into the root tmpfs.
 * Each entry is a 110-byte header of ASCII hex fields, the name and the
 * data, each padded to 4 bytes; "TRAILER!!!" ends it. Directories, regular
 * files, symlinks, device nodes and FIFOs are made with their mode and
 * owner. A malformed archive stops the unpacking with -EINVAL; what was
 * unpacked before stays. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/heap.h>
#include <kernel/printk.h>
#include <kernel/vfs.h>

#define HDR 110

static bool hex8(const char *p, u32 *out)
{
	u32 v = 0;
	for (int k = 0; k < 8; k++) {
		char c = p[k];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (u32)d;
	}
	*out = v;
	return true;
}

int vfs_make_node(const char *path, u32 mode, u32 uid, u32 gid, u64 rdev, const u8 *data,
		      u32 size)
{
	struct inode *dir, *i = NULL;
	char last[NAME_MAX + 1];
	bool slash;
	mutex_lock(&vfs_lock);
	int rc = vfs_walk_parent(AT_FDCWD, path, &dir, last, &slash);
	if (rc) {
		mutex_unlock(&vfs_lock);
		return rc;
	}
	if (!strcmp(last, ".") || !strcmp(last, "..")) {
		inode_put(dir);         /* "." names the root itself: nothing to make */
		mutex_unlock(&vfs_lock);
		return 0;
	}
	char *link = NULL;
	if (S_ISLNK(mode)) {
		link = kmalloc(size + 1);
		if (!link) {
			inode_put(dir);
			mutex_unlock(&vfs_lock);
			return -ENOMEM;
		}
		memcpy(link, data, size);
		link[size] = 0;
	}
	rc = dir->iops && dir->iops->create ? dir->iops->create(dir, last, mode, rdev, link, &i)
					    : -ENOTDIR;
	kfree(link);
	inode_put(dir);
	mutex_unlock(&vfs_lock);
	if (rc)
		return rc;
	i->uid = uid;
	i->gid = gid;
	if (S_ISREG(mode) && size) {
		mutex_lock(&i->lock);
		long n = i->iops->write_kernel(i, 0, data, size);
		mutex_unlock(&i->lock);
		if (n < 0)
			rc = (int)n;
	}
	inode_put(i);
	return rc;
}

int initramfs_unpack(const void *archive, size_t len)
{
	const u8 *base = archive;
	size_t off = 0;
	int files = 0;
	char path[PATH_MAX];
	for (;;) {
		if (len - off < HDR || memcmp(base + off, "070701", 6))
			return -EINVAL;
		const char *h = (const char *)base + off;
		u32 f[13];
		for (int k = 0; k < 13; k++)
			if (!hex8(h + 6 + 8 * k, &f[k]))
				return -EINVAL;
		/* ino mode uid gid nlink mtime filesize devmajor devminor
		 * rdevmajor rdevminor namesize check */
		u32 mode = f[1], size = f[6], namesize = f[11];
		size_t name_off = off + HDR;
		if (namesize == 0 || namesize > PATH_MAX - 1 || namesize > len - name_off ||
		    base[name_off + namesize - 1] != 0)
			return -EINVAL;
		size_t data_off = ALIGN_UP(name_off + namesize, 4);
		if (data_off > len || size > len - data_off)
			return -EINVAL;
		const char *name = (const char *)base + name_off;
		if (!strcmp(name, "TRAILER!!!"))
			break;
		path[0] = '/';
		strlcpy(path + 1, name[0] == '/' ? name + 1 : name, sizeof(path) - 1);
		int rc = vfs_make_node(path, mode, f[2], f[3], MKDEV(f[9], f[10]), base + data_off, size);
		if (rc && !(rc == -EEXIST && S_ISDIR(mode))) {
			printk("initramfs: %s: error %d\n", path, rc);
			return rc;
		}
		files++;
		off = ALIGN_UP(data_off + size, 4);
		if (off > len)
			return -EINVAL;
	}
	return files;
}
