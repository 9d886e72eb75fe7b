/* Boot information from GRUB (Multiboot2) or QEMU's -kernel loader
 * (Multiboot1), copied into the loader-neutral struct bootinfo before any
 * frame it occupies can be reused. Everything is read through the boot
 * direct map, which covers the first 4 GiB. */
#include <lib/string.h>
#include <arch/x86.h>
#include <kernel/bootinfo.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <arch/x86/cpu.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB1_BOOTLOADER_MAGIC 0x2badb002

#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_MODULE   3
#define MB2_TAG_MMAP     6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define MB1_FLAG_CMDLINE (1u << 2)
#define MB1_FLAG_MODS    (1u << 3)
#define MB1_FLAG_MMAP    (1u << 6)

struct bootinfo bootinfo;


static void add_region(struct bootinfo *bi, u64 base, u64 len, bool usable)
{
	if (bi->nr_regions < BOOT_MAX_REGIONS && len)
		bi->regions[bi->nr_regions++] = (struct boot_region){ base, len, usable };
}

/* A module's string is "path-or-name [args...]": the program name is the
 * basename of the first word. */
static void add_module(struct bootinfo *bi, paddr_t start, paddr_t end, const char *str)
{
	if (bi->nr_modules >= BOOT_MAX_MODULES)
		return;
	struct boot_module *m = &bi->modules[bi->nr_modules++];
	m->start = start;
	m->end = end;
	const char *p = str;
	while (*p == ' ')
		p++;
	const char *w = p;
	while (*p && *p != ' ')
		p++;
	const char *base = w;
	for (const char *q = w; q < p; q++)
		if (*q == '/')
			base = q + 1;
	size_t n = MIN((size_t)(p - base), sizeof(m->name) - 1);
	memcpy(m->name, base, n);
	m->name[n] = 0;
	while (*p == ' ')
		p++;
	strlcpy(m->args, p, sizeof(m->args));
}

static void parse_mb2(paddr_t info, struct bootinfo *bi)
{
	u8 *base = phys_to_virt(info);
	u32 total = *(u32 *)base;
	bi->loader = "multiboot2";
	bi->info_start = info;
	bi->info_end = info + total;
	for (u8 *p = base + 8; p < base + total;) {
		u32 type = ((u32 *)p)[0], size = ((u32 *)p)[1];
		if (type == MB2_TAG_END || size < 8)
			break;
		switch (type) {
		case MB2_TAG_CMDLINE:
			strlcpy(bi->cmdline, (char *)(p + 8), sizeof(bi->cmdline));
			break;
		case MB2_TAG_MODULE:
			add_module(bi, ((u32 *)p)[2], ((u32 *)p)[3], (char *)(p + 16));
			break;
		case MB2_TAG_MMAP: {
			u32 esize = ((u32 *)p)[2];
			for (u8 *e = p + 16; e + esize <= p + size; e += esize)
				add_region(bi, *(u64 *)e, *(u64 *)(e + 8), *(u32 *)(e + 16) == 1);
			break;
		}
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* The tag holds a copy of the RSDP; remember where. */
			if (!bi->acpi_rsdp)
				bi->acpi_rsdp = virt_to_phys(p + 8);
			break;
		}
		p += ALIGN_UP(size, 8);
	}
}

static void parse_mb1(paddr_t info, struct bootinfo *bi)
{
	u32 *mbi = phys_to_virt(info);
	u32 flags = mbi[0];
	bi->loader = "multiboot1";
	bi->info_start = info;
	bi->info_end = info + 120;
	if (flags & MB1_FLAG_CMDLINE) {
		/* Multiboot1 loaders put the kernel's own path first: skip it. */
		const char *s = phys_to_virt(mbi[4]);
		while (*s && *s != ' ')
			s++;
		while (*s == ' ')
			s++;
		strlcpy(bi->cmdline, s, sizeof(bi->cmdline));
	}
	if (flags & MB1_FLAG_MODS) {
		u32 *mod = phys_to_virt(mbi[6]);
		for (u32 i = 0; i < mbi[5]; i++, mod += 4)
			add_module(bi, mod[0], mod[1], mod[2] ? phys_to_virt(mod[2]) : "");
	}
	if (flags & MB1_FLAG_MMAP) {
		u8 *e = phys_to_virt(mbi[12]);
		u8 *end = e + mbi[11];
		while (e < end) {
			u32 size = *(u32 *)e;
			add_region(bi, *(u64 *)(e + 4), *(u64 *)(e + 12), *(u32 *)(e + 20) == 1);
			e += size + 4;
		}
	}
}

void multiboot_parse(u32 magic, paddr_t info, struct bootinfo *bi)
{
	if (magic == MB2_BOOTLOADER_MAGIC)
		parse_mb2(info, bi);
	else if (magic == MB1_BOOTLOADER_MAGIC)
		parse_mb1(info, bi);
	else
		panic("unknown boot loader magic %#x (not Multiboot1 or 2)", magic);
	if (bi->nr_regions == 0)
		panic("boot loader passed no memory map");
}
