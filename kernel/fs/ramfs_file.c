/* tmpfs's regular files: data kept in frames (holes read as zeros),
 * read/write/seek, truncation, and mmap (private copies or the file's own
 * frames). Apart from ramfs.c (creation, directories, symlinks, devices)
 * because it is the larger half and shares only a file's data (struct
 * data_r) and the page accounting (ramfs_internal.h) with it. Data and
 * size change under the inode's mutex. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>
#include "ramfs_internal.h"

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
	ramfs_charge(i->sb, -freed);
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
		if (ramfs_charge(i->sb, 1))
			return -ENOSPC;
		r->pages[index] = frame_alloc();
		if (!r->pages[index]) {
			ramfs_charge(i->sb, -1);
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

const struct inode_ops ramfs_file_iops = {
	.read_kernel = file_read_kernel,
	.write_kernel = file_write_kernel,
	.truncate = file_truncate,
	.evict = file_evict,
};
