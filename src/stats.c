/*
 * Counters: what every module adds to (struct stats), the live progress
 * line and the --stats summary. The tweets held are reported to the source
 * by their owner (tweet.c), not from here.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "io/io.h"
#include "redis/redis.h"
#include "tweet/tweet.h"

#define STATS_PROGRESS_MS 250

struct stats		 stats;
static struct event	*stats_progress_ev;
static double		 stats_last_time;
static uint64_t		 stats_last_written;
static double		 stats_rate;
static struct source	*stats_source;	/* how far through its input */

/* Tweets held went up or down by delta. */
void
stats_pending(int delta)
{
	stats.pending += delta;
	if (stats.pending > stats.max_pending)
		stats.max_pending = stats.pending;
}

/* A byte count as pv shows it: 512B, 3.27GiB. */
static void
stats_bytes(char *buf, size_t size, uint64_t n)
{
	static const char	*units[] = { "KiB", "MiB", "GiB", "TiB" };
	double			 v = n;
	int			 u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u == -1)
		snprintf(buf, size, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, size, "%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v,
		    units[u]);
}

/*
 * The line's head on input of a known size: the percentage read, the
 * total and, but at the end, an ETA at the average rate so far (as pv
 * has them); and the worst p99 of the enrichments.
 */
static void
stats_progress_head(char *buf, size_t size, double now, int last)
{
	uint64_t	done, total, p99, left;
	char		tot[32], eta[48] = "";
	size_t		n = 0;

	buf[0] = '\0';
	if (source_position(stats_source, &done, &total) && total > 0) {
		if (!last && done > 0 && done < total) {
			left = ceil(now * (double)(total - done) / done);
			snprintf(eta, sizeof eta, ", ETA %llu:%02u:%02u",
			    (unsigned long long)left / 3600,
			    (u_int)(left / 60 % 60), (u_int)(left % 60));
		}
		stats_bytes(tot, sizeof tot, total);
		n = snprintf(buf, size, "%.1f%% of %s%s, ",
		    100.0 * done / total, tot, eta);
		if (n >= size)
			return;
	}
	if ((p99 = tweet_latency_p99()) > 0)
		snprintf(buf + n, size - n, "p99 %.*f ms, ",
		    p99 < 10000 ? 1 : 0, p99 / 1000.0);
}

/* The progress line on stderr (last: with the final rate and a newline). */
static void
stats_progress_line(int last)
{
	double	now = loop_elapsed(), dt = now - stats_last_time;
	char	paused[160], head[160], *masked;

	if (dt > 0) {
		stats_rate = (stats.written - stats_last_written) / dt;
		stats_last_time = now;
		stats_last_written = stats.written;
	}
	if (last)
		stats_rate = now > 0 ? stats.written / now : 0;
	pace_progress(paused, sizeof paused);
	if (secret_any() && secret_in(paused)) {
		masked = secret_mask(paused);	/* never a secret on stderr */
		snprintf(paused, sizeof paused, "%s", masked);
		free(masked);
	}
	stats_progress_head(head, sizeof head, now, last);
	fprintf(stderr, "\r\033[K%s%llu read, %llu written, %.0f/s, %llu "
	    "pending, %llu bad%s%s", head, (unsigned long long)stats.read,
	    (unsigned long long)stats.written, stats_rate,
	    (unsigned long long)stats.pending, (unsigned long long)stats.bad,
	    paused, last ? "\n" : "");
	fflush(stderr);
}

/* Every STATS_PROGRESS_MS: the progress line again. */
static void
stats_progress_cb(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	stats_progress_line(0);
}

/* Start the live progress line, if wanted. */
void
stats_progress_start(struct source *src)
{
	struct timeval	tv = { 0, STATS_PROGRESS_MS * 1000 };
	int		on = opts.progress;

	/* By default only where it cannot garble the output on a terminal. */
	if (on == -1)
		on = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	if (opts.quiet || !on)
		return;
	stats_source = src;
	stats_progress_ev = event_new(loop_base(), -1, EV_PERSIST,
	    stats_progress_cb, NULL);
	if (stats_progress_ev == NULL)
		fatalx("%s: event_new failed", __func__);
	event_add(stats_progress_ev, &tv);
	log_progress_line(1);
}

/* Stop the progress line, leaving the final figures. */
void
stats_progress_stop(void)
{
	if (stats_progress_ev == NULL)
		return;
	event_free(stats_progress_ev);
	stats_progress_ev = NULL;
	stats_progress_line(1);
	log_progress_line(0);
}

/* The HTTP counters. */
static json_t *
stats_http(void)
{
	static const char *const names[] = { "1.0", "1.1", "2", "3" };
	json_t	*h, *v;
	u_int	 i;

	h = json_pack("{sIsIsIsIsIsIsIsIsIsIsI}",
	    "requests", (json_int_t)stats.http_requests,
	    "retries", (json_int_t)stats.http_retries,
	    "cache_hits", (json_int_t)stats.http_cache_hits,
	    "coalesced", (json_int_t)stats.http_coalesced,
	    "failures", (json_int_t)stats.http_failures,
	    "fail_timeout", (json_int_t)stats.http_fail_timeout,
	    "fail_connect", (json_int_t)stats.http_fail_connect,
	    "fail_status", (json_int_t)stats.http_fail_status,
	    "fail_size", (json_int_t)stats.http_fail_size,
	    "fail_other", (json_int_t)stats.http_fail_other,
	    "max_in_flight", (json_int_t)stats.http_max_in_flight);
	json_object_set_new(h, "max_sockets",
	    json_integer(stats.http_max_sockets));
	json_object_set_new(h, "connections",
	    json_integer(stats.http_connections));
	json_object_set_new(h, "native_h2",
	    json_integer(stats.http_native));
	v = json_object();
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (stats.http_versions[i] > 0)
			json_object_set_new(v, names[i],
			    json_integer(stats.http_versions[i]));
	}
	json_object_set_new(h, "versions", v);
	return (h);
}

/* The Redis tiers' counters: the cache, the stream source and sink. */
static void
stats_redis(json_t *o)
{
	json_t	*h;

	if (opts.cache_url != NULL) {
		h = json_pack("{sIsIsIsI}",
		    "hits", (json_int_t)redis_cache_stats.hits,
		    "misses", (json_int_t)redis_cache_stats.misses,
		    "stored", (json_int_t)redis_cache_stats.stored,
		    "errors", (json_int_t)redis_cache_stats.errors);
		json_object_set_new(o, "cache_redis", h);
	}
	if (opts.from != NULL || opts.to != NULL) {
		h = json_pack("{sssIsIsIsIsIsIsIsI}",
		    "delivery", opts.from == NULL ? "to stream" :
		    redis_sink_exactly_once() ? "exactly once" :
		    "at least once",
		    "read", (json_int_t)redis_source_stats.read,
		    "acked", (json_int_t)redis_source_stats.acked,
		    "claimed", (json_int_t)redis_source_stats.claimed,
		    "dead", (json_int_t)redis_source_stats.dead,
		    "lost_to_others",
		    (json_int_t)redis_source_stats.lost_to_others,
		    "written", (json_int_t)redis_sink_stats.written,
		    "not_ours", (json_int_t)redis_sink_stats.not_ours,
		    "refused", (json_int_t)redis_sink_stats.errors);
		json_object_set_new(o, "redis", h);
	}
}

/* The cache file's counters. */
static json_t *
stats_cache_file(void)
{
	json_t	*h;

	h = json_pack("{sIsIsIsIsIsIsIsI}",
	    "hits", (json_int_t)stats.cache_file.hits,
	    "misses", (json_int_t)stats.cache_file.misses,
	    "expired", (json_int_t)stats.cache_file.expired,
	    "stored", (json_int_t)stats.cache_file.stored,
	    "evicted", (json_int_t)stats.cache_file.evicted,
	    "corrupt", (json_int_t)stats.cache_file.corrupt,
	    "entries", (json_int_t)stats.cache_file.entries,
	    "bytes", (json_int_t)stats.cache_file.bytes);
	json_object_set_new(h, "dropped",
	    json_integer(stats.cache_file.dropped));
	json_object_set_new(h, "commits",
	    json_integer(stats.cache_file.commits));
	json_object_set_new(h, "write_ms", json_real(floor(
	    stats.cache_file.write_ms * 1000 + 0.5) / 1000));
	json_object_set_new(h, "write_ms_max", json_real(floor(
	    stats.cache_file.write_ms_max * 1000 + 0.5) / 1000));
	return (h);
}

/*
 * Latency quantiles and counts per enrichment and per host, or NULL when
 * there are none.
 */
static json_t *
stats_latency(void)
{
	json_t	*o, *e, *h;

	e = tweet_latency_json();
	h = hostlat_json();
	if (e == NULL && h == NULL)
		return (NULL);
	if ((o = json_object()) == NULL)
		fatalx("%s: json_object failed", __func__);
	if (e != NULL)
		json_object_set_new(o, "enrichments", e);
	if (h != NULL)
		json_object_set_new(o, "hosts", h);
	return (o);
}

/* Print the counters as one JSON object. */
void
stats_print(FILE *f)
{
	json_t	*o, *h;
	char	*s, *masked;

	o = json_pack("{sIsIsIsIsIsIsIsIsf}",
	    "read", (json_int_t)stats.read,
	    "tweets", (json_int_t)stats.tweets,
	    "notices", (json_int_t)stats.notices,
	    "written", (json_int_t)stats.written,
	    "bad", (json_int_t)stats.bad,
	    "enrichment_errors", (json_int_t)stats.enrichment_errors,
	    "pending", (json_int_t)stats.pending,
	    "max_pending", (json_int_t)stats.max_pending,
	    "elapsed_s", floor(loop_elapsed() * 1000 + 0.5) / 1000);
	if (o == NULL)
		fatalx("%s: json_pack failed", __func__);
	if (opts.cont)
		json_object_set_new(o, "skipped", json_integer(stats.skipped));
	if (stats.pool_jobs > 0) {
		h = json_pack("{sIsI}", "jobs", (json_int_t)stats.pool_jobs,
		    "max_queued", (json_int_t)stats.pool_max_queued);
		json_object_set_new(o, "pool", h);
	}
	if (stats.http_requests > 0 || stats.http_cache_hits > 0)
		json_object_set_new(o, "http", stats_http());
	stats_redis(o);
	if (stats.cache_file_used)
		json_object_set_new(o, "cache_file", stats_cache_file());
	if ((h = pace_stats()) != NULL)
		json_object_set_new(o, "hosts", h);
	if ((h = pace_counts()) != NULL)
		json_object_set_new(o, "pacers", h);
	if ((h = pace_shared_stats()) != NULL)
		json_object_set_new(o, "shared_pacing", h);
	if ((h = hostlimit_stats()) != NULL)
		json_object_set_new(o, "host_concurrency", h);
	if ((h = stats_latency()) != NULL)
		json_object_set_new(o, "latency", h);
	if (stats.enrichments_kept > 0)
		json_object_set_new(o, "enrichments_kept",
		    json_integer(stats.enrichments_kept));
	s = json_dumps(o, JSON_COMPACT|JSON_REAL_PRECISION(9));
	if (secret_any()) {
		/* A host named by a ${NAME} secret is masked too. */
		masked = secret_mask(s);
		free(s);
		s = masked;
	}
	fprintf(f, "%s\n", s);
	free(s);
	json_decref(o);
}
