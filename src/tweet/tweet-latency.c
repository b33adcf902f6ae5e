/*
 * How long each enrichment takes, per tweet: from its tweet's start to its
 * settle (the wait for a transfer slot, a pacer, retries and the answer
 * included; one that settles inside its start counts as 0), in one fixed-memory histogram per enrichment, with the cache
 * hits, retries and quota waits of the lookups made on its behalf (the
 * HTTP layer counts those through latency_current).
 */

#include <stdlib.h>

#include "lib/lib.h"
#include "core.h"
#include "tweet/tweet-int.h"

static struct latency	*tweet_latency;	/* one per enrichment */
static char		**tweet_latency_names;	/* theirs may go first */
static u_int		 tweet_latency_n;

/* Make room for the figures of the n enrichments of list. */
void
tweet_latency_configure(struct enrichment **list, u_int n)
{
	u_int	i;

	tweet_latency_free();
	if (n == 0)
		return;
	tweet_latency = xcalloc(n, sizeof *tweet_latency);
	tweet_latency_names = xcalloc(n, sizeof *tweet_latency_names);
	for (i = 0; i < n; i++)
		tweet_latency_names[i] = xstrdup(list[i]->name);
	tweet_latency_n = n;
}

/* The figures of enrichment i (what its lookups count into). */
struct latency *
tweet_latency_of(u_int i)
{
	return (i < tweet_latency_n ? &tweet_latency[i] : NULL);
}

/*
 * Enrichment i of a tweet started at start (clock_mono) has settled; 0: at
 * once, inside its start.
 */
void
tweet_latency_settled(u_int i, double start)
{
	double	us = start == 0 ? 0 : (clock_mono() - start) * 1e6;

	if (i < tweet_latency_n)
		histo_add(&tweet_latency[i].h, us > 0 ? (uint64_t)us : 0);
}

/* The worst p99 of all enrichments, microseconds (for --progress). */
uint64_t
tweet_latency_p99(void)
{
	uint64_t	p, worst = 0;
	u_int		i;

	for (i = 0; i < tweet_latency_n; i++) {
		p = histo_quantile(&tweet_latency[i].h, .99);
		if (p > worst)
			worst = p;
	}
	return (worst);
}

/* Every enrichment's figures, by name, for --stats; NULL if none. */
json_t *
tweet_latency_json(void)
{
	json_t	*o;
	u_int	 i;

	if (tweet_latency_n == 0)
		return (NULL);
	if ((o = json_object()) == NULL)
		fatalx("%s: json_object failed", __func__);
	for (i = 0; i < tweet_latency_n; i++)
		json_object_set_new(o, tweet_latency_names[i],
		    histo_latency_json(&tweet_latency[i]));
	return (o);
}

/* Free the figures. */
void
tweet_latency_free(void)
{
	u_int	i;

	for (i = 0; i < tweet_latency_n; i++)
		free(tweet_latency_names[i]);
	free(tweet_latency_names);
	tweet_latency_names = NULL;
	free(tweet_latency);
	tweet_latency = NULL;
	tweet_latency_n = 0;
}
