/* test_startup: what the kernel hands a new static program - the initial
 * stack (argc, argv, envp, auxv), the auxiliary vector, the loaded ELF image
 * (.data, .bss, TLS template), the thread pointer musl sets up from it, the
 * initial signal state and the standard file descriptors.
 *
 * Ringtail starts programs with argv = [name] and envp = HOME=/ PATH=/bin
 * TERM=linux; user/tests/compare_host.py starts the host run the same way.
 * The exact argv/envp cases are skipped only on a Linux host started some
 * other way (never on Ringtail).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#define ARCH_GET_FS 0x1003
#define PROG_NAME "test_startup"

extern const ElfW(Ehdr) __ehdr_start;   /* the linker's name for our ELF header */
extern char _start[], _end[];

static int g_argc;
static char **g_argv, **g_envp;
static unsigned long *g_auxv;           /* found by walking past envp */

/* Loaded-image checks: initialised data, zero-filled bss, TLS templates. */
static volatile unsigned long data_words[4] = { 0x0123456789abcdefUL, 1, 2, 0xfeedfacecafebeefUL };
static volatile char bss_big[3 * 4096 + 123];
static volatile int bss_small;
static const char rodata_str[] = "ringtail rodata";
static __thread volatile int tls_data = 0x1234;
static __thread volatile char tls_bss[64];

static unsigned long aux(unsigned long type, int *found)
{
	for (unsigned long *a = g_auxv; a && a[0] != AT_NULL; a += 2)
		if (a[0] == type) {
			if (found)
				*found = 1;
			return a[1];
		}
	if (found)
		*found = 0;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void t_stack_layout(void)
{
	long *sp = (long *)g_argv - 1;    /* the entry stack pointer */
	EXPECT_EQ(sp[0], g_argc);
	EXPECT_EQ((uintptr_t)sp % 16, 0);  /* the ABI: %rsp 16-aligned at entry */
	EXPECT_TRUE(g_argv[g_argc] == NULL);
	EXPECT_PTR_EQ(g_envp, g_argv + g_argc + 1);
	EXPECT_TRUE(g_auxv != NULL);
}

static void t_argv(void)
{
	EXPECT_EQ(g_argc, 1);
	if (EXPECT_TRUE(g_argc >= 1 && g_argv[0] != NULL))
		EXPECT_STREQ(base_name(g_argv[0]), PROG_NAME);
}

static int started_like_ringtail(void)
{
	static const char *const want[] = { "HOME=/", "PATH=/bin", "TERM=linux", NULL };
	for (int i = 0; ; i++) {
		if (!want[i] || !g_envp[i])
			return !want[i] && !g_envp[i] && g_argc == 1 && !strcmp(g_argv[0], PROG_NAME);
		if (strcmp(want[i], g_envp[i]))
			return 0;
	}
}

static void t_argv_envp_exact(void)
{
	if (!on_ringtail() && !started_like_ringtail()) {
		KTAP_SKIP("Linux host run not started like Ringtail (use compare_host.py)");
		return;
	}
	EXPECT_EQ(g_argc, 1);
	EXPECT_STREQ(g_argv[0], PROG_NAME);
	EXPECT_STREQ(g_envp[0], "HOME=/");
	if (g_envp[0]) {
		EXPECT_STREQ(g_envp[1], "PATH=/bin");
		if (g_envp[1]) {
			EXPECT_STREQ(g_envp[2], "TERM=linux");
			if (g_envp[2])
				EXPECT_TRUE(g_envp[3] == NULL);
		}
	}
	EXPECT_STREQ(getenv("HOME"), "/");
	EXPECT_STREQ(getenv("TERM"), "linux");
}

static void t_envp_format(void)
{
	int n = 0;
	for (char **e = g_envp; *e && n < 10000; e++, n++)
		if (!strchr(*e, '='))
			KTAP_FAIL("env entry %d has no '=': \"%s\"", n, *e);
	EXPECT_LT(n, 10000);
}

static void t_auxv_terminated(void)
{
	int n = 0;
	unsigned long seen = 0;
	unsigned long *a = g_auxv;
	for (; a[0] != AT_NULL && n < 256; a += 2, n++) {
		if (a[0] < 64) {
			if (seen & (1UL << a[0]))
				KTAP_FAIL("auxv type %lu appears twice", a[0]);
			seen |= 1UL << a[0];
		}
	}
	EXPECT_LT(n, 256);                 /* found AT_NULL */
	EXPECT_GE(n, 5);                   /* at least PAGESZ RANDOM PHDR PHNUM ENTRY */
}

static void t_auxv_pagesz(void)
{
	int found;
	EXPECT_EQ(aux(AT_PAGESZ, &found), 4096);
	EXPECT_TRUE(found);
	EXPECT_EQ(getauxval(AT_PAGESZ), 4096);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), 4096);
}

static void t_auxv_random(void)
{
	int found, nonzero;
	const unsigned char *r = (const unsigned char *)aux(AT_RANDOM, &found);
	unsigned char copy[16];

	if (!EXPECT_TRUE(found && r != NULL))
		return;
	fault_catch_install();
	if (!EXPECT_EQ(FAULT_TRY(for (int i = 0; i < 16; i++) copy[i] = peek8(r + i)), 0))
		return;
	nonzero = 0;
	for (int i = 0; i < 16; i++)
		nonzero |= copy[i];
	EXPECT_TRUE(nonzero);              /* all-zero: 2^-128 by chance */
	EXPECT_PTR_EQ(getauxval(AT_RANDOM), r);
}

static void t_auxv_phdr(void)
{
	int found, fent;
	unsigned long phent;

	EXPECT_EQ(memcmp(__ehdr_start.e_ident, ELFMAG, SELFMAG), 0);
	EXPECT_PTR_EQ(aux(AT_PHDR, &found), (const char *)&__ehdr_start + __ehdr_start.e_phoff);
	EXPECT_TRUE(found);
	EXPECT_EQ(aux(AT_PHNUM, &found), __ehdr_start.e_phnum);
	EXPECT_TRUE(found);
	phent = aux(AT_PHENT, &fent);
	if (fent)
		EXPECT_EQ(phent, sizeof(ElfW(Phdr)));
}

static void t_auxv_entry(void)
{
	int found;
	EXPECT_EQ_HEX(aux(AT_ENTRY, &found), (uintptr_t)_start);
	EXPECT_TRUE(found);
	EXPECT_EQ_HEX(__ehdr_start.e_entry, (uintptr_t)_start);
}

/* Entries Ringtail may leave out, but whose values must be right if given. */
static void t_auxv_optional(void)
{
	int f;
	unsigned long v;

	if ((v = aux(AT_UID, &f)), f) EXPECT_EQ(v, getuid());
	if ((v = aux(AT_EUID, &f)), f) EXPECT_EQ(v, geteuid());
	if ((v = aux(AT_GID, &f)), f) EXPECT_EQ(v, getgid());
	if ((v = aux(AT_EGID, &f)), f) EXPECT_EQ(v, getegid());
	if ((v = aux(AT_SECURE, &f)), f) EXPECT_EQ(v, 0);
	if ((v = aux(AT_CLKTCK, &f)), f) EXPECT_GT(v, 0);
	if ((v = aux(AT_EXECFN, &f)), f && EXPECT_TRUE(v != 0))
		EXPECT_STREQ(base_name((const char *)v), PROG_NAME);
	if ((v = aux(AT_SYSINFO_EHDR, &f)), f && EXPECT_TRUE(v != 0))
		EXPECT_EQ(memcmp((const void *)v, ELFMAG, SELFMAG), 0);
}

struct phdr_seen { const ElfW(Phdr) *phdr; int phnum, calls, text, data, tls; uintptr_t addr; };

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct phdr_seen *s = arg;
	(void)size;
	if (s->calls++)
		return 0;
	s->phdr = info->dlpi_phdr;
	s->phnum = info->dlpi_phnum;
	s->addr = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + p->p_vaddr, hi = lo + p->p_memsz;
		if (p->p_type == PT_LOAD && (p->p_flags & PF_X) &&
		    (uintptr_t)t_auxv_entry >= lo && (uintptr_t)t_auxv_entry < hi)
			s->text = 1;
		if (p->p_type == PT_LOAD && (p->p_flags & PF_W) &&
		    (uintptr_t)&bss_small >= lo && (uintptr_t)&bss_small < hi)
			s->data = 1;
		if (p->p_type == PT_TLS)
			s->tls = 1;
	}
	return 0;
}

static void t_dl_iterate_phdr(void)
{
	struct phdr_seen s = { 0 };
	dl_iterate_phdr(phdr_cb, &s);
	EXPECT_EQ(s.calls, 1);             /* static: only the program itself */
	EXPECT_PTR_EQ(s.phdr, getauxval(AT_PHDR));
	EXPECT_EQ(s.phnum, getauxval(AT_PHNUM));
	EXPECT_EQ(s.addr, 0);              /* not position independent */
	EXPECT_TRUE(s.text);
	EXPECT_TRUE(s.data);
	EXPECT_TRUE(s.tls);
}

static void t_image_data_bss(void)
{
	int nonzero = 0;
	EXPECT_EQ_HEX(data_words[0], 0x0123456789abcdefUL);
	EXPECT_EQ(data_words[1] + data_words[2], 3);
	EXPECT_EQ_HEX(data_words[3], 0xfeedfacecafebeefUL);
	for (size_t i = 0; i < sizeof(bss_big); i++)
		nonzero += bss_big[i] != 0;
	EXPECT_EQ(nonzero, 0);
	EXPECT_EQ(bss_small, 0);
	EXPECT_STREQ(rodata_str, "ringtail rodata");
	EXPECT_GE((uintptr_t)&bss_big[sizeof(bss_big) - 1], (uintptr_t)&data_words[3]);
	EXPECT_LE((uintptr_t)&bss_big[sizeof(bss_big) - 1], (uintptr_t)_end);
	bss_big[4096] = 1;                 /* writable */
	EXPECT_EQ(bss_big[4096], 1);
}

static void t_tls(void)
{
	long fs = 0;
	int nonzero = 0;
	EXPECT_EQ(RSYS(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	EXPECT_EQ_HEX(fs, (uintptr_t)pthread_self());
	EXPECT_EQ_HEX(*(long *)fs, fs);    /* x86_64 TLS ABI: %fs:0 points to itself */
	EXPECT_EQ(tls_data, 0x1234);
	for (size_t i = 0; i < sizeof(tls_bss); i++)
		nonzero += tls_bss[i] != 0;
	EXPECT_EQ(nonzero, 0);
	EXPECT_GT((uintptr_t)&tls_data, 0);
	tls_data++;
	EXPECT_EQ(tls_data, 0x1235);
	EXPECT_EQ(errno = 0, 0);           /* errno lives in the thread block */
}

static void t_initial_signal_state(void)
{
	sigset_t set;
	struct sigaction sa;
	EXPECT_EQ(RSYS(SYS_rt_sigprocmask, SIG_BLOCK, 0, &set, 8), 0);
	for (int s = 1; s < 65; s++) {
		if (sigismember(&set, s) == 1)
			KTAP_FAIL("signal %d blocked at start", s);
		if (s == SIGKILL || s == SIGSTOP || (s >= 32 && s < 35))
			continue;                  /* 32-34: musl's own (SIGCANCEL...) */
		if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			KTAP_FAIL("signal %d disposition is not SIG_DFL at start", s);
	}
}

static void t_std_fds(void)
{
	struct stat st;
	for (int fd = 0; fd < 3; fd++)
		EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_ERRNO(RSYS(SYS_fstat, 3, &st), EBADF);
}

static void t_initial_brk(void)
{
	long b = RSYS(SYS_brk, 0);
	EXPECT_GE((unsigned long)b, (uintptr_t)_end);
	EXPECT_EQ(RSYS(SYS_brk, 0), b);    /* stable */
}

static void t_stack_64k(void)
{
	volatile char big[64 * 1024];
	for (size_t i = 0; i < sizeof(big); i += 512)
		big[i] = (char)i;
	EXPECT_EQ(big[512 * 7], (char)(512 * 7));
	EXPECT_EQ(big[sizeof(big) - 512], (char)(sizeof(big) - 512));
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_initial_signal_state),  /* first: later cases install handlers */
	KTAP_CASE(t_stack_layout),
	KTAP_CASE(t_argv),
	KTAP_CASE(t_argv_envp_exact),
	KTAP_CASE(t_envp_format),
	KTAP_CASE(t_auxv_terminated),
	KTAP_CASE(t_auxv_pagesz),
	KTAP_CASE(t_auxv_random),
	KTAP_CASE(t_auxv_phdr),
	KTAP_CASE(t_auxv_entry),
	KTAP_CASE(t_auxv_optional),
	KTAP_CASE(t_dl_iterate_phdr),
	KTAP_CASE(t_image_data_bss),
	KTAP_CASE(t_tls),
	KTAP_CASE(t_std_fds),
	KTAP_CASE(t_initial_brk),
	KTAP_CASE(t_stack_64k),
};

int main(int argc, char **argv, char **envp)
{
	char **e = envp;
	g_argc = argc;
	g_argv = argv;
	g_envp = envp;
	while (*e)
		e++;
	g_auxv = (unsigned long *)(e + 1);
	return ktap_run(cases, KTAP_COUNT(cases));
}
