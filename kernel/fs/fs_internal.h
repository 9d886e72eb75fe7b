/* Shared by the VFS core (vfs.c) and mounts (mount.c): the root file
 * system and the mount list, both under vfs_lock. */
#pragma once
#include <kernel/vfs.h>

extern struct inode *root_inode;
extern struct mount *mounts;            /* newest first */
