/*
 * The CMOS real-time clock, read once at boot to set CLOCK_REALTIME (unless
 * kvmclock gives a finer one); from then on the monotonic clock carries it
 * forward. Without either (some microVMs) it starts at the Unix epoch.
 */
#include <alto/compiler.h>
#include <alto/time.h>
#include <alto/vdso.h>
#include <alto/x86.h>

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71
#define REG_UIP	  0x0a
#define REG_B	  0x0b

static int64_t realtime_offset; /* realtime = monotonic + offset */

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_ADDR, reg);
	return inb(CMOS_DATA);
}

static unsigned int bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0xf);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), by the usual shifted-year method. */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned int yoe = (unsigned int)(y - era * 400);
	unsigned int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool read_rtc(int64_t *seconds)
{
	if (cmos(REG_B) == 0xff)
		return false; /* no RTC */
	for (int i = 0; i < 1000000 && (cmos(REG_UIP) & 0x80); i++)
		cpu_relax(); /* an update is in progress */
	uint8_t b = cmos(REG_B);
	bool binary = b & 0x04, h24 = b & 0x02;
	unsigned int sec = bcd(cmos(0x00), binary), min = bcd(cmos(0x02), binary);
	uint8_t hraw = cmos(0x04);
	unsigned int hour = bcd(hraw & 0x7f, binary);
	unsigned int day = bcd(cmos(0x07), binary), mon = bcd(cmos(0x08), binary);
	unsigned int year = bcd(cmos(0x09), binary) + 2000;
	if (!h24 && (hraw & 0x80))
		hour = (hour % 12) + 12;
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return false;
	*seconds = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	return true;
}

void rtc_init(void)
{
	int64_t seconds;
	uint64_t ns;

	if (kvmclock_wall_ns(&ns))
		time_set_realtime_ns(ns); /* to the nanosecond; the RTC has whole seconds */
	else if (read_rtc(&seconds))
		realtime_offset = seconds * (int64_t)NSEC_PER_SEC - (int64_t)time_now_ns();
}

uint64_t time_realtime_ns(void)
{
	return (uint64_t)((int64_t)time_now_ns() + realtime_offset);
}

int64_t time_realtime_offset_ns(void)
{
	return READ_ONCE(realtime_offset);
}

void time_set_realtime_ns(uint64_t ns)
{
	realtime_offset = (int64_t)ns - (int64_t)time_now_ns();
	vdso_update(); /* the vDSO computes the wall clock with the offset */
}
