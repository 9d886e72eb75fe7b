/* test_badinput: hostile paths and broken executables get Linux's errnos
 * and change nothing; a full RAM file system says ENOSPC. Runs on a Linux
 * host too (as root, in a fresh directory under /tmp), where it must pass
 * unchanged: the errnos are Linux's.
 *
 * Paths: NULL, unmapped, non-canonical and kernel pointers, a string with
 * no terminator within PATH_MAX, "", ".", "..", trailing slashes, a
 * component longer than NAME_MAX; after each, the scratch directory must
 * hold exactly what it held before.
 * Executables: truncated ELF headers and program headers, bad program
 * header sizes and counts, overlapping and misordered segments, an entry
 * point outside the segments, a huge p_memsz, p_filesz > p_memsz, a
 * segment past the end of the file: execve fails with the errno Linux
 * gives, or (where Linux starts such an image) the new image dies of a
 * signal, and the caller lives on either way. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

static char dir[64];            /* mkdtemp scratch directory */
static char self_path[256];

static char *in_dir(const char *name)
{
	static char buf[4][512];
	static int k;
	char *b = buf[k++ % 4];
	snprintf(b, 512, "%s/%s", dir, name);
	return b;
}

/* A fingerprint of the scratch directory: names and sizes. */
static unsigned long long listing(void)
{
	unsigned long long h = 1469598103934665603ull;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st))
			continue;
		for (const char *c = e->d_name; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		h = (h ^ (unsigned long long)st.st_size) * 1099511628211ull;
		h = (h ^ st.st_mode) * 1099511628211ull;
	}
	closedir(d);
	return h;
}

static void put(const char *path, const void *data, size_t len, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd >= 0) {
		if (write(fd, data, len) != (ssize_t)len)
			ktap_diag("short write to %s", path);
		close(fd);
	}
	chmod(path, mode);
}

/* --- paths --------------------------------------------------------------------- */

static long unmapped_ptr(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, 4096);
	return (long)p;
}

/* Every path-taking call with bad pointers: EFAULT, nothing changes. */
static void t_bad_path_pointers(void)
{
	const long ptrs[] = { 0, unmapped_ptr(), (long)0x8000000000000000ull,
			      (long)0xffffffff81000000ull };
	unsigned long long before = listing();
	for (unsigned i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		long p = ptrs[i];
		EXPECT_EQ(RSYS(SYS_open, p, O_RDONLY), -EFAULT);
		EXPECT_EQ(RSYS(SYS_openat, AT_FDCWD, p, O_WRONLY | O_CREAT, 0644), -EFAULT);
		EXPECT_EQ(RSYS(SYS_mkdir, p, 0755), -EFAULT);
		EXPECT_EQ(RSYS(SYS_rmdir, p), -EFAULT);
		EXPECT_EQ(RSYS(SYS_unlink, p), -EFAULT);
		EXPECT_EQ(RSYS(SYS_chdir, p), -EFAULT);
		EXPECT_EQ(RSYS(SYS_rename, p, in_dir("x")), -EFAULT);
		EXPECT_EQ(RSYS(SYS_rename, in_dir("x"), p), -EFAULT);
		EXPECT_EQ(RSYS(SYS_symlink, p, in_dir("l")), -EFAULT);
		EXPECT_EQ(RSYS(SYS_link, p, in_dir("l")), -EFAULT);
		EXPECT_EQ(RSYS(SYS_stat, p, &(struct stat){0}), -EFAULT);
		EXPECT_EQ(RSYS(SYS_access, p, F_OK), -EFAULT);
		EXPECT_EQ(RSYS(SYS_readlink, p, (char[16]){0}, 16), -EFAULT);
		EXPECT_EQ(RSYS(SYS_execve, p, NULL, NULL), -EFAULT);
		EXPECT_EQ(RSYS(SYS_truncate, p, 0), -EFAULT);
	}
	EXPECT_EQ(listing(), before);
}

/* No NUL within PATH_MAX: ENAMETOOLONG; a component over NAME_MAX too. */
static void t_path_too_long(void)
{
	static char big[4096 + 64];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	unsigned long long before = listing();
	EXPECT_EQ(RSYS(SYS_open, big, O_RDONLY), -ENAMETOOLONG);
	EXPECT_EQ(RSYS(SYS_mkdir, big, 0755), -ENAMETOOLONG);
	EXPECT_EQ(RSYS(SYS_unlink, big), -ENAMETOOLONG);
	/* Exactly PATH_MAX bytes with no terminator in them, then unmapped. */
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (EXPECT_TRUE(m != MAP_FAILED)) {
		munmap(m + 4096, 4096);
		memset(m, 'b', 4096);
		EXPECT_EQ(RSYS(SYS_open, m, O_RDONLY), -ENAMETOOLONG);
		EXPECT_EQ(RSYS(SYS_open, m + 100, O_RDONLY), -EFAULT);   /* runs into the hole */
		munmap(m, 4096);
	}
	char name[300];
	memset(name, 'c', 256);
	name[256] = 0;
	EXPECT_EQ(RSYS(SYS_open, in_dir(name), O_WRONLY | O_CREAT, 0644), -ENAMETOOLONG);
	name[255] = 0;
	long fd = RSYS(SYS_open, in_dir(name), O_WRONLY | O_CREAT, 0644);
	EXPECT_GE(fd, 0);
	RSYS(SYS_close, fd);
	EXPECT_EQ(RSYS(SYS_unlink, in_dir(name)), 0);
	EXPECT_EQ(listing(), before);
}

/* "", ".", ".." and trailing slashes, as Linux judges them. */
static void t_special_names(void)
{
	put(in_dir("file"), "data", 4, 0644);
	EXPECT_EQ(RSYS(SYS_mkdir, in_dir("sub"), 0755), 0);
	unsigned long long before = listing();
	EXPECT_EQ(RSYS(SYS_open, "", O_RDONLY), -ENOENT);
	EXPECT_EQ(RSYS(SYS_mkdir, "", 0755), -ENOENT);
	EXPECT_EQ(RSYS(SYS_unlink, ""), -ENOENT);
	EXPECT_EQ(RSYS(SYS_stat, "", &(struct stat){0}), -ENOENT);
	EXPECT_EQ(RSYS(SYS_chdir, ""), -ENOENT);
	EXPECT_EQ(RSYS(SYS_rmdir, in_dir("sub/.")), -EINVAL);
	EXPECT_EQ(RSYS(SYS_rmdir, in_dir("sub/..")), -ENOTEMPTY);
	EXPECT_EQ(RSYS(SYS_mkdir, in_dir("sub/.."), 0755), -EEXIST);
	EXPECT_EQ(RSYS(SYS_mkdir, in_dir("."), 0755), -EEXIST);
	EXPECT_EQ(RSYS(SYS_unlink, in_dir("..")), -EISDIR);
	EXPECT_EQ(RSYS(SYS_rename, in_dir("sub/.."), in_dir("x")), -EBUSY);
	EXPECT_EQ(RSYS(SYS_open, in_dir("file/"), O_RDONLY), -ENOTDIR);
	EXPECT_EQ(RSYS(SYS_stat, in_dir("file/"), &(struct stat){0}), -ENOTDIR);
	EXPECT_EQ(RSYS(SYS_unlink, in_dir("file/")), -ENOTDIR);
	EXPECT_EQ(RSYS(SYS_open, in_dir("new/"), O_WRONLY | O_CREAT, 0644), -EISDIR);
	EXPECT_EQ(RSYS(SYS_rename, in_dir("file"), in_dir("moved/")), -ENOTDIR);
	EXPECT_EQ(RSYS(SYS_rmdir, in_dir("file/")), -ENOTDIR);
	EXPECT_EQ(RSYS(SYS_link, in_dir("file"), in_dir("file")), -EEXIST);
	EXPECT_EQ(RSYS(SYS_rename, in_dir("sub"), in_dir("sub/inner")), -EINVAL);
	EXPECT_EQ(listing(), before);
	/* Trailing slashes that are fine. */
	EXPECT_EQ(RSYS(SYS_mkdir, in_dir("d2/"), 0755), 0);
	EXPECT_EQ(RSYS(SYS_rmdir, in_dir("d2//")), 0);
	struct stat st;
	EXPECT_EQ(RSYS(SYS_stat, in_dir("sub/"), &st), 0);
	/* ".." from the root is the root. */
	struct stat root, up;
	EXPECT_EQ(RSYS(SYS_stat, "/", &root), 0);
	EXPECT_EQ(RSYS(SYS_stat, "/../..", &up), 0);
	EXPECT_EQ(root.st_ino, up.st_ino);
	EXPECT_EQ(RSYS(SYS_unlink, in_dir("file")), 0);
	EXPECT_EQ(RSYS(SYS_rmdir, in_dir("sub")), 0);
}

/* --- executables --------------------------------------------------------------- */

static unsigned char *image;
static size_t image_len;

static void load_self(void)
{
	int fd = open(self_path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		return;
	image = malloc((size_t)st.st_size);
	if (image && read(fd, image, (size_t)st.st_size) == st.st_size)
		image_len = (size_t)st.st_size;
	close(fd);
}

/* Exec path in a child: 0 = exec succeeded and the image exited 0,
 * 1000 + sig = the image died of sig, -errno = execve failed. */
static int try_exec(const char *path)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC))
		return -9999;
	pid_t p = fork();
	if (p == 0) {
		char *const argv[] = { "broken", "--exit0", NULL };
		alarm(20);
		long rc = RSYS(SYS_execve, path, argv, NULL);
		int e = (int)-rc;
		if (write(pipefd[1], &e, sizeof(e)) != sizeof(e))
			_exit(99);
		_exit(98);
	}
	close(pipefd[1]);
	int e = 0, st = 0;
	ssize_t n = read(pipefd[0], &e, sizeof(e));
	close(pipefd[0]);
	waitpid(p, &st, 0);
	if (n == sizeof(e))
		return -e;
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -9998;
}

typedef void (*corrupt_fn)(unsigned char *img, size_t *len);
#define SEGV (1000 + SIGSEGV)
#define BUS (1000 + SIGBUS)
#define END (-100000)            /* ends a list of acceptable results */

static Elf64_Ehdr *eh(unsigned char *img) { return (Elf64_Ehdr *)img; }
static Elf64_Phdr *ph(unsigned char *img, int i) { return (Elf64_Phdr *)(img + eh(img)->e_phoff) + i; }

static int first_load(unsigned char *img)
{
	for (int i = 0; i < eh(img)->e_phnum; i++)
		if (ph(img, i)->p_type == PT_LOAD)
			return i;
	return 0;
}

static void c_header_only(unsigned char *img, size_t *len) { (void)img; (void)len; *len = 40; }
static void c_no_phdrs(unsigned char *img, size_t *len) { (void)img; (void)len; *len = eh(img)->e_phoff + 8; }
static void c_phentsize(unsigned char *img, size_t *len) { (void)img; (void)len; eh(img)->e_phentsize = 40; }
static void c_phnum_zero(unsigned char *img, size_t *len) { (void)img; (void)len; eh(img)->e_phnum = 0; }
static void c_phnum_huge(unsigned char *img, size_t *len) { (void)img; (void)len; eh(img)->e_phnum = 0xffff; }
static void c_not_exec_type(unsigned char *img, size_t *len) { (void)img; (void)len; eh(img)->e_type = ET_REL; }
static void c_wrong_machine(unsigned char *img, size_t *len) { (void)img; (void)len; eh(img)->e_machine = EM_AARCH64; }
static void c_bad_class(unsigned char *img, size_t *len) { (void)img; (void)len; img[EI_CLASS] = ELFCLASS32; }

static void c_filesz_gt_memsz(unsigned char *img, size_t *len)
{
	(void)len;
	Elf64_Phdr *p = ph(img, first_load(img));
	p->p_memsz = p->p_filesz / 2;
}

static void c_huge_memsz(unsigned char *img, size_t *len)
{
	(void)len;
	Elf64_Phdr *p = ph(img, first_load(img));
	p->p_memsz = 1ull << 46;
}

static void c_segment_past_eof(unsigned char *img, size_t *len)
{
	Elf64_Phdr *p = ph(img, first_load(img));
	p->p_offset = *len + 4096 * 16;
}

static void c_kernel_vaddr(unsigned char *img, size_t *len)
{
	(void)len;
	Elf64_Phdr *p = ph(img, first_load(img));
	p->p_vaddr = 0xffff800000000000ull;
	p->p_paddr = p->p_vaddr;
}

static void c_misaligned(unsigned char *img, size_t *len)
{
	(void)len;
	Elf64_Phdr *p = ph(img, first_load(img));
	p->p_vaddr += 1;                /* p_vaddr and p_offset disagree mod the page */
}

/* The second loadable segment on top of the first. */
static void c_overlap(unsigned char *img, size_t *len)
{
	(void)len;
	int a = first_load(img), b = -1;
	for (int i = a + 1; i < eh(img)->e_phnum && b < 0; i++)
		if (ph(img, i)->p_type == PT_LOAD)
			b = i;
	if (b >= 0) {
		ph(img, b)->p_vaddr = ph(img, a)->p_vaddr + (ph(img, b)->p_offset & 0xfff);
		ph(img, b)->p_paddr = ph(img, b)->p_vaddr;
	}
}

static void c_entry_outside(unsigned char *img, size_t *len)
{
	(void)len;
	eh(img)->e_entry = 0x10;
}

static void c_truncated_segments(unsigned char *img, size_t *len)
{
	*len = eh(img)->e_phoff + (size_t)eh(img)->e_phnum * sizeof(Elf64_Phdr) + 64;
}

static const struct {
	const char *name;
	corrupt_fn fn;
	int want[5];            /* acceptable results of try_exec, then END */
} elf_cases[] = {
	{ "header only (40 bytes)", c_header_only, { -ENOEXEC, END } },
	{ "program headers cut off", c_no_phdrs, { -ENOEXEC, -EIO, END } },
	{ "e_phentsize 40", c_phentsize, { -ENOEXEC, END } },
	{ "e_phnum 0", c_phnum_zero, { -ENOEXEC, END } },
	{ "e_phnum 65535", c_phnum_huge, { -ENOEXEC, END } },
	{ "ET_REL", c_not_exec_type, { -ENOEXEC, END } },
	{ "EM_AARCH64", c_wrong_machine, { -ENOEXEC, END } },
	/* A 64-bit image labelled 32-bit: Linux with 32-bit support may even
	 * run it; Ringtail has none. */
	{ "ELFCLASS32", c_bad_class, { -ENOEXEC, 0, END } },
	/* From here Linux fails after the point of no return and kills the
	 * new image with SIGSEGV; Ringtail checks first and returns. */
	{ "p_filesz > p_memsz", c_filesz_gt_memsz, { -EINVAL, SEGV, END } },
	{ "p_memsz 64 TiB", c_huge_memsz, { -ENOMEM, -EINVAL, SEGV, END } },
	{ "segment past the end of the file", c_segment_past_eof, { -EINVAL, -EIO, SEGV, END } },
	{ "segment at a kernel address", c_kernel_vaddr, { -EINVAL, -ENOMEM, SEGV, END } },
	{ "p_vaddr and p_offset misaligned", c_misaligned, { -EINVAL, SEGV, END } },
	{ "segments overlapping", c_overlap, { -EINVAL, SEGV, END } },
	{ "entry point outside the segments", c_entry_outside, { -EINVAL, SEGV, END } },
	/* Linux 6.1 maps the segment past the end of the file: SIGBUS. */
	{ "file cut after the headers", c_truncated_segments, { -EINVAL, -EIO, SEGV, BUS, END } },
};

static void t_broken_executables(void)
{
	if (!image_len) {
		KTAP_SKIP("cannot read this program");
		return;
	}
	unsigned char *img = malloc(image_len);
	if (!img)
		return;
	/* The intact image runs. */
	put(in_dir("good"), image, image_len, 0755);
	EXPECT_EQ(try_exec(in_dir("good")), 0);
	for (unsigned i = 0; i < sizeof(elf_cases) / sizeof(elf_cases[0]); i++) {
		memcpy(img, image, image_len);
		size_t len = image_len;
		elf_cases[i].fn(img, &len);
		put(in_dir("bad"), img, len, 0755);
		int got = try_exec(in_dir("bad"));
		int ok = 0;
		for (int k = 0; k < 5 && elf_cases[i].want[k] != END; k++)
			ok |= got == elf_cases[i].want[k];
		if (!ok)
			ktap_diag("%s: got %d (want %d or %d)", elf_cases[i].name, got,
				  elf_cases[i].want[0], elf_cases[i].want[1]);
		EXPECT_TRUE(ok);
		unlink(in_dir("bad"));
	}
	unlink(in_dir("good"));
	free(img);
	/* Still alive and well: a fork works. */
	pid_t p = fork();
	if (p == 0)
		_exit(3);
	int st;
	EXPECT_EQ(waitpid(p, &st, 0), p);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3);
}

/* --- a full file system ---------------------------------------------------------- */

/* Ringtail's root tmpfs holds half the RAM (so does the Linux VM's):
 * fill it, get ENOSPC, and the space comes back with the file. (On a
 * host the disk is not ours to fill.) */
static void t_full_tmpfs_enospc(void)
{
	if (!scratch_machine()) {
		KTAP_SKIP("would fill the host's /tmp");
		return;
	}
	static char chunk[1 << 16];
	memset(chunk, 0x5a, sizeof(chunk));
	int fd = open(in_dir("fill"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!EXPECT_GE(fd, 0))
		return;
	long long total = 0;
	long rc;
	while ((rc = RSYS(SYS_write, fd, chunk, sizeof(chunk))) > 0)
		total += rc;
	EXPECT_EQ(rc, -ENOSPC);
	EXPECT_GT(total, 1 << 20);
	/* Nothing else fits either, but reading and removing work. */
	EXPECT_EQ(RSYS(SYS_write, fd, chunk, 4096), -ENOSPC);
	struct stat st;
	EXPECT_EQ(fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, total);
	close(fd);
	EXPECT_EQ(unlink(in_dir("fill")), 0);
	fd = open(in_dir("after"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	EXPECT_EQ(RSYS(SYS_write, fd, chunk, sizeof(chunk)), (long)sizeof(chunk));
	close(fd);
	unlink(in_dir("after"));
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_bad_path_pointers),
	KTAP_CASE(t_path_too_long),
	KTAP_CASE(t_special_names),
	KTAP_CASE(t_broken_executables),
	KTAP_CASE(t_full_tmpfs_enospc),
};

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exit0"))
		return 0;
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n > 0)
		self_path[n] = 0;
	else
		snprintf(self_path, sizeof(self_path), "%s", argv[0]);
	load_self();
	snprintf(dir, sizeof(dir), "/tmp/badinput.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	int rc = ktap_run(cases, KTAP_COUNT(cases));
	rmdir(dir);
	return rc;
}
