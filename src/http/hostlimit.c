/*
 * Concurrency per host (--host-concurrency): how many requests to one host
 * may be in flight at once. A fixed limit N only caps; "auto" adapts it
 * from the answers' latency, as Netflix's concurrency-limits (Vegas,
 * Gradient2) does: the latency with no queue at the host is the lowest
 * round mean of the last two HOSTLIMIT_WINDOW-second windows; a round's
 * mean above it, or slow answers (over HOSTLIMIT_CUT times it) among its
 * answers, are a queue; and what the host answered in a round, times that
 * lowest latency (Little's law), is how many it serves at once with no
 * queue. A round is about a round trip of answers to requests sent at the
 * limit in use (the limit's epoch): answers to requests sent before it
 * moved saw another limit and do not count.
 *
 * Slow start: each fast answer (within HOSTLIMIT_CLEAN of the lowest),
 * the limit in use, adds one: the limit doubles each round trip. A round
 * with a queue ends it, read as soon as two answers are slow or the last
 * few answers' mean passes HOSTLIMIT_GROW times the lowest: the limit
 * goes to what the host serves at once. After that, once a round: a queue
 * sets it down to what the host serves at once (keeping at most
 * HOSTLIMIT_BACKOFF of it, half at least), unless more in flight still
 * pays (hostlimit_pays: answers a second rose with the limit, as they do
 * not past a host's capacity; the delay is ours or the machine's), and
 * the first round after a rise (new connections, a burst) is given one
 * more; none, the limit full, grows it
 * as TCP's BIC does: half way back to where it was before the last cut
 * (what the host served, after slow start), then past it
 * by as much as it has gone past (one at least), and well past it with no
 * queue at all and no refusal lately by HOSTLIMIT_PROBE of itself. A 429,
 * a 503 or a timeout cuts it by HOSTLIMIT_BACKOFF and below what was in
 * flight, to grow back towards that. A round our loop spent busy on the
 * CPU (HOSTLIMIT_BUSY of it) shows our own delay and moves nothing. At
 * most one cut an epoch; the limit stays within 1 and -j.
 */

#include <sys/time.h>
#include <sys/resource.h>

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "http/http.h"

#define HOSTLIMIT_INITIAL	16	/* first limit of "auto" */
#define HOSTLIMIT_CLEAN		1.1	/* over the lowest latency: no queue */
#define HOSTLIMIT_GROW		1.2	/* a round's mean within: grow */
#define HOSTLIMIT_CUT		1.5	/* an answer over: a slow one */
#define HOSTLIMIT_SLOW_SHARE	100	/* one slow answer in this many: a queue */
#define HOSTLIMIT_BACKOFF	0.9	/* a cut keeps this much at most */
#define HOSTLIMIT_FULL		0.9	/* in flight of it: the limit is full */
#define HOSTLIMIT_PROBE		0.5	/* growth a round with no queue */
#define HOSTLIMIT_WINDOW	10.0	/* seconds a lowest latency counts */
#define HOSTLIMIT_ROUND_MIN	8	/* answers a round needs */
#define HOSTLIMIT_SHORT		8	/* answers the short latency is of */
#define HOSTLIMIT_BUSY		0.8	/* of a round on our CPU: our delay */
#define HOSTLIMIT_STATS		1000	/* hosts listed in --stats */
#define HOSTLIMIT_PAYS		0.25	/* of a rise in flight, in answers */
#define HOSTLIMIT_PAYS_MOVE	1.1	/* a rise in flight that tells */
#define HOSTLIMIT_PAYS_MAX	1.5	/* over the lowest: a queue anyway */

struct hostlimit {
	char		*name;
	int		 adapt;		/* "auto" */
	u_int		 cap;		/* -j, or the fixed N */
	u_int		 inflight;
	double		 limit;
	u_int		 min, max;	/* of the limit, as used */
	uint64_t	 cuts;
	u_int		 epoch;		/* moves of the limit, for answers */
	double		 now;		/* of the answer being read */
	double		 born;		/* the first request sent (0: none) */
	double		 max_at;	/* the max first reached, since born */

	int		 slow_start;	/* no queue seen yet */
	double		 short_rtt;	/* mean of the last few answers */
	double		 low_cur;	/* lowest round mean this window */
	double		 low_prev;	/* lowest the window before */
	double		 window_end;
	u_int		 rounds;
	double		 wmax;		/* where the last cut wants it */
	double		 refused_at;	/* the last 429, 503 or timeout */
	double		 base_used[2];	/* in flight in rounds risen from */
	double		 base_rate[2];	/* and their answers a second */
	int		 settling;	/* the first round since a rise */

	double		 round_start;	/* 0: none yet */
	double		 round_cpu;	/* our thread's CPU seconds then */
	double		 round_sum;	/* latencies seen at this limit */
	u_int		 round_n;
	u_int		 round_all;	/* answers of any limit */
	u_int		 round_used;	/* most in flight */
	u_int		 round_slow;	/* answers over HOSTLIMIT_CUT */
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

/* A request to the host starts; what to give hostlimit_end. */
u_int
hostlimit_start(struct hostlimit *hl)
{
	hl->inflight++;
	return (hl->epoch);
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
	if ((u_int)limit > hl->max) {
		hl->max = (u_int)limit;
		hl->max_at = hl->born != 0 ? hl->now - hl->born : 0;
	}
}

/* The lowest round mean of the last two windows (0: none yet). */
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

/* CPU seconds the calling thread (the loop) has used. */
static double
hostlimit_cpu(void)
{
	struct rusage	ru;

#ifdef RUSAGE_THREAD
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
#else
	if (getrusage(RUSAGE_SELF, &ru) != 0)
#endif
		return (0);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* The limit moves to limit: answers to requests sent before saw the old
 * one, the next round is of those sent after (of any, if it stays). */
static void
hostlimit_move(struct hostlimit *hl, double limit)
{
	u_int	was = (u_int)hl->limit;

	hostlimit_set(hl, limit);
	if ((u_int)hl->limit != was)	/* the same: they saw it */
		hl->epoch++;
	hl->round_start = 0;
}

/*
 * Set the limit down to target (to half of it at least, and to no more
 * than keep of it), to grow back towards where.
 */
static void
hostlimit_cut(struct hostlimit *hl, double target, double keep, double where)
{
	if (target > hl->limit * keep)
		target = hl->limit * keep;
	if (target < hl->limit / 2)
		target = hl->limit / 2;
	hl->slow_start = 0;
	if ((u_int)target < (u_int)hl->limit) {
		hl->cuts++;
		hl->base_used[0] = hl->base_used[1] = 0;
	}
	hl->wmax = where > target ? where : target;
	hostlimit_move(hl, target);
}

/*
 * The round the limit rises from: in flight, answers a second (Little's
 * law). The one before is kept if this one is well above it, so that a
 * round has one to be judged against.
 */
static void
hostlimit_base(struct hostlimit *hl, double avg)
{
	if (hl->round_used >= hl->base_used[0] * HOSTLIMIT_PAYS_MOVE) {
		hl->base_used[1] = hl->base_used[0];
		hl->base_rate[1] = hl->base_rate[0];
	}
	hl->base_used[0] = hl->round_used;
	hl->base_rate[0] = hl->round_used / avg;
}

/*
 * A queue in a round, but more in flight than in a round the limit rose
 * from brought answers faster by HOSTLIMIT_PAYS of the rise at least:
 * the latency rose, but not as a queue at the host raises it (its
 * answers a second stay flat); it is our own delay or the machine's, and
 * more in flight still pays.
 */
static int
hostlimit_pays(struct hostlimit *hl, double avg, double low)
{
	u_int	i;

	if (avg > low * HOSTLIMIT_PAYS_MAX)
		return (0);
	for (i = 0; i < 2; i++) {
		if (hl->base_used[i] > 0 && hl->round_used >=
		    hl->base_used[i] * HOSTLIMIT_PAYS_MOVE)
			return (hl->round_used / avg >= hl->base_rate[i] *
			    (1 + HOSTLIMIT_PAYS * (hl->round_used /
			    hl->base_used[i] - 1)));
	}
	return (0);
}

/*
 * A round is over: its answers' mean latency and its share of slow ones
 * (over HOSTLIMIT_CUT times the lowest) against the lowest, and how many
 * the host served at once, move the limit. Answers in the round's time,
 * at the lowest latency each (Little's law), are how many the host serves
 * at once with no queue.
 */
static void
hostlimit_round(struct hostlimit *hl, double now)
{
	double	avg, low, served, step;
	int	queue, busy;

	avg = hl->round_sum / hl->round_n;
	if (hl->rounds++ == 0 || avg < hl->low_cur)
		hl->low_cur = avg;
	low = hostlimit_low(hl, now);
	served = now > hl->round_start ? hl->round_all /
	    (now - hl->round_start) * low : hl->limit;
	queue = avg > low * HOSTLIMIT_GROW ||
	    hl->round_slow * HOSTLIMIT_SLOW_SHARE > hl->round_n;
	/* Our loop busy all the round: the latency rose with us, not with
	 * a queue at the host; the limit stays. */
	busy = queue && now > hl->round_start && (hostlimit_cpu() -
	    hl->round_cpu) / (now - hl->round_start) >= HOSTLIMIT_BUSY;
	hl->round_start = 0;
	if (busy)
		return;
	if (hl->slow_start) {
		if (queue)	/* the first queue: what the host serves */
			hostlimit_cut(hl, served, 1, served);
		else
			hostlimit_base(hl, avg);
		return;
	}
	if (queue && hl->settling && avg <= low * HOSTLIMIT_PAYS_MAX) {
		/* The first round since a rise: new connections, a burst of
		 * requests at once; the next one tells. */
		hl->settling = 0;
		return;
	}
	hl->settling = 0;
	if (queue && !hostlimit_pays(hl, avg, low)) {
		hostlimit_cut(hl, served, HOSTLIMIT_BACKOFF, hl->limit);
		return;
	}
	if (hl->round_used < hl->limit * HOSTLIMIT_FULL)
		return;		/* no sign the limit is low */
	/*
	 * As TCP's BIC: half way back to wmax, then past it by as much as
	 * it has gone past (one at least); well past it, with no queue at
	 * all and no refusal lately, by HOSTLIMIT_PROBE of itself.
	 */
	if (hl->limit < hl->wmax)
		step = (hl->wmax - hl->limit) / 2;
	else if (hl->limit < hl->wmax * 1.5 || avg > low * HOSTLIMIT_CLEAN ||
	    (hl->refused_at != 0 && now - hl->refused_at <
	    2 * HOSTLIMIT_WINDOW))
		step = hl->limit - hl->wmax;
	else
		step = hl->limit * HOSTLIMIT_PROBE;
	if (step < 1)
		step = 1;
	if (hl->limit < hl->cap) {	/* what the rise is judged by */
		hostlimit_base(hl, avg);
		hl->settling = 1;
	}
	hostlimit_move(hl, hl->limit + step);
}

/*
 * A request to the host ended: epoch is what hostlimit_start gave, rtt
 * its latency in seconds (0: it was never sent); drop says the host
 * refused or failed it (429, 503, a timeout). An adapting limit moves.
 */
void
hostlimit_end(struct hostlimit *hl, u_int epoch, double rtt, int drop,
    double now)
{
	double	low;
	u_int	used = hl->inflight;

	if (hl->inflight > 0)
		hl->inflight--;
	if (!hl->adapt)
		return;
	hl->now = now;
	if (hl->born == 0)
		hl->born = now - rtt;
	if (drop) {
		/* It could not take used at once: never as many again now. */
		hl->refused_at = now;
		if (epoch == hl->epoch)
			hostlimit_cut(hl, hl->limit * HOSTLIMIT_BACKOFF, 1,
			    used - 1);
		if (hl->limit > used - 1)
			hostlimit_set(hl, used - 1);
		return;
	}
	if (rtt <= 0)
		return;
	if (hl->rounds == 0 && (hl->low_cur == 0 || rtt < hl->low_cur))
		hl->low_cur = rtt;
	low = hostlimit_low(hl, now);
	/* Slow start: a fast answer, the limit in use, adds one. */
	if (hl->slow_start && rtt <= low * HOSTLIMIT_CLEAN &&
	    (hl->short_rtt == 0 || hl->short_rtt <= low * HOSTLIMIT_CLEAN) &&
	    used * 2 >= (u_int)hl->limit)
		hostlimit_set(hl, hl->limit + 1);
	if (hl->round_start != 0)
		hl->round_all++;
	if (epoch != hl->epoch)
		return;		/* it saw another limit */
	if (hl->round_start == 0) {
		hl->round_start = now;
		hl->round_cpu = hostlimit_cpu();
		hl->round_sum = 0;
		hl->round_n = hl->round_used = hl->round_slow = 0;
		hl->round_all = 1;
	}
	hl->round_sum += rtt;
	hl->round_n++;
	if (rtt > low * HOSTLIMIT_CUT)
		hl->round_slow++;
	if (used > hl->round_used)
		hl->round_used = used;
	hl->short_rtt = hl->short_rtt == 0 ? rtt : hl->short_rtt +
	    (rtt - hl->short_rtt) / HOSTLIMIT_SHORT;
	if (hl->round_n >= HOSTLIMIT_ROUND_MIN && (now >= hl->round_start +
	    low || (hl->slow_start && (hl->round_slow >= 2 ||
	    hl->short_rtt > low * HOSTLIMIT_GROW))))
		hostlimit_round(hl, now);
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
	json_t			*o, *h;
	u_int			 i;

	if (hostlimit_n == 0)
		return (NULL);
	o = json_object();
	for (i = 0; i < hostlimit_n; i++) {
		hl = hostlimit_all[i];
		h = json_pack("{sssIsIsIsI}", "mode", hl->adapt ? "auto" :
		    "fixed", "limit", (json_int_t)hl->limit, "min",
		    (json_int_t)hl->min, "max", (json_int_t)hl->max, "cuts",
		    (json_int_t)hl->cuts);
		if (hl->adapt)	/* how long its ramp took, to the ms */
			json_object_set_new(h, "max_after_s",
			    json_real((int64_t)(hl->max_at * 1000 + 0.5) / 1e3));
		json_object_set_new(o, hl->name, h);
	}
	return (o);
}
