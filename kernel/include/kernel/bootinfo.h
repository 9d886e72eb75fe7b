/* What the boot loader told us, in a loader-neutral form (arch code parses
 * Multiboot1 or Multiboot2 into this). */
#pragma once
#include <lib/types.h>

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 64
#define BOOT_CMDLINE_MAX 1024

struct boot_region {
	paddr_t base;
	u64 len;
	bool usable;
};

struct boot_module {
	paddr_t start;
	paddr_t end;            /* exclusive */
	char name[64];          /* the module's command line (program name) */
	char args[192];         /* words after the name */
};

struct bootinfo {
	const char *loader;     /* "multiboot2" or "multiboot1" */
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_region regions[BOOT_MAX_REGIONS];
	int nr_regions;
	struct boot_module modules[BOOT_MAX_MODULES];
	int nr_modules;
	paddr_t info_start, info_end;   /* the loader's structure itself */
	paddr_t acpi_rsdp;              /* 0 if not passed by the loader */
};

extern struct bootinfo bootinfo;
