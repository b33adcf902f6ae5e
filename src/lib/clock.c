/*
 * The clocks: monotonic seconds for every wait, timeout and elapsed time;
 * wall-clock seconds for what outlives the process (cache entries) or is
 * shown to a person (the end of a quota window).
 */

#include <math.h>
#include <time.h>

#include "lib/lib.h"

/* Monotonic seconds, from an arbitrary start. */
double
clock_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Wall-clock seconds since the epoch. */
double
clock_wall(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Milliseconds since a time that clock_mono gave. */
double
clock_ms_since(double start)
{
	return ((clock_mono() - start) * 1e3);
}

/* A time on the monotonic clock as local wall-clock HH:MM:SS. */
void
clock_hms(double mono, char *buf, size_t size)
{
	time_t		t = time(NULL) + (time_t)ceil(mono - clock_mono());
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
}
