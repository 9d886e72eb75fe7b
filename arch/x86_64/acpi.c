/* ACPI, just enough to learn the machine's shape from the MADT: the local
 * APIC ids of every CPU, the I/O APIC(s) and how ISA IRQs map to GSIs.
 * Tables are read through the direct map; every length is checked against
 * the table that claims it, and checksums are verified. */
#include <lib/string.h>
#include <arch/x86.h>
#include <kernel/bootinfo.h>
#include <kernel/printk.h>
#include <arch/x86/acpi.h>

struct acpi_info acpi;

struct rsdp {
	char sig[8];
	u8 checksum;
	char oem[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 xchecksum;
	u8 reserved[3];
} __packed;

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;

static bool checksum_ok(const void *p, size_t n)
{
	u8 sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += ((const u8 *)p)[i];
	return sum == 0;
}

static const struct rsdp *find_rsdp(void)
{
	if (bootinfo.acpi_rsdp) {
		const struct rsdp *r = phys_to_virt(bootinfo.acpi_rsdp);
		if (!memcmp(r->sig, "RSD PTR ", 8))
			return r;
	}
	/* The BIOS area, on 16-byte boundaries (QEMU's -kernel path passes
	 * no RSDP in Multiboot1 information). */
	for (paddr_t pa = 0xe0000; pa < 0x100000; pa += 16) {
		const struct rsdp *r = phys_to_virt(pa);
		if (!memcmp(r->sig, "RSD PTR ", 8) && checksum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct sdt_header *table_at(paddr_t pa)
{
	const struct sdt_header *h = phys_to_virt(pa);
	if (h->length < sizeof(*h) || h->length > (1u << 20) || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

static void parse_madt(const struct sdt_header *h)
{
	const u8 *p = (const u8 *)h + sizeof(*h) + 8;   /* after LAPIC address, flags */
	const u8 *end = (const u8 *)h + h->length;
	for (int i = 0; i < 16; i++)
		acpi.isa_gsi[i] = i;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		switch (p[0]) {
		case 0:         /* processor local APIC: uid, apic id, flags */
			if ((*(const u32 *)(p + 4) & 3) && acpi.nr_cpus < ACPI_MAX_CPUS)
				acpi.apic_ids[acpi.nr_cpus++] = p[3];
			break;
		case 1:         /* I/O APIC: id, reserved, address, GSI base */
			if (!acpi.ioapic_addr) {
				acpi.ioapic_addr = *(const u32 *)(p + 4);
				acpi.ioapic_gsi_base = *(const u32 *)(p + 8);
			}
			break;
		case 2:         /* interrupt source override: bus, irq, gsi, flags */
			if (p[3] < 16) {
				acpi.isa_gsi[p[3]] = *(const u32 *)(p + 4);
				acpi.isa_flags[p[3]] = *(const u16 *)(p + 8);
			}
			break;
		}
		p += p[1];
	}
}

void acpi_init(void)
{
	const struct rsdp *r = find_rsdp();
	if (!r) {
		printk("acpi: no RSDP; assuming one CPU and the standard I/O APIC\n");
		goto defaults;
	}
	bool x = r->revision >= 2 && r->xsdt;
	const struct sdt_header *root = table_at(x ? r->xsdt : r->rsdt);
	if (!root)
		goto defaults;
	size_t esz = x ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esz;
	for (size_t i = 0; i < n; i++) {
		const u8 *e = (const u8 *)root + sizeof(*root) + i * esz;
		paddr_t pa = x ? *(const u64 *)e : *(const u32 *)e;
		const struct sdt_header *t = table_at(pa);
		if (t && !memcmp(t->sig, "APIC", 4))
			parse_madt(t);
	}
defaults:
	if (!acpi.ioapic_addr)
		acpi.ioapic_addr = 0xfec00000;
	if (!acpi.nr_cpus) {
		acpi.nr_cpus = 1;
		acpi.apic_ids[0] = 0;
	}
	if (!acpi.isa_gsi[1])
		for (int i = 0; i < 16; i++)
			acpi.isa_gsi[i] = i ? i : 2;
	printk("acpi: %d CPU(s), I/O APIC at %#x, ISA IRQ0 -> GSI %u\n", acpi.nr_cpus,
	       acpi.ioapic_addr, acpi.isa_gsi[0]);
}
