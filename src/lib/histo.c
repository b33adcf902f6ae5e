/*
 * Latency histograms in fixed memory, log-linear like HdrHistogram: values
 * below 128 (microseconds) each have a bucket of their own; above, every
 * power of two [2^k, 2^(k+1)) is cut into 64 equal buckets. A quantile is
 * reported as the top of its bucket, at most the largest value seen, so it
 * is never below the exact quantile and above it by less than 1/64 (1.6%).
 * Values past HISTO_MAX (about 38 hours) count in the last bucket.
 */

#include <math.h>
#include <string.h>

#include "lib/lib.h"

#define HISTO_SUB	128	/* buckets of width 1 below it; 64 per octave above */
#define HISTO_HALF	(HISTO_SUB / 2)

struct latency	*latency_current;

/* The bucket of value v. */
static u_int
histo_index(uint64_t v)
{
	u_int	e;

	if (v >= HISTO_MAX)
		v = HISTO_MAX - 1;
	if (v < HISTO_SUB)
		return (v);
	e = 63 - __builtin_clzll(v) - 6;	/* v >> e is in [64, 128) */
	return (e * HISTO_HALF + (v >> e));
}

/* The largest value bucket i holds. */
static uint64_t
histo_top(u_int i)
{
	u_int	e;

	if (i < HISTO_SUB)
		return (i);
	e = i / HISTO_HALF - 1;
	return ((((uint64_t)(i % HISTO_HALF + HISTO_HALF) + 1) << e) - 1);
}

/* Count a value. */
void
histo_add(struct histo *h, uint64_t v)
{
	h->b[histo_index(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
}

/*
 * The q-quantile (0 < q <= 1) by nearest rank: the smallest value with at
 * least ceil(q * count) values at or below it, to the bucket's top.
 */
uint64_t
histo_quantile(const struct histo *h, double q)
{
	uint64_t	rank, seen = 0, v;
	u_int		i;

	if (h->count == 0)
		return (0);
	/* Less a hair: 0.07 * 100 is 7.000000000000001 in binary. */
	rank = (uint64_t)ceil(q * (double)h->count - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < HISTO_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	v = histo_top(i);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return (v);
}

/* Add the counts of one histogram into another. */
void
histo_merge(struct histo *to, const struct histo *from)
{
	u_int	i;

	if (from->count == 0)
		return;
	for (i = 0; i < HISTO_BUCKETS; i++)
		to->b[i] += from->b[i];
	if (to->count == 0 || from->min < to->min)
		to->min = from->min;
	if (from->max > to->max)
		to->max = from->max;
	to->count += from->count;
}

/* Microseconds as milliseconds with three decimals, for JSON. */
static json_t *
histo_ms(uint64_t us)
{
	return (json_real((double)us / 1000));
}

/*
 * A latency record for --stats: how many were timed, p50, p90, p99 and
 * max in milliseconds, and the counts of cache hits, retries and quota
 * waits.
 */
json_t *
histo_latency_json(const struct latency *l)
{
	json_t	*o;

	o = json_object();
	if (o == NULL)
		fatalx("%s: json_object failed", __func__);
	json_object_set_new(o, "count", json_integer(l->h.count));
	json_object_set_new(o, "p50_ms", histo_ms(histo_quantile(&l->h, .5)));
	json_object_set_new(o, "p90_ms", histo_ms(histo_quantile(&l->h, .9)));
	json_object_set_new(o, "p99_ms", histo_ms(histo_quantile(&l->h, .99)));
	json_object_set_new(o, "max_ms", histo_ms(l->h.max));
	json_object_set_new(o, "cache_hits", json_integer(l->hits));
	json_object_set_new(o, "retries", json_integer(l->retries));
	json_object_set_new(o, "quota_waits", json_integer(l->quota_waits));
	return (o);
}
