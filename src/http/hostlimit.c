/*
 * Concurrency per host (--host-concurrency): how many requests to one host
 * may be in flight at once. A fixed limit N only caps; "auto" adapts it,
 * AIMD with a latency signal as Netflix's concurrency-limits does. Answers
 * with the limit in use grow it: by one each at first, doubling it each
 * round trip; after the first sign of trouble, each round trip by half the
 * way back to where it was cut, then beyond by half of what it has gone
 * past (as TCP's BIC does). A 429, a 503 or a timeout cuts it by
 * HOSTLIMIT_BACKOFF and below what was in flight; a round trip's mean
 * latency above HOSTLIMIT_TOLERANCE times the lowest seen lately cuts it
 * by as much as the latency rose; at most one cut a round trip. It stays
 * within 1 and -j. The lowest latency is that of the last two
 * HOSTLIMIT_WINDOW-second windows, so a host that becomes slower for good
 * is not throttled for ever.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "http/http.h"

#define HOSTLIMIT_INITIAL	16	/* first limit of "auto" */
#define HOSTLIMIT_TOLERANCE	1.3	/* latency still "near the lowest" */
#define HOSTLIMIT_BACKOFF	0.9	/* a cut keeps this much */
#define HOSTLIMIT_WINDOW	10.0	/* seconds a lowest latency counts */
#define HOSTLIMIT_STEP		32	/* most growth in a round */
#define HOSTLIMIT_ROUND_MIN	8	/* answers a round's mean needs */
#define HOSTLIMIT_STATS		1000	/* hosts listed in --stats */

struct hostlimit {
	char		*name;
	int		 adapt;		/* "auto" */
	u_int		 cap;		/* -j, or the fixed N */
	u_int		 inflight;
	double		 limit;
	u_int		 min, max;	/* of the limit, as used */
	int		 slow_start;	/* no trouble seen yet */
	double		 srtt;		/* mean latency of the last round */
	double		 low_cur;	/* lowest this window */
	double		 low_prev;	/* lowest the window before */
	double		 window_end;
	double		 calm_until;	/* no second cut before */
	double		 wmax;		/* the limit at the last cut */
	double		 round_sum;	/* latencies this round */
	u_int		 round_n;
	double		 round_end;
	uint64_t	 cuts;
};

static struct hostlimit	**hostlimit_all;
static u_int		  hostlimit_n;

/* A limit for a host: adapting (cap is -j) or fixed at cap. */
struct hostlimit *
hostlimit_new(const char *name, u_int cap, int adapt)
{
	struct hostlimit	*hl;

	hl = xcalloc(1, sizeof *hl);
	hl->name = xstrdup(name);
	hl->adapt = adapt;
	hl->cap = cap > 0 ? cap : 1;
	hl->limit = adapt && hl->cap > HOSTLIMIT_INITIAL ? HOSTLIMIT_INITIAL :
	    hl->cap;
	hl->min = hl->max = (u_int)hl->limit;
	hl->slow_start = 1;
	if (hostlimit_n < HOSTLIMIT_STATS) {
		hostlimit_all = xreallocarray(hostlimit_all, hostlimit_n + 1,
		    sizeof *hostlimit_all);
		hostlimit_all[hostlimit_n++] = hl;
	}
	return (hl);
}

/* Free a limit (it leaves the --stats list). */
void
hostlimit_free(struct hostlimit *hl)
{
	u_int	i;

	for (i = 0; i < hostlimit_n; i++) {
		if (hostlimit_all[i] == hl) {
			hostlimit_all[i] = hostlimit_all[--hostlimit_n];
			break;
		}
	}
	if (hostlimit_n == 0) {
		free(hostlimit_all);
		hostlimit_all = NULL;
	}
	free(hl->name);
	free(hl);
}

/* The current limit, a whole number of requests. */
u_int
hostlimit_limit(struct hostlimit *hl)
{
	return ((u_int)hl->limit);
}

/* Requests to the host in flight now. */
u_int
hostlimit_inflight(struct hostlimit *hl)
{
	return (hl->inflight);
}

/* Is there room for one more request now? */
int
hostlimit_room(struct hostlimit *hl)
{
	return (hl->inflight < (u_int)hl->limit);
}

/* A request to the host starts. */
void
hostlimit_start(struct hostlimit *hl)
{
	hl->inflight++;
}

/* Set the limit (within 1 and the cap), keeping its min and max. */
static void
hostlimit_set(struct hostlimit *hl, double limit)
{
	if (limit < 1)
		limit = 1;
	if (limit > hl->cap)
		limit = hl->cap;
	hl->limit = limit;
	if ((u_int)limit < hl->min)
		hl->min = (u_int)limit;
	if ((u_int)limit > hl->max)
		hl->max = (u_int)limit;
}

/* The lowest latency of the last two windows (0: none yet). */
static double
hostlimit_low(struct hostlimit *hl, double now)
{
	if (now >= hl->window_end) {
		hl->low_prev = hl->low_cur;
		hl->low_cur = 0;
		hl->window_end = now + HOSTLIMIT_WINDOW;
	}
	if (hl->low_prev == 0 || (hl->low_cur != 0 && hl->low_cur < hl->low_prev))
		return (hl->low_cur);
	return (hl->low_prev);
}

/* Trouble: cut the limit by factor (half of it at most), and wait a
 * round before the next cut. */
static void
hostlimit_cut(struct hostlimit *hl, double now, double factor)
{
	hl->slow_start = 0;
	hl->cuts++;
	hl->wmax = hl->limit;
	hostlimit_set(hl, hl->limit * (factor < 0.5 ? 0.5 : factor));
	/* Answers already under way saw the old limit: one round. */
	hl->calm_until = now + (hl->srtt > hl->low_cur ? hl->srtt :
	    hl->low_cur);
	hl->round_sum = 0;
	hl->round_n = 0;
	hl->round_end = hl->calm_until;
}

/*
 * An answer in good time with the limit in use: grow it. In slow start by
 * one (doubling each round); then, each round, by half the way back to
 * the limit of the last cut, or past it by half as much as it has already
 * gone beyond it (a binary search for the host's capacity, as BIC does),
 * by one at least and HOSTLIMIT_STEP at most.
 */
static void
hostlimit_grow(struct hostlimit *hl)
{
	double	step;

	if (hl->slow_start) {
		hostlimit_set(hl, hl->limit + 1);
		return;
	}
	if (hl->limit < hl->wmax)
		step = (hl->wmax - hl->limit) / 2;
	else
		step = (hl->limit - hl->wmax) / 2;
	if (step < 1)
		step = 1;
	if (step > HOSTLIMIT_STEP)
		step = HOSTLIMIT_STEP;
	hostlimit_set(hl, hl->limit + step / hl->limit);
}

/*
 * A request to the host ended after rtt seconds; drop says the host
 * refused or failed it (429, 503, a timeout). An adapting limit moves.
 */
void
hostlimit_end(struct hostlimit *hl, double rtt, int drop, double now)
{
	double	low, avg;
	u_int	used = hl->inflight;

	if (hl->inflight > 0)
		hl->inflight--;
	if (!hl->adapt)
		return;
	if (drop) {
		/* It could not take used at once: never as many again now. */
		if (now >= hl->calm_until)
			hostlimit_cut(hl, now, HOSTLIMIT_BACKOFF);
		if (hl->limit > used - 1)
			hostlimit_set(hl, used - 1);
		return;
	}
	if (rtt > 0) {
		if (hl->low_cur == 0 || rtt < hl->low_cur)
			hl->low_cur = rtt;
		hl->round_sum += rtt;
		hl->round_n++;
	}
	low = hostlimit_low(hl, now);
	/* Once a round (the lowest latency long): its mean against it. */
	if (now >= hl->round_end && hl->round_n >= HOSTLIMIT_ROUND_MIN) {
		avg = hl->srtt = hl->round_sum / hl->round_n;
		hl->round_sum = 0;
		hl->round_n = 0;
		hl->round_end = now + low;
		if (avg > low * HOSTLIMIT_TOLERANCE && now >= hl->calm_until) {
			/* As far down as the latency rose, within reason. */
			hostlimit_cut(hl, now, low * HOSTLIMIT_TOLERANCE /
			    avg * HOSTLIMIT_BACKOFF);
			return;
		}
	}
	if (used * 2 >= (u_int)hl->limit)	/* else no sign it is low */
		hostlimit_grow(hl);
}

/* A line part for --progress: the current limits of the busiest hosts. */
void
hostlimit_progress(char *buf, size_t size)
{
	size_t	n = 0;
	u_int	i, shown = 0;

	*buf = '\0';
	for (i = 0; i < hostlimit_n && shown < 2; i++) {
		if (!hostlimit_all[i]->adapt ||
		    hostlimit_all[i]->inflight == 0)
			continue;
		n += snprintf(buf + n, n < size ? size - n : 0, ", %s limit %u",
		    hostlimit_all[i]->name, (u_int)hostlimit_all[i]->limit);
		shown++;
	}
}

/* Each host's limit (final, min, max) and cuts, for --stats; NULL if
 * none. */
json_t *
hostlimit_stats(void)
{
	struct hostlimit	*hl;
	json_t			*o;
	u_int			 i;

	if (hostlimit_n == 0)
		return (NULL);
	o = json_object();
	for (i = 0; i < hostlimit_n; i++) {
		hl = hostlimit_all[i];
		json_object_set_new(o, hl->name, json_pack("{sssIsIsIsI}",
		    "mode", hl->adapt ? "auto" : "fixed",
		    "limit", (json_int_t)hl->limit, "min", (json_int_t)hl->min,
		    "max", (json_int_t)hl->max, "cuts", (json_int_t)hl->cuts));
	}
	return (o);
}
