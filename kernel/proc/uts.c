/* The system's names: uname, sethostname, setdomainname (and
 * /proc/sys/kernel/hostname through uts_*_hostname). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/utsname.h>

struct new_utsname {
	char sysname[UTS_LEN + 1], nodename[UTS_LEN + 1], release[UTS_LEN + 1];
	char version[UTS_LEN + 1], machine[UTS_LEN + 1], domainname[UTS_LEN + 1];
};

static spinlock_t uts_lock = SPINLOCK_INIT("uts");
static char hostname[UTS_LEN + 1] = "(none)";
static char domainname[UTS_LEN + 1] = "(none)";

void uts_get_hostname(char *buf, size_t size)
{
	irqflags_t f = spin_lock_irqsave(&uts_lock);
	strlcpy(buf, hostname, size);
	spin_unlock_irqrestore(&uts_lock, f);
}

static int set_name(char *dst, const char *src, size_t len)
{
	if (len > UTS_LEN)
		return -EINVAL;
	irqflags_t f = spin_lock_irqsave(&uts_lock);
	memcpy(dst, src, len);
	dst[len] = 0;
	spin_unlock_irqrestore(&uts_lock, f);
	return 0;
}

int uts_set_hostname(const char *name, size_t len)
{
	return set_name(hostname, name, len);
}

SYSCALL_DEFINE(uname)
{
	struct new_utsname u;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, UTS_SYSNAME, sizeof(u.sysname));
	strlcpy(u.release, UTS_RELEASE, sizeof(u.release));
	strlcpy(u.version, UTS_VERSION, sizeof(u.version));
	strlcpy(u.machine, UTS_MACHINE, sizeof(u.machine));
	irqflags_t f = spin_lock_irqsave(&uts_lock);
	strlcpy(u.nodename, hostname, sizeof(u.nodename));
	strlcpy(u.domainname, domainname, sizeof(u.domainname));
	spin_unlock_irqrestore(&uts_lock, f);
	return copy_to_user(a0, &u, sizeof(u)) ? -EFAULT : 0;
}

/* Linux: CAP_SYS_ADMIN first, then the length, then the copy. */
static long set_from_user(char *dst, u64 uname, u64 len)
{
	if (current_proc()->cred.euid != 0)
		return -EPERM;
	if (len > UTS_LEN)
		return -EINVAL;
	char tmp[UTS_LEN];
	if (copy_from_user(tmp, uname, len))
		return -EFAULT;
	return set_name(dst, tmp, len);
}

SYSCALL_DEFINE(sethostname)
{
	return set_from_user(hostname, a0, a1);
}

SYSCALL_DEFINE(setdomainname)
{
	return set_from_user(domainname, a0, a1);
}
