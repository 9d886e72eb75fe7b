/* bpf(2) through the real syscall: map creation, object info, element
 * commands, program loading and PERF_EVENT_IOC_SET_BPF, each errno as
 * Linux gives it. Every case that means something on Linux runs there too
 * (gcc build, see user/bpf/rules.mk) and passes on Linux 6.18; cases about
 * Ringtail's built-in handlers are skipped on Linux. */
#include <sys/epoll.h>
#include <sys/stat.h>
#include "bpf_test.h"

static union bpf_attr map_attr(__u32 type, __u32 key, __u32 value, __u32 max, __u32 flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	a.map_flags = flags;
	return a;
}

/* Creates the map (closing it again if it was made): 0 or -errno. */
static long try_create(const union bpf_attr *a)
{
	long fd = sys_bpf(BPF_MAP_CREATE, a, sizeof(*a));
	if (fd >= 0) {
		close((int)fd);
		return 0;
	}
	return fd;
}

/* Two fds that are neither bpf objects nor perf events (Ringtail has no
 * pipes: epoll instances). 0 or -1. */
static int other_fds(int p[2])
{
	p[0] = epoll_create1(EPOLL_CLOEXEC);
	p[1] = epoll_create1(EPOLL_CLOEXEC);
	return p[0] >= 0 && p[1] >= 0 ? 0 : -1;
}

static int cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl >= 0 && (fl & FD_CLOEXEC);
}

/* --- BPF_MAP_CREATE ------------------------------------------------------- */

static void t_create_ok(void)
{
	union bpf_attr a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, 0);
	long fd = sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	if (EXPECT_GE(fd, 0)) {
		EXPECT_TRUE(cloexec((int)fd));   /* bpf(2) fds are always O_CLOEXEC */
		close((int)fd);
	}
	a = map_attr(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 16 * PG, 0);
	EXPECT_EQ(try_create(&a), 0);
	a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 20, BPF_F_NUMA_NODE);
	EXPECT_EQ(try_create(&a), 0);
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 64, 0);
	EXPECT_EQ(try_create(&a), 0);
	/* A shorter attr than the kernel's: the rest reads as zero. */
	a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, 0);
	fd = sys_bpf(BPF_MAP_CREATE, &a, 16);
	if (EXPECT_GE(fd, 0))
		close((int)fd);
}

static void t_create_bad_type(void)
{
	union bpf_attr a = map_attr(9999, 0, 0, PG, 0);
	EXPECT_ERRNO(try_create(&a), EINVAL);
	a = map_attr(BPF_MAP_TYPE_UNSPEC, 0, 0, PG, 0);
	EXPECT_ERRNO(try_create(&a), EINVAL);
	a = map_attr(0x7fffffff, 4, 4, 1, 0);
	EXPECT_ERRNO(try_create(&a), EINVAL);
}

static void t_create_ring_sizes(void)
{
	static const __u32 types[] = { BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_USER_RINGBUF };
	for (int t = 0; t < 2; t++) {
		union bpf_attr a = map_attr(types[t], 4, 0, PG, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);             /* key_size */
		a = map_attr(types[t], 0, 4, PG, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);             /* value_size */
		a = map_attr(types[t], 4, 4, PG, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);
		a = map_attr(types[t], 0, 0, 0, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);             /* max_entries 0 */
		a = map_attr(types[t], 0, 0, 3 * PG, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);             /* not a power of 2 */
		a = map_attr(types[t], 0, 0, PG + 8, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);
		a = map_attr(types[t], 0, 0, 2048, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);             /* not a page multiple */
		a = map_attr(types[t], 0, 0, 8, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);
		a = map_attr(types[t], 0, 0, 0x80000001u, 0);
		EXPECT_ERRNO(try_create(&a), EINVAL);
	}
}

static void t_create_bad_flags(void)
{
	static const __u32 bad[] = { BPF_F_NO_PREALLOC, BPF_F_RDONLY, BPF_F_WRONLY,
				     BPF_F_RDONLY_PROG, BPF_F_MMAPABLE, 1u << 30, 1u << 31 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		union bpf_attr a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, bad[i]);
		if (!EXPECT_ERRNO(try_create(&a), EINVAL))
			ktap_diag("ring flags %#x", bad[i]);
		a = map_attr(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, PG, bad[i]);
		if (!EXPECT_ERRNO(try_create(&a), EINVAL))
			ktap_diag("user ring flags %#x", bad[i]);
	}
	/* Overwrite mode is for kernel rings only. */
	union bpf_attr a = map_attr(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, PG, BPF_F_RB_OVERWRITE);
	EXPECT_ERRNO(try_create(&a), EINVAL);
	/* NUMA node other than 0 (one node here and on the test host). */
	a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, BPF_F_NUMA_NODE);
	a.numa_node = 1;
	EXPECT_ERRNO(try_create(&a), EINVAL);
	/* No map_extra, no BTF, no inner map for rings. */
	a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, 0);
	a.map_extra = 1;
	EXPECT_ERRNO(try_create(&a), EINVAL);
	a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, 0);
	a.btf_vmlinux_value_type_id = 1;
	EXPECT_ERRNO(try_create(&a), EINVAL);
	/* Perf event arrays: 4-byte keys and values, at least one slot. */
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 8, 4, 4, 0);
	EXPECT_ERRNO(try_create(&a), EINVAL);
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 4, 0);
	EXPECT_ERRNO(try_create(&a), EINVAL);
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, 0);
	EXPECT_ERRNO(try_create(&a), EINVAL);
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, BPF_F_MMAPABLE);
	EXPECT_ERRNO(try_create(&a), EINVAL);
}

/* More slots than memory: ENOMEM, and a failed creation leaves nothing
 * behind (Ringtail used to fault freeing the half-made map). Linux 6.18
 * says ENOMEM for 2^32-1 slots too; 2^30 it may well allocate. */
static void t_create_enomem(void)
{
	RINGTAIL_ONLY();
	union bpf_attr a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1u << 30, 0);
	EXPECT_ERRNO(try_create(&a), ENOMEM);
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0xffffffffu, 0);
	EXPECT_ERRNO(try_create(&a), ENOMEM);
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0);
	EXPECT_EQ(try_create(&a), 0);
}

/* Overwrite mode arrived in Linux 6.19: the 6.18 host refuses the flag. */
static void t_create_overwrite(void)
{
	RINGTAIL_ONLY();
	union bpf_attr a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, BPF_F_RB_OVERWRITE);
	EXPECT_EQ(try_create(&a), 0);
}

static void t_create_names(void)
{
	static const struct {
		const char *name;   /* up to 16 bytes, copied without a NUL */
		int len;
		long want;
	} c[] = {
		{ "", 0, 0 },
		{ "ok_name.1", 9, 0 },
		{ "ABCdef_012.xyz9", 15, 0 },
		{ "bad-name", 8, -EINVAL },
		{ "bad name", 8, -EINVAL },
		{ "bad/name", 8, -EINVAL },
		{ "\xc3\xa9t\xc3\xa9", 6, -EINVAL },
		{ "sixteen_chars_xx", 16, -EINVAL },   /* no NUL within 16 bytes */
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		union bpf_attr a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, 0);
		memcpy(a.map_name, c[i].name, (size_t)c[i].len);
		if (!EXPECT_EQ(try_create(&a), c[i].want))
			ktap_diag("name \"%.16s\"", c[i].name);
	}
}

/* The attr size and tail rules of every command. */
static void t_attr_size(void)
{
	static unsigned char big[8192] __attribute__((aligned(8)));
	union bpf_attr a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, 0);
	memset(big, 0, sizeof(big));
	memcpy(big, &a, sizeof(a));
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, big, 4097), E2BIG);   /* more than a page */
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, big, 8192), E2BIG);
	long fd = sys_bpf(BPF_MAP_CREATE, big, 4096);   /* a page, zero tail: fine */
	if (EXPECT_GE(fd, 0))
		close((int)fd);
	/* Nonzero beyond the kernel's union (far beyond, for any Linux). */
	big[512] = 1;
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, big, 4096), E2BIG);
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, big, 513), E2BIG);
	fd = sys_bpf(BPF_MAP_CREATE, big, 512);          /* not covered by size */
	if (EXPECT_GE(fd, 0))
		close((int)fd);
	big[512] = 0;
	big[4095] = 0x80;
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, big, 4096), E2BIG);
	big[4095] = 0;
	/* The whole tail is also checked for other commands. */
	big[1000] = 1;
	EXPECT_ERRNO(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, big, 2048), E2BIG);
	EXPECT_ERRNO(sys_bpf(12345, big, 2048), E2BIG);     /* before the cmd check */
	big[1000] = 0;
	/* Unreadable attr. */
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, NULL, sizeof(a)), EFAULT);
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, (void *)BAD_KERNEL, sizeof(a)), EFAULT);
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, (void *)BAD_NONCANON, sizeof(a)), EFAULT);
	/* A tail past the union that cannot be read. */
	unsigned char *edge = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (EXPECT_TRUE(edge != MAP_FAILED)) {
		munmap(edge + PG, PG);
		unsigned char *at = edge + PG - 256;
		memset(at, 0, 256);
		memcpy(at, &a, sizeof(a));
		EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, at, 1024), EFAULT);
		munmap(edge, PG);
	}
	/* Zero size: an all-zero attr (map type 0). */
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, NULL, 0), EINVAL);
}

static void t_unknown_cmd(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	EXPECT_ERRNO(sys_bpf(999, &a, sizeof(a)), EINVAL);
	EXPECT_ERRNO(sys_bpf(-1, &a, sizeof(a)), EINVAL);
	EXPECT_ERRNO(sys_bpf(0x10000, &a, sizeof(a)), EINVAL);
}

/* Bytes after the command's last field must be zero (EINVAL). */
static void t_cmd_tail(void)
{
	unsigned char buf[sizeof(union bpf_attr)] __attribute__((aligned(8)));
	union bpf_attr a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, PG, 0);
	/* MAP_CREATE ends before byte 96 on Ringtail and Linux 6.18. */
	memcpy(buf, &a, sizeof(a));
	buf[100] = 1;
	EXPECT_ERRNO(sys_bpf(BPF_MAP_CREATE, buf, sizeof(buf)), EINVAL);

	int ring = ringbuf_new(PG);
	int arr = perf_array_map(4);
	if (!EXPECT_GE(ring, 0) || !EXPECT_GE(arr, 0))
		return;
	__u32 key = 0;
	/* *_ELEM: map_fd, key, value, flags (32 bytes); DELETE ends at key. */
	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)arr;
	a.key = (unsigned long)&key;
	a.value = 1;
	EXPECT_ERRNO(sys_bpf(BPF_MAP_DELETE_ELEM, &a, sizeof(a)), EINVAL);
	memset(buf, 0, sizeof(buf));
	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)arr;
	a.key = (unsigned long)&key;
	memcpy(buf, &a, sizeof(a));
	buf[40] = 1;
	EXPECT_ERRNO(sys_bpf(BPF_MAP_LOOKUP_ELEM, buf, sizeof(buf)), EINVAL);
	EXPECT_ERRNO(sys_bpf(BPF_MAP_UPDATE_ELEM, buf, sizeof(buf)), EINVAL);
	/* OBJ_GET_INFO_BY_FD: bpf_fd, info_len, info (16 bytes). */
	struct bpf_map_info info;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (__u32)ring;
	a.info.info_len = sizeof(info);
	a.info.info = (unsigned long)&info;
	memcpy(buf, &a, sizeof(a));
	buf[16] = 1;
	EXPECT_ERRNO(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, buf, sizeof(buf)), EINVAL);
	buf[16] = 0;
	EXPECT_EQ(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, buf, sizeof(buf)), 0);
	close(ring);
	close(arr);
}

/* --- BPF_OBJ_GET_INFO_BY_FD ----------------------------------------------- */

static long get_info(int fd, void *info, __u32 *len)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (__u32)fd;
	a.info.info_len = *len;
	a.info.info = (unsigned long)info;
	long rc = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
	*len = a.info.info_len;
	return rc;
}

static void t_map_info(void)
{
	union bpf_attr a = map_attr(BPF_MAP_TYPE_RINGBUF, 0, 0, 2 * PG, BPF_F_NUMA_NODE);
	strcpy(a.map_name, "info_ring");
	int fd = (int)sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 3, 0);
	strcpy(a.map_name, "info_arr");
	int fd2 = (int)sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	int fd3 = user_ringbuf_new(PG);
	if (!EXPECT_GE(fd, 0) || !EXPECT_GE(fd2, 0) || !EXPECT_GE(fd3, 0))
		return;
	struct bpf_map_info i1, i2, i3;
	__u32 len = sizeof(i1);
	/* Zeroed first, as libbpf does: Linux 6.18 reads the info in (for
	 * its in/out fields) and leaves the fields it does not fill as given. */
	memset(&i1, 0, sizeof(i1));
	EXPECT_EQ(get_info(fd, &i1, &len), 0);
	EXPECT_EQ(len, sizeof(i1));
	EXPECT_EQ(i1.type, BPF_MAP_TYPE_RINGBUF);
	EXPECT_NE(i1.id, 0);
	EXPECT_EQ(i1.key_size, 0);
	EXPECT_EQ(i1.value_size, 0);
	EXPECT_EQ(i1.max_entries, 2 * PG);
	EXPECT_EQ(i1.map_flags, BPF_F_NUMA_NODE);
	EXPECT_STREQ(i1.name, "info_ring");
	EXPECT_EQ(i1.ifindex, 0);
	EXPECT_EQ(i1.btf_id, 0);
	EXPECT_EQ(i1.map_extra, 0);
	len = sizeof(i2);
	memset(&i2, 0, sizeof(i2));
	EXPECT_EQ(get_info(fd2, &i2, &len), 0);
	EXPECT_EQ(i2.type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	EXPECT_EQ(i2.key_size, 4);
	EXPECT_EQ(i2.value_size, 4);
	EXPECT_EQ(i2.max_entries, 3);
	EXPECT_STREQ(i2.name, "info_arr");
	EXPECT_NE(i2.id, i1.id);
	len = sizeof(i3);
	memset(&i3, 0, sizeof(i3));
	EXPECT_EQ(get_info(fd3, &i3, &len), 0);
	EXPECT_EQ(i3.type, BPF_MAP_TYPE_USER_RINGBUF);
	EXPECT_EQ(i3.max_entries, PG);
	EXPECT_STREQ(i3.name, "rt_test");
	EXPECT_NE(i3.id, i1.id);
	EXPECT_NE(i3.id, i2.id);
	/* The same map through a dup'ed fd: the same id. */
	int d = dup(fd);
	len = sizeof(i3);
	EXPECT_EQ(get_info(d, &i3, &len), 0);
	EXPECT_EQ(i3.id, i1.id);
	close(d);
	close(fd);
	close(fd2);
	close(fd3);
}

static void t_info_len(void)
{
	int fd = ringbuf_new(PG);
	if (!EXPECT_GE(fd, 0))
		return;
	unsigned char buf[sizeof(struct bpf_map_info) + 64];
	struct bpf_map_info *info = (void *)buf;
	/* Short: only that much is written, and info_len says so. */
	__u32 len = 8;
	memset(buf, 0xaa, sizeof(buf));
	EXPECT_EQ(get_info(fd, buf, &len), 0);
	EXPECT_EQ(len, 8);
	EXPECT_EQ(info->type, BPF_MAP_TYPE_RINGBUF);
	EXPECT_EQ(buf[8], 0xaa);
	EXPECT_EQ(buf[sizeof(buf) - 1], 0xaa);
	len = 0;
	memset(buf, 0xaa, sizeof(buf));
	EXPECT_EQ(get_info(fd, buf, &len), 0);
	EXPECT_EQ(len, 0);
	EXPECT_EQ(buf[0], 0xaa);
	/* Long with a zero tail: fine, info_len is what the kernel knows. */
	len = sizeof(buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(get_info(fd, buf, &len), 0);
	if (on_ringtail())
		EXPECT_EQ(len, sizeof(struct bpf_map_info));
	else
		EXPECT_TRUE(len >= sizeof(struct bpf_map_info) && len <= sizeof(buf));
	EXPECT_EQ(info->max_entries, PG);
	/* Long with a nonzero byte where the kernel knows nothing: E2BIG. */
	len = sizeof(buf);
	memset(buf, 0, sizeof(buf));
	buf[sizeof(buf) - 1] = 1;
	EXPECT_ERRNO(get_info(fd, buf, &len), E2BIG);
	/* More than a page: E2BIG without looking. */
	static unsigned char huge[2 * PG];
	memset(huge, 0, sizeof(huge));
	len = PG + 1;
	EXPECT_ERRNO(get_info(fd, huge, &len), E2BIG);
	/* Unwritable info. */
	len = sizeof(struct bpf_map_info);
	EXPECT_ERRNO(get_info(fd, NULL, &len), EFAULT);
	len = sizeof(struct bpf_map_info);
	EXPECT_ERRNO(get_info(fd, (void *)BAD_KERNEL, &len), EFAULT);
	close(fd);
}

static void t_info_bad_fd(void)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int p[2];
	if (!EXPECT_EQ(other_fds(p), 0))
		return;
	EXPECT_ERRNO(get_info(p[0], &info, &len), EINVAL);   /* not a bpf object */
	/* Not a bpf object comes before the length checks. */
	static unsigned char huge[2 * PG];
	huge[PG - 1] = 1;
	len = sizeof(huge);
	EXPECT_ERRNO(get_info(p[0], huge, &len), EINVAL);
	len = sizeof(info);
	EXPECT_ERRNO(get_info(9999, &info, &len), EBADFD_);   /* sic: EBADFD */
	len = sizeof(info);
	EXPECT_ERRNO(get_info(-1, &info, &len), EBADFD_);
	close(p[0]);
	close(p[1]);
	len = sizeof(info);
	EXPECT_ERRNO(get_info(p[0], &info, &len), EBADFD_);
	/* A perf event fd is not a bpf object either. */
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_DUMMY;
	int pfd = perf_open(&pa, 0, -1, -1, 0);
	if (EXPECT_GE(pfd, 0)) {
		len = sizeof(info);
		EXPECT_ERRNO(get_info(pfd, &info, &len), EINVAL);
		close(pfd);
	}
}

static void t_prog_info(void)
{
	int ring = ringbuf_new(PG);
	if (!EXPECT_GE(ring, 0))
		return;
	int prog = load_handler(RT_HANDLER_UNLINK_LOG, &ring, 1);
	if (!EXPECT_GE(prog, 0))
		return;
	EXPECT_TRUE(cloexec(prog));
	struct bpf_map_info mi;
	__u32 len = sizeof(mi);
	EXPECT_EQ(get_info(ring, &mi, &len), 0);
	struct bpf_prog_info pi;
	__u32 ids[4] = { 0, 0, 0, 0 };
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = 4;
	pi.map_ids = (unsigned long)ids;
	len = sizeof(pi);
	EXPECT_EQ(get_info(prog, &pi, &len), 0);
	EXPECT_EQ(len, sizeof(pi));
	EXPECT_EQ(pi.type, BPF_PROG_TYPE_TRACEPOINT);
	EXPECT_NE(pi.id, 0);
	EXPECT_STREQ(pi.name, RT_HANDLER_UNLINK_LOG);
	EXPECT_EQ(pi.gpl_compatible, 1);
	EXPECT_NE(pi.load_time, 0);
	EXPECT_EQ(pi.nr_map_ids, 1);
	EXPECT_EQ(ids[0], mi.id);
	EXPECT_EQ(ids[1], 0);
	EXPECT_EQ_HEX(pi.map_ids, (unsigned long)ids);
	/* No room for ids: only the count comes back. */
	memset(&pi, 0, sizeof(pi));
	ids[0] = 0;
	pi.map_ids = (unsigned long)ids;
	len = sizeof(pi);
	EXPECT_EQ(get_info(prog, &pi, &len), 0);
	EXPECT_EQ(pi.nr_map_ids, 1);
	EXPECT_EQ(ids[0], 0);
	/* Room claimed at an unwritable address. */
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = 4;
	len = sizeof(pi);
	EXPECT_ERRNO(get_info(prog, &pi, &len), EFAULT);
	/* Short info. */
	memset(&pi, 0, sizeof(pi));
	len = 8;
	EXPECT_EQ(get_info(prog, &pi, &len), 0);
	EXPECT_EQ(len, 8);
	EXPECT_EQ(pi.type, BPF_PROG_TYPE_TRACEPOINT);
	EXPECT_EQ(pi.load_time, 0);
	close(prog);
	close(ring);
}

/* Ringtail counts every run (Linux only with kernel.bpf_stats_enabled). */
static void t_prog_run_cnt(void)
{
	RINGTAIL_ONLY();
	int ring = ringbuf_new(4 * PG);
	int prog = load_handler(RT_HANDLER_UNLINK_LOG, &ring, 1);
	if (!EXPECT_GE(ring, 0) || !EXPECT_GE(prog, 0))
		return;
	int pfd = attach_prog(prog, RT_TP_SYS_ENTER_UNLINKAT);
	if (!EXPECT_GE(pfd, 0))
		return;
	for (int i = 0; i < 3; i++)
		RSYS(SYS_unlinkat, AT_FDCWD, "/tmp/rt-run-cnt", 0);
	RSYS(SYS_unlink, "/tmp/rt-run-cnt");   /* another tracepoint */
	struct bpf_prog_info pi;
	memset(&pi, 0, sizeof(pi));
	__u32 len = sizeof(pi);
	EXPECT_EQ(get_info(prog, &pi, &len), 0);
	EXPECT_EQ(pi.run_cnt, 3);
	close(pfd);
	RSYS(SYS_unlinkat, AT_FDCWD, "/tmp/rt-run-cnt", 0);   /* detached */
	memset(&pi, 0, sizeof(pi));
	len = sizeof(pi);
	EXPECT_EQ(get_info(prog, &pi, &len), 0);
	EXPECT_EQ(pi.run_cnt, 3);
	close(prog);
	close(ring);
}

/* --- element commands ------------------------------------------------------- */

static long elem(int cmd, int fd, const void *key, const void *value, __u64 flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (unsigned long)key;
	a.value = (unsigned long)value;
	a.flags = cmd == BPF_MAP_DELETE_ELEM ? 0 : flags;
	if (cmd == BPF_MAP_DELETE_ELEM)
		a.value = 0;
	return sys_bpf(cmd, &a, sizeof(a));
}

static int bpf_output_event(int cpu, int inherit)
{
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_BPF_OUTPUT;
	pa.sample_type = PERF_SAMPLE_RAW;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	pa.inherit = (__u64)inherit;
	return inherit ? perf_open(&pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC)
		       : perf_open(&pa, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void t_perf_array_elems(void)
{
	int arr = perf_array_map(4);
	int ev = bpf_output_event(0, 0);
	int inh = bpf_output_event(0, 1);
	int ring = ringbuf_new(PG);
	int p[2];
	if (!EXPECT_GE(arr, 0) || !EXPECT_GE(ev, 0) || !EXPECT_GE(inh, 0) || !EXPECT_GE(ring, 0) ||
	    !EXPECT_EQ(other_fds(p), 0))
		return;
	__u32 k0 = 0, k3 = 3, k4 = 4, kbig = 0xffffffffu, v = (__u32)ev, out = 0;
	EXPECT_EQ(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &v, BPF_ANY), 0);
	EXPECT_EQ(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &v, BPF_ANY), 0);   /* replace */
	EXPECT_EQ(elem(BPF_MAP_UPDATE_ELEM, arr, &k3, &v, BPF_ANY), 0);   /* same event twice */
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &v, BPF_NOEXIST), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &v, BPF_EXIST), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &v, 1ull << 40), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k4, &v, BPF_ANY), E2BIG);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &kbig, &v, BPF_ANY), E2BIG);
	__u32 bad = (__u32)p[0];
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &bad, BPF_ANY), EBADF);   /* an epoll fd */
	bad = (__u32)ring;
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &bad, BPF_ANY), EBADF);   /* a map */
	bad = 9999;
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &bad, BPF_ANY), EBADF);   /* no fd */
	bad = (__u32)inh;
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, &bad, BPF_ANY), EOPNOTSUPP);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, NULL, &v, BPF_ANY), EFAULT);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k0, NULL, BPF_ANY), EFAULT);
	/* Lookups never show an fd array's fds. */
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, arr, &k0, &out, 0), ENOTSUPP_);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, arr, &k4, &out, 0), ENOTSUPP_);
	/* The event stays in the map after its fd is closed. */
	close(ev);
	EXPECT_EQ(elem(BPF_MAP_DELETE_ELEM, arr, &k0, NULL, 0), 0);
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, arr, &k0, NULL, 0), ENOENT);
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, arr, &k4, NULL, 0), E2BIG);
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, arr, NULL, NULL, 0), EFAULT);
	__u32 k1 = 1;
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, arr, &k1, NULL, 0), ENOENT);
	EXPECT_EQ(elem(BPF_MAP_DELETE_ELEM, arr, &k3, NULL, 0), 0);
	/* Element commands on something that is not a map. */
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, p[0], &k0, &v, 0), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, 9999, &k0, NULL, 0), EBADF);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, -1, &k0, &out, 0), EBADF);
	close(inh);
	close(ring);
	close(arr);
	close(p[0]);
	close(p[1]);
}

/* BPF_F_RDONLY / BPF_F_WRONLY limit what user space may do with the map
 * (EPERM); lookup takes no flag but BPF_F_LOCK, which needs a spin lock
 * no map here has (EINVAL). */
static void t_map_access_flags(void)
{
	union bpf_attr a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, BPF_F_RDONLY);
	int ro = (int)sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, BPF_F_WRONLY);
	int wo = (int)sys_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	a = map_attr(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, BPF_F_RDONLY | BPF_F_WRONLY);
	EXPECT_ERRNO(try_create(&a), EINVAL);
	int arr = perf_array_map(2), ring = ringbuf_new(PG);
	int ev = bpf_output_event(0, 0);
	if (!EXPECT_GE(ro, 0) || !EXPECT_GE(wo, 0) || !EXPECT_GE(arr, 0) || !EXPECT_GE(ring, 0) ||
	    !EXPECT_GE(ev, 0))
		return;
	__u32 k = 0, v = (__u32)ev, out;
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, ro, &k, &v, BPF_ANY), EPERM);
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, ro, &k, NULL, 0), EPERM);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, ro, &k, &out, 0), ENOTSUPP_);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, wo, &k, &out, 0), EPERM);
	EXPECT_EQ(elem(BPF_MAP_UPDATE_ELEM, wo, &k, &v, BPF_ANY), 0);
	EXPECT_EQ(elem(BPF_MAP_DELETE_ELEM, wo, &k, NULL, 0), 0);
	/* Access is checked before the key is even read. */
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, ro, NULL, NULL, BPF_ANY), EPERM);
	/* Lookup flags. */
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, arr, &k, &out, 1), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, arr, &k, &out, 1ull << 63), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, 9999, &k, &out, 1), EINVAL);   /* flags first */
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, arr, &k, &out, 4), EINVAL);    /* BPF_F_LOCK */
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, arr, &k, &v, 4), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, ring, NULL, NULL, 4), EINVAL);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, ring, NULL, NULL, 4), EINVAL);
	close(ro);
	close(wo);
	close(arr);
	close(ring);
	close(ev);
}

/* What map and program fds do with ordinary file calls. */
static void t_fd_ops(void)
{
	int ring = ringbuf_new(PG), arr = perf_array_map(2);
	int prog = load_handler(RT_HANDLER_UNLINK_LOG, &ring, 1);
	if (!EXPECT_GE(ring, 0) || !EXPECT_GE(arr, 0) || !EXPECT_GE(prog, 0))
		return;
	char b[8] = { 0 };
	int fds[3] = { ring, arr, prog };
	for (int i = 0; i < 3; i++) {
		EXPECT_ERRNO(RSYS(SYS_read, fds[i], b, sizeof(b)), EINVAL);
		EXPECT_ERRNO(RSYS(SYS_write, fds[i], b, sizeof(b)), EINVAL);
		EXPECT_ERRNO(RSYS(SYS_lseek, fds[i], 0, SEEK_SET), ESPIPE);
		EXPECT_ERRNO(RSYS(SYS_ioctl, fds[i], 0x5401 /* TCGETS */, b), ENOTTY);
		EXPECT_EQ(RSYS(SYS_fcntl, fds[i], F_GETFL) & O_ACCMODE, O_RDWR);
		struct stat st;
		memset(&st, 0, sizeof(st));
		EXPECT_EQ(RSYS(SYS_fstat, fds[i], &st), 0);
		EXPECT_EQ(st.st_mode & 0777, 0600);
	}
	/* A map without map_poll is always in error; no mapping of programs. */
	struct pollfd pf = { .fd = arr, .events = POLLIN | POLLOUT };
	EXPECT_EQ(poll(&pf, 1, 0), 1);
	EXPECT_EQ(pf.revents, POLLERR);
	void *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, prog, 0);
	EXPECT_TRUE(p == MAP_FAILED);
	EXPECT_EQ(errno, ENODEV);
	close(prog);
	close(arr);
	close(ring);
}

/* Rings have no keys (key_size 0): a key pointer is EINVAL. */
static void t_ring_elems(void)
{
	int fds[2] = { ringbuf_new(PG), user_ringbuf_new(PG) };
	__u64 key = 0, val = 0;
	for (int i = 0; i < 2; i++) {
		if (!EXPECT_GE(fds[i], 0))
			return;
		EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, fds[i], &key, &val, 0), EINVAL);
		EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, fds[i], &key, &val, 0), EINVAL);
		EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, fds[i], &key, NULL, 0), EINVAL);
		/* Without one, the ring's own answer: not supported. */
		EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, fds[i], NULL, &val, 0), ENOTSUPP_);
		EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, fds[i], NULL, &val, 0), ENOTSUPP_);
		EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, fds[i], NULL, NULL, 0), ENOTSUPP_);
		close(fds[i]);
	}
}

/* --- BPF_PROG_LOAD ---------------------------------------------------------- */

static long load(union bpf_attr *a)
{
	long fd = sys_bpf(BPF_PROG_LOAD, a, sizeof(*a));
	if (fd >= 0)
		close((int)fd);
	return fd >= 0 ? 0 : fd;
}

static void t_prog_load_ok(void)
{
	int ring = ringbuf_new(PG), uring = user_ringbuf_new(PG), arr = perf_array_map(4);
	if (!EXPECT_GE(ring, 0) || !EXPECT_GE(uring, 0) || !EXPECT_GE(arr, 0))
		return;
	union bpf_attr a;
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	EXPECT_EQ(load(&a), 0);
	prog_attr(&a, RT_HANDLER_UNLINK_PERF, &arr, 1);
	EXPECT_EQ(load(&a), 0);
	int kd[2] = { uring, ring };
	prog_attr(&a, RT_HANDLER_KILL_DRAIN, kd, 2);
	EXPECT_EQ(load(&a), 0);
	prog_attr(&a, RT_HANDLER_BENCH_RB, &ring, 1);
	EXPECT_EQ(load(&a), 0);
	prog_attr(&a, RT_HANDLER_BENCH_PB, &arr, 1);
	EXPECT_EQ(load(&a), 0);
	/* Any license string is accepted (gpl_compatible says which). */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.license = (unsigned long)"Proprietary";
	long fd = sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (EXPECT_GE(fd, 0)) {
		struct bpf_prog_info pi;
		memset(&pi, 0, sizeof(pi));
		__u32 len = sizeof(pi);
		EXPECT_EQ(get_info((int)fd, &pi, &len), 0);
		EXPECT_EQ(pi.gpl_compatible, 0);
		close((int)fd);
	}
	/* The program holds its maps: closing the map fd first is fine. */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	fd = sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	close(ring);
	if (EXPECT_GE(fd, 0))
		close((int)fd);
	close(uring);
	close(arr);
}

/* Errnos that mean the same on Linux. */
static void t_prog_load_errors(void)
{
	int ring = ringbuf_new(PG), p[2];
	if (!EXPECT_GE(ring, 0) || !EXPECT_EQ(other_fds(p), 0))
		return;
	union bpf_attr a;
	int bad = 9999;
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &bad, 1);
	EXPECT_ERRNO(load(&a), EBADF);                 /* no such fd */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &p[0], 1);
	EXPECT_ERRNO(load(&a), EINVAL);                /* not a map */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, NULL, 1);
	EXPECT_ERRNO(load(&a), EFAULT);                /* unreadable fd_array */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.license = 0;
	EXPECT_ERRNO(load(&a), EFAULT);                /* NULL license */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.license = BAD_KERNEL;
	EXPECT_ERRNO(load(&a), EFAULT);
	/* A license with no NUL in 128 bytes is cut, not refused. */
	static char lic[300];
	memset(lic, 'G', sizeof(lic) - 1);
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.license = (unsigned long)lic;
	EXPECT_EQ(load(&a), 0);
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.prog_type = 9999;
	EXPECT_ERRNO(load(&a), EINVAL);                /* no such program type */
	prog_attr(&a, "bad-name", &ring, 1);
	EXPECT_ERRNO(load(&a), EINVAL);                /* object name rule */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	memcpy(a.prog_name, "sixteen_chars_xx", 16);
	EXPECT_ERRNO(load(&a), EINVAL);
	close(ring);
	close(p[0]);
	close(p[1]);
}

/* Errnos of the handler table: Ringtail's own rules. */
static void t_prog_load_handlers(void)
{
	RINGTAIL_ONLY();
	int ring = ringbuf_new(PG), uring = user_ringbuf_new(PG), arr = perf_array_map(4);
	if (!EXPECT_GE(ring, 0) || !EXPECT_GE(uring, 0) || !EXPECT_GE(arr, 0))
		return;
	union bpf_attr a;
	prog_attr(&a, "no_such_handler", &ring, 1);
	EXPECT_ERRNO(load(&a), ENOENT);
	prog_attr(&a, "", &ring, 1);
	EXPECT_ERRNO(load(&a), ENOENT);
	prog_attr(&a, "rt_unlink_lo", &ring, 1);       /* a prefix */
	EXPECT_ERRNO(load(&a), ENOENT);
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	EXPECT_ERRNO(load(&a), EINVAL);                /* handlers are tracepoint programs */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.prog_type = BPF_PROG_TYPE_UNSPEC;
	EXPECT_ERRNO(load(&a), EINVAL);
	static const struct bpf_insn nop[2] = { { .code = 0xb7 }, { .code = 0x95 } };
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.insns = (unsigned long)nop;
	a.insn_cnt = 2;
	EXPECT_EQ(load(&a), 0);                        /* instructions: bytecode, not a handler */
	a.insn_cnt = 1;
	EXPECT_ERRNO(load(&a), EINVAL);                /* "last insn is not an exit or jmp" */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 1);
	a.insn_cnt = 1;
	EXPECT_ERRNO(load(&a), EFAULT);                /* a count without instructions */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &ring, 0);
	EXPECT_ERRNO(load(&a), EINVAL);                /* fd_array_cnt */
	int two[2] = { ring, ring };
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, two, 2);
	EXPECT_ERRNO(load(&a), EINVAL);
	prog_attr(&a, RT_HANDLER_KILL_DRAIN, &uring, 1);
	EXPECT_ERRNO(load(&a), EINVAL);
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &uring, 1);
	EXPECT_ERRNO(load(&a), EINVAL);                /* map of the wrong type */
	prog_attr(&a, RT_HANDLER_UNLINK_LOG, &arr, 1);
	EXPECT_ERRNO(load(&a), EINVAL);
	prog_attr(&a, RT_HANDLER_UNLINK_PERF, &ring, 1);
	EXPECT_ERRNO(load(&a), EINVAL);
	int swapped[2] = { ring, uring };
	prog_attr(&a, RT_HANDLER_KILL_DRAIN, swapped, 2);
	EXPECT_ERRNO(load(&a), EINVAL);
	int badsecond[2] = { uring, 9999 };
	prog_attr(&a, RT_HANDLER_KILL_DRAIN, badsecond, 2);
	EXPECT_ERRNO(load(&a), EBADF);
	close(ring);
	close(uring);
	close(arr);
}

/* --- PERF_EVENT_IOC_SET_BPF ------------------------------------------------ */

static int tp_event(int tp)
{
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.config = (__u64)tp;
	pa.sample_period = 1;
	return perf_open(&pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static void t_set_bpf(void)
{
	int tp = tp_id("syscalls", "sys_enter_getpid");
	if (tp < 0) {
		KTAP_SKIP("no tracefs");
		return;
	}
	int ring = ringbuf_new(PG), p[2];
	if (!EXPECT_GE(ring, 0) || !EXPECT_EQ(other_fds(p), 0))
		return;
	int prog = load_handler(RT_HANDLER_UNLINK_LOG, &ring, 1);
	int prog2 = load_handler(RT_HANDLER_UNLINK_LOG, &ring, 1);
	int ev = tp_event(tp), ev2 = tp_event(tp);
	if (!EXPECT_GE(prog, 0) || !EXPECT_GE(prog2, 0) || !EXPECT_GE(ev, 0) || !EXPECT_GE(ev2, 0))
		return;
	/* A software event takes no tracepoint program. */
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_CPU_CLOCK;
	pa.sample_period = 1000000;
	int sw = perf_open(&pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (EXPECT_GE(sw, 0)) {
		EXPECT_ERRNO(RSYS(SYS_ioctl, sw, PERF_EVENT_IOC_SET_BPF, prog), EINVAL);
		close(sw);
	}
	EXPECT_ERRNO(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, 9999), EBADF);
	EXPECT_ERRNO(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, -1), EBADF);
	EXPECT_ERRNO(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, ring), EINVAL);   /* a map */
	EXPECT_ERRNO(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, p[0]), EINVAL);   /* an epoll fd */
	EXPECT_EQ(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, prog), 0);
	/* One program per event. */
	EXPECT_ERRNO(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, prog), EEXIST);
	EXPECT_ERRNO(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, prog2), EEXIST);
	/* Another event of the same tracepoint may have its own. */
	EXPECT_EQ(RSYS(SYS_ioctl, ev2, PERF_EVENT_IOC_SET_BPF, prog2), 0);
	/* A per-task tracepoint event takes a program too, but not one the
	 * tracepoint already runs (Linux: bpf_prog_array_compare, EEXIST). */
	struct perf_event_attr ta;
	memset(&ta, 0, sizeof(ta));
	ta.size = sizeof(ta);
	ta.type = PERF_TYPE_TRACEPOINT;
	ta.config = (__u64)tp;
	ta.sample_period = 1;
	int ev3 = perf_open(&ta, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	int prog3 = load_handler(RT_HANDLER_UNLINK_LOG, &ring, 1);
	if (EXPECT_GE(ev3, 0) && EXPECT_GE(prog3, 0)) {
		EXPECT_ERRNO(RSYS(SYS_ioctl, ev3, PERF_EVENT_IOC_SET_BPF, prog), EEXIST);
		EXPECT_EQ(RSYS(SYS_ioctl, ev3, PERF_EVENT_IOC_SET_BPF, prog3), 0);
		close(ev3);
		close(prog3);
	}
	/* The attachment holds the program: close its fd, then the event. */
	close(prog);
	close(prog2);
	EXPECT_EQ(RSYS(SYS_getpid), getpid());
	close(ev);
	close(ev2);
	close(ring);
	close(p[0]);
	close(p[1]);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_create_ok),
	KTAP_CASE(t_create_bad_type),
	KTAP_CASE(t_create_ring_sizes),
	KTAP_CASE(t_create_bad_flags),
	KTAP_CASE(t_create_overwrite),
	KTAP_CASE(t_create_enomem),
	KTAP_CASE(t_create_names),
	KTAP_CASE(t_attr_size),
	KTAP_CASE(t_unknown_cmd),
	KTAP_CASE(t_cmd_tail),
	KTAP_CASE(t_map_info),
	KTAP_CASE(t_info_len),
	KTAP_CASE(t_info_bad_fd),
	KTAP_CASE(t_prog_info),
	KTAP_CASE(t_prog_run_cnt),
	KTAP_CASE(t_perf_array_elems),
	KTAP_CASE(t_ring_elems),
	KTAP_CASE(t_map_access_flags),
	KTAP_CASE(t_fd_ops),
	KTAP_CASE(t_prog_load_ok),
	KTAP_CASE(t_prog_load_errors),
	KTAP_CASE(t_prog_load_handlers),
	KTAP_CASE(t_set_bpf),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
