/* The monotonic clock: TSC cycles scaled to nanoseconds.
 *
 * The TSC rate is measured against the PIT (channel 2, a fixed 1.193182 MHz
 * reference). It is a sound clock when the CPU says the TSC is invariant, or
 * under a hypervisor (QEMU's TSC follows the host's constant-rate TSC);
 * arch_clock_source() says which. All CPUs share one conversion and one
 * zero point, so timestamps from different CPUs are comparable.
 * Wall-clock time comes from the CMOS RTC, read once at boot. */
#include <arch/x86.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <arch/x86/tsc.h>
#include <arch/clock.h>
#include <kernel/arch/clock.h>
#include <kernel/arch/perf.h>

#define PIT_HZ 1193182u

struct tsc_conv tsc_conv;       /* arch/clock.h: base and mult */
#define tsc_base tsc_conv.base
#define mult tsc_conv.mult
#define SHIFT TSC_SHIFT
static u64 tsc_khz;
static u64 boot_unix_ns;
static const char *source = "tsc";


/* Cycles during `ms` milliseconds of PIT channel 2 in one-shot mode, or 0
 * if the measurement cannot be trusted. Both ends are bracketed by TSC
 * reads: the count starts somewhere inside the two port writes and ends
 * between the last poll that saw it running and the one that saw it done.
 * A CPU the host did not run for a while (an emulator on a busy machine)
 * widens a bracket, which can make the interval look longer or shorter;
 * such a measurement (more than 1% uncertain) is refused. */
static u64 pit_measure(u32 ms)
{
	u32 count = PIT_HZ / 1000 * ms;
	u8 gate = inb(0x61);
	outb(0x61, (gate & ~0x02) | 0x01);      /* speaker off, gate on */
	outb(0x43, 0xb0);                       /* ch 2, lo/hi, mode 0, binary */
	u64 start_lo = rdtsc();
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);                 /* counting starts here */
	u64 start_hi = rdtsc(), end_lo = start_hi, end_hi = 0;
	/* Bit 5 of port 0x61 follows channel 2's output: set at terminal count.
	 * Bounded so a missing PIT cannot hang the boot. */
	for (u64 i = 0; i < (1ull << 32); i++) {
		u64 before = rdtsc();
		bool done = inb(0x61) & 0x20;
		u64 after = rdtsc();
		if (done) {
			end_hi = after;
			break;
		}
		end_lo = before;
	}
	outb(0x61, gate);
	if (!end_hi)
		return 0;
	u64 shortest = end_lo - start_hi, longest = end_hi - start_lo;
	if ((longest - shortest) * 100 > longest)
		return 0;
	return shortest + (longest - shortest) / 2;
}

/* A trusted measurement of `ms` ms, trying up to `tries` times; 0 if none. */
static u64 pit_measure_trusted(u32 ms, int tries)
{
	for (int i = 0; i < tries; i++) {
		u64 c = pit_measure(ms);
		if (c)
			return c;
	}
	return 0;
}

static u8 cmos_read(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static u64 rtc_unix_seconds(void)
{
	while (cmos_read(0x0a) & 0x80)          /* update in progress */
		;
	u32 s = cmos_read(0x00), m = cmos_read(0x02), h = cmos_read(0x04);
	u32 d = cmos_read(0x07), mo = cmos_read(0x08), y = cmos_read(0x09);
	u8 b = cmos_read(0x0b);
	if (!(b & 0x04)) {                      /* BCD */
#define BCD(x) (((x) & 0x0f) + ((x) >> 4) * 10)
		s = BCD(s); m = BCD(m); h = BCD(h & 0x7f) | (h & 0x80);
		d = BCD(d); mo = BCD(mo); y = BCD(y);
#undef BCD
	}
	if (!(b & 0x02) && (h & 0x80))          /* 12-hour clock, PM */
		h = ((h & 0x7f) + 12) % 24;
	y += 2000;
	/* Days since 1970-01-01 (civil calendar). */
	static const u16 cum[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	u64 days = (y - 1970) * 365 + (y - 1969) / 4 - (y - 1901) / 100 + (y - 1601) / 400;
	days += cum[(mo - 1) % 12] + d - 1;
	if (mo > 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		days++;
	return days * 86400 + h * 3600 + m * 60 + s;
}

void tsc_init(void)
{
	tsc_khz = pit_measure_trusted(10, 100) / 10;
	if (tsc_khz == 0)
		panic("TSC calibration failed (no PIT, or no trustworthy measurement in 100 tries)");
	mult = ((u64)1000000 << SHIFT) / tsc_khz;
	tsc_base = rdtsc();
	if (cpu_features.invariant_tsc)
		source = "tsc (invariant)";
	else if (cpu_features.hypervisor)
		source = "tsc (constant rate under the hypervisor)";
	else
		source = "tsc (not invariant: may drift with frequency changes)";
	boot_unix_ns = rtc_unix_seconds() * 1000000000ull;
	printk("clock: %s, %llu.%03llu MHz\n", source, tsc_khz / 1000, tsc_khz % 1000);
}

u64 arch_clock_cycles(void)
{
	return rdtsc();
}

u64 arch_clock_ns(void)
{
	return arch_clock_ns_inline();
}

u64 arch_realtime_offset_ns(void)
{
	return boot_unix_ns;
}

const char *arch_clock_source(void)
{
	return source;
}

u64 arch_cycles_khz(void)
{
	return tsc_khz;
}

/* Conversion parameters for perf's user page (cap_user_time): user space
 * computes ns = ((cyc * time_mult) >> time_shift) + time_offset. */
void arch_clock_user_params(u32 *time_mult, u16 *time_shift, u64 *time_offset)
{
	u64 m = mult;
	u16 shift = SHIFT;
	while (m > 0xffffffffull) {     /* the user page holds a u32 multiplier */
		m >>= 1;
		shift--;
	}
	*time_mult = (u32)m;
	*time_shift = shift;
	*time_offset = -(u64)(((unsigned __int128)tsc_base * m) >> shift);
}

/* Tests: nanoseconds of clock time during `ms` milliseconds of PIT time
 * (0: no trustworthy measurement in 50 tries). */
u64 pit_measure_ns_for_tests(u32 ms)
{
	u64 cycles = pit_measure_trusted(ms, 50);
	return (u64)(((unsigned __int128)cycles * mult) >> SHIFT);
}

void arch_clock_delay_ns(u64 ns)
{
	u64 t0 = arch_clock_ns();
	while (arch_clock_ns() - t0 < ns)
		cpu_relax();
}
