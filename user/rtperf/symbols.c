/* symbols.c - the binaries samples land in (perf's "dsos") and their
 * symbols, chosen by perf's rules so rtperf names a sample as Linux's perf
 * does: the kernel from /proc/kallsyms (each symbol reaches the next),
 * ELF files from .symtab (or .dynsym): functions, objects and labels in
 * text sections, kept as file offsets; a symbol without a size reaches
 * the next one; of several at one address the best is kept (a size,
 * not weak, global, fewer leading underscores, the longer name). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "rtperf.h"

static struct dso **dsos;
static size_t ndsos;

struct dso *dso_first(void) { return ndsos ? dsos[0] : NULL; }

struct dso *dso_next(struct dso *d)
{
	for (size_t i = 0; i + 1 < ndsos; i++)
		if (dsos[i] == d)
			return dsos[i + 1];
	return NULL;
}

struct dso *dso_find(const char *name, bool kernel)
{
	for (size_t i = 0; i < ndsos; i++)
		if (dsos[i]->kernel == kernel && !strcmp(dsos[i]->name, name))
			return dsos[i];
	struct dso **n = realloc(dsos, (ndsos + 1) * sizeof(*n));
	struct dso *d = calloc(1, sizeof(*d));
	if (!n || !d) {
		free(d);
		if (n)
			dsos = n;
		return NULL;
	}
	dsos = n;
	snprintf(d->name, sizeof(d->name), "%s", name);
	const char *slash = strrchr(d->name, '/');
	d->short_name = slash && !kernel ? slash + 1 : d->name;
	d->kernel = kernel;
	dsos[ndsos++] = d;
	return d;
}

void dso_set_build_id(struct dso *d, const u8 *id, u32 size)
{
	if (!size || size > sizeof(d->build_id) || d->build_id_size)
		return;
	memcpy(d->build_id, id, size);
	d->build_id_size = size;
}

/* --- build ids ---------------------------------------------------------------------- */

u32 notes_build_id(const u8 *p, size_t len, u8 id[20])
{
	size_t off = 0;
	while (off + 12 <= len) {
		u32 namesz, descsz, type;
		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		size_t name = off + 12, desc = name + ((namesz + 3) & ~3u);
		if (namesz > len || descsz > len || desc + descsz > len)
			return 0;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(p + name, "GNU", 4) &&
		    descsz && descsz <= 20) {
			memcpy(id, p + desc, descsz);
			return descsz;
		}
		off = desc + ((descsz + 3) & ~3u);
	}
	return 0;
}

static bool elf_ok(const u8 *f, size_t len)
{
	const Elf64_Ehdr *e = (const void *)f;
	return len >= sizeof(*e) && !memcmp(e->e_ident, ELFMAG, SELFMAG) &&
	       e->e_ident[EI_CLASS] == ELFCLASS64 &&
	       e->e_phoff <= len && (u64)e->e_phnum * sizeof(Elf64_Phdr) <= len - e->e_phoff &&
	       e->e_shoff <= len && (u64)e->e_shnum * sizeof(Elf64_Shdr) <= len - e->e_shoff;
}

static u32 elf_build_id(const u8 *f, size_t len, u8 id[20])
{
	const Elf64_Ehdr *e = (const void *)f;
	const Elf64_Phdr *ph = (const void *)(f + e->e_phoff);
	for (int i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_NOTE && ph[i].p_offset <= len &&
		    ph[i].p_filesz <= len - ph[i].p_offset) {
			u32 n = notes_build_id(f + ph[i].p_offset, ph[i].p_filesz, id);
			if (n)
				return n;
		}
	return 0;
}

u32 file_build_id(const char *path, u8 id[20])
{
	size_t len;
	u8 *f = (u8 *)slurp(path, &len);
	u32 n = f && elf_ok(f, len) ? elf_build_id(f, len, id) : 0;
	free(f);
	return n;
}

/* --- symbol tables ------------------------------------------------------------------- */

static int by_start(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;      /* stable: table order */
}

static int underscores(const char *s)
{
	int n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

/* perf's choose_best_symbol: true to keep a over b. */
static bool better(const struct sym *a, const struct sym *b)
{
	u64 sa = a->end - a->start, sb = b->end - b->start;
	if (!sb != !sa)
		return sa != 0;
	if ((a->bind == STB_WEAK) != (b->bind == STB_WEAK))
		return b->bind == STB_WEAK;
	if ((a->bind == STB_GLOBAL) != (b->bind == STB_GLOBAL))
		return a->bind == STB_GLOBAL;
	if (underscores(a->name) != underscores(b->name))
		return underscores(a->name) < underscores(b->name);
	return strlen(a->name) >= strlen(b->name);
}

/* Sort, give size-less symbols the space up to the next one, keep the
 * best of each address (perf: fixup_end, then fixup_duplicate). */
static void finish_table(struct dso *d)
{
	struct sym *s = d->syms;
	size_t n = d->nsyms, k = 0;
	qsort(s, n, sizeof(*s), by_start);
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i].end == s[i].start)
			s[i].end = s[i + 1].start;
	if (n && s[n - 1].end == s[n - 1].start)
		s[n - 1].end = (s[n - 1].start & ~4095ULL) + 8192;
	for (size_t i = 0; i < n; i++) {
		if (k && s[k - 1].start == s[i].start) {
			if (!better(&s[k - 1], &s[i]))
				s[k - 1] = s[i];
			continue;
		}
		s[k++] = s[i];
	}
	d->nsyms = k;
}

static void add_sym(struct dso *d, size_t *cap, u64 start, u64 size, const char *name, u8 bind, u8 type)
{
	if (d->nsyms == *cap) {
		struct sym *n = realloc(d->syms, (*cap = *cap ? 2 * *cap : 1024) * sizeof(*n));
		if (!n)
			return;
		d->syms = n;
	}
	d->syms[d->nsyms] = (struct sym){ start, start + size, name, bind, type, (u32)d->nsyms };
	d->nsyms++;
}

static void load_kallsyms(struct dso *d)
{
	size_t len, cap = 0;
	char *text = slurp("/proc/kallsyms", &len);
	if (!text)
		return;
	d->strs = text;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *end;
		u64 addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || !end[1] || !strchr("tTwW", end[1]) || end[2] != ' ')
			continue;
		char *name = end + 3;
		name[strcspn(name, " \t")] = 0;
		add_sym(d, &cap, addr, 0, name, end[1] == 'T' ? STB_GLOBAL : STB_LOCAL, STT_FUNC);
	}
	finish_table(d);
}

u64 kallsyms_address(const char *name)
{
	struct dso *k = dso_find("[kernel.kallsyms]", true);
	if (k && !k->loaded) {
		k->loaded = true;
		load_kallsyms(k);
	}
	for (size_t i = 0; k && i < k->nsyms; i++)
		if (!strcmp(k->syms[i].name, name))
			return k->syms[i].start;
	return 0;
}

/* The load segment holding vaddr: symbols become file offsets (perf's
 * adjust_symbols for executables). */
static bool vaddr_to_offset(const Elf64_Ehdr *e, const u8 *f, u64 vaddr, u64 *off)
{
	const Elf64_Phdr *ph = (const void *)(f + e->e_phoff);
	for (int i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr &&
		    vaddr < ph[i].p_vaddr + ph[i].p_memsz) {
			*off = vaddr - ph[i].p_vaddr + ph[i].p_offset;
			return true;
		}
	return false;
}

static void load_elf_table(struct dso *d, const u8 *f, size_t len, u32 want, size_t *cap)
{
	const Elf64_Ehdr *e = (const void *)f;
	const Elf64_Shdr *sh = (const void *)(f + e->e_shoff);
	const char *secnames = NULL;
	if (e->e_shstrndx < e->e_shnum && sh[e->e_shstrndx].sh_offset < len)
		secnames = (const char *)f + sh[e->e_shstrndx].sh_offset;
	for (int i = 0; i < e->e_shnum; i++) {
		if (sh[i].sh_type != want || sh[i].sh_link >= e->e_shnum || sh[i].sh_entsize != sizeof(Elf64_Sym))
			continue;
		const Elf64_Shdr *str = &sh[sh[i].sh_link];
		if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset ||
		    str->sh_offset > len || str->sh_size > len - str->sh_offset || !str->sh_size)
			continue;
		const Elf64_Sym *syms = (const void *)(f + sh[i].sh_offset);
		const char *names = (const char *)f + str->sh_offset;
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*syms); k++) {
			const Elf64_Sym *s = &syms[k];
			u8 type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
			u8 vis = ELF64_ST_VISIBILITY(s->st_other);
			if (!s->st_name || s->st_name >= str->sh_size || s->st_shndx == SHN_UNDEF ||
			    s->st_shndx >= e->e_shnum)
				continue;
			bool label = type == STT_NOTYPE && vis != STV_HIDDEN && vis != STV_INTERNAL;
			if (!label && type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT)
				continue;
			const Elf64_Shdr *sec = &sh[s->st_shndx];
			if (!(sec->sh_flags & SHF_ALLOC))
				continue;
			if (label && !(secnames && sec->sh_name < len - sh[e->e_shstrndx].sh_offset &&
				       strstr(secnames + sec->sh_name, "text")))
				continue;
			u64 off;
			if (!vaddr_to_offset(e, f, s->st_value, &off))
				off = s->st_value - (sec->sh_addr - sec->sh_offset);
			add_sym(d, cap, off, s->st_size, names + s->st_name, bind, type);
		}
		return;
	}
}

static void load_elf(struct dso *d)
{
	size_t len, cap = 0;
	u8 *f = (u8 *)slurp(d->name, &len);
	if (!f || !elf_ok(f, len)) {
		free(f);
		return;
	}
	u8 id[20];
	u32 n = elf_build_id(f, len, id);
	if (n && d->build_id_size && (n != d->build_id_size || memcmp(id, d->build_id, n))) {
		free(f);        /* another file than the one that ran: no symbols */
		return;
	}
	dso_set_build_id(d, id, n);
	d->strs = (char *)f;
	load_elf_table(d, f, len, SHT_SYMTAB, &cap);
	if (!d->nsyms)
		load_elf_table(d, f, len, SHT_DYNSYM, &cap);
	finish_table(d);
}

const struct sym *dso_lookup(struct dso *d, u64 addr)
{
	if (!d->loaded) {
		d->loaded = true;
		if (d->kernel)
			load_kallsyms(d);
		else
			load_elf(d);
	}
	size_t lo = 0, hi = d->nsyms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (d->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= d->syms[lo - 1].end)
		return NULL;
	return &d->syms[lo - 1];
}
