/* Shared by tmpfs's core (ramfs.c: creation, directories, symlinks,
 * devices) and its regular files (ramfs_file.c): a file's data, the
 * accounting of pages against the file system's size, and the tables
 * new_inode gives regular files and directories. */
#pragma once
#include <kernel/file.h>
#include <kernel/vfs.h>

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

/* A regular file's data (its inode's priv). */
struct data_r {
	paddr_t *pages;                 /* NULL entries are holes */
	size_t cap;
};

/* Account pages (negative: released) against the file system's size
 * (ramfs.c): -ENOSPC if it would be exceeded. */
int ramfs_charge(struct super_block *sb, long pages);

/* Regular files (ramfs_file.c) and directories (ramfs.c). */
extern const struct inode_ops ramfs_file_iops;
extern const struct file_ops ramfs_file_ops, ramfs_dir_ops;
