/* ioctl request encoding of the Linux user ABI (x86_64, the asm-generic
 * layout): bits 0-7 number, 8-15 type, 16-29 argument size, 30-31
 * direction. The guard name matches Linux's so the two never both apply. */
#ifndef _LINUX_IOCTL_H
#define _LINUX_IOCTL_H

#define _IOC_NRBITS   8
#define _IOC_TYPEBITS 8
#define _IOC_SIZEBITS 14
#define _IOC_DIRBITS  2

#define _IOC_NRSHIFT   0
#define _IOC_TYPESHIFT (_IOC_NRSHIFT + _IOC_NRBITS)
#define _IOC_SIZESHIFT (_IOC_TYPESHIFT + _IOC_TYPEBITS)
#define _IOC_DIRSHIFT  (_IOC_SIZESHIFT + _IOC_SIZEBITS)

#define _IOC_NRMASK   ((1 << _IOC_NRBITS) - 1)
#define _IOC_TYPEMASK ((1 << _IOC_TYPEBITS) - 1)
#define _IOC_SIZEMASK ((1 << _IOC_SIZEBITS) - 1)
#define _IOC_DIRMASK  ((1 << _IOC_DIRBITS) - 1)

#ifndef _IOC_NONE
#define _IOC_NONE  0U
#define _IOC_WRITE 1U
#define _IOC_READ  2U
#endif

/* musl's <sys/ioctl.h> defines the same encoding under these names; the
 * values agree, so keep whichever came first (no redefinition warnings). */
#ifndef _IOC
#define _IOC(dir, type, nr, size)                 \
	(((dir) << _IOC_DIRSHIFT) |               \
	 ((type) << _IOC_TYPESHIFT) |             \
	 ((nr) << _IOC_NRSHIFT) |                 \
	 ((size) << _IOC_SIZESHIFT))
#endif

#define _IOC_TYPECHECK(t) (sizeof(t))

#ifndef _IO
#define _IO(type, nr)         _IOC(_IOC_NONE, (type), (nr), 0)
#define _IOR(type, nr, arg)   _IOC(_IOC_READ, (type), (nr), (_IOC_TYPECHECK(arg)))
#define _IOW(type, nr, arg)   _IOC(_IOC_WRITE, (type), (nr), (_IOC_TYPECHECK(arg)))
#define _IOWR(type, nr, arg)  _IOC(_IOC_READ | _IOC_WRITE, (type), (nr), (_IOC_TYPECHECK(arg)))
#endif

#define _IOC_DIR(nr)  (((nr) >> _IOC_DIRSHIFT) & _IOC_DIRMASK)
#define _IOC_TYPE(nr) (((nr) >> _IOC_TYPESHIFT) & _IOC_TYPEMASK)
#define _IOC_NR(nr)   (((nr) >> _IOC_NRSHIFT) & _IOC_NRMASK)
#define _IOC_SIZE(nr) (((nr) >> _IOC_SIZESHIFT) & _IOC_SIZEMASK)

#endif /* _LINUX_IOCTL_H */
