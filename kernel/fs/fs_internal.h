/* Shared by the VFS core (vfs.c), path lookup (lookup.c) and mounts
 * (mount.c): the root file system and the mount list, both under
 * vfs_lock, and the lookup steps that opening a file reuses. */
#pragma once
#include <kernel/vfs.h>

extern struct inode *root_inode;
extern struct mount *mounts;            /* newest first */

/* Lookup (lookup.c), vfs_lock held. What is mounted on i, if anything
 * (its root, with a reference; i's reference is dropped). */
struct inode *lookup_cross_mounts(struct inode *i);
/* *cur is a symlink found in directory dir: replace it with its target
 * (*links counts the symlinks of the walk, -ELOOP past MAXSYMLINKS). */
int lookup_follow(struct inode **cur, struct inode *dir, int *links);
