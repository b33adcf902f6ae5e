/*
 * HTTP requests for enrichers: the API (fetch_start and its helpers), and
 * the life of a request in flight. Every request is keyed by method, URL,
 * headers and body (fetch-key.c): one identical to a request in flight
 * waits on it (coalescing, the entry table here), one already answered
 * comes from the cache (cache.c). At most --max-in-flight transfers run
 * (fetch-transfer.c, on the loop through fetch-multi.c); the rest wait in a
 * FIFO, started no faster than --rate and as their pacers allow. When a
 * transfer ends, fetch-policy.c says whether its host's quota holds it,
 * whether to retry it (exponential backoff with jitter, honouring
 * Retry-After within a cap), and fetch-redirect.c whether to follow it.
 */

#include <sys/queue.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"
#include "redis/redis.h"

struct fetch_waiter {
	te_fetch_cb			 cb;
	void				*arg;
	struct latency			*lat;	/* whose lookup (or NULL) */
	double				 since;	/* asked, clock_mono */
	TAILQ_ENTRY(fetch_waiter)	 entry;
};

static struct event		*fetch_pump_ev;	/* --rate: start queued */
static struct hash		 fetch_table;	/* key to entry */
static struct fetch_list	 fetch_queue = TAILQ_HEAD_INITIALIZER(fetch_queue);
static double			 fetch_next_start;	/* --rate */
static int			 fetch_closing;	/* fetch_free has begun */
static int			 fetch_stopping;	/* a stop signal */

/* Requests that failed in the pump, answered once it is done. */
static struct fetch_list	 fetch_failq = TAILQ_HEAD_INITIALIZER(fetch_failq);

static void	fetch_pump(void);
static void	fetch_schedule_pump(double);
static void	fetch_finish(struct fetch_entry *);

/* The entry of a request in flight with these key bytes, or NULL. */
static struct fetch_entry *
fetch_lookup(const char *key, size_t keylen, uint32_t h)
{
	return (HASH_ENTRY(hash_find_hashed(&fetch_table, key, keylen, h),
	    struct fetch_entry, node));
}

/* Take an entry out of the table (not freed). */
static void
fetch_unlink(struct fetch_entry *fe)
{
	hash_remove(&fetch_table, &fe->node);
}

/* Free an entry that has no waiters and is in no list. */
static void
fetch_entry_free(struct fetch_entry *fe)
{
	if (fe->retry_ev != NULL)
		event_free(fe->retry_ev);
	fetch_host_done(fe, 0, 0);
	fetch_transfer_forget(fe);
	free(fe->key);
	free(fe->data);
	free(fe->hop_url);
	free(fe->pace_key);
	free(fe->res.location);
	free(fe->res.error);
	free(fe);
}

/* A pacer gives a held request back: first in the queue. */
static void
fetch_release(struct pace_item *it)
{
	struct fetch_entry	*fe;

	fe = (struct fetch_entry *)((char *)it -
	    offsetof(struct fetch_entry, pitem));
	fe->state = FETCH_QUEUED;
	TAILQ_INSERT_HEAD(&fetch_queue, fe, qentry);
	fetch_pump();
}

/*
 * Start queued transfers while there is room and --rate allows; a request
 * its pacers stop is held there, so that other hosts' requests go on.
 */
static void
fetch_pump(void)
{
	struct fetch_entry	*fe;
	double			 now;

	while (fetch_transfer_count() < opts.max_in_flight &&
	    (fe = TAILQ_FIRST(&fetch_queue)) != NULL) {
		now = clock_mono();
		if (opts.rate > 0 && now < fetch_next_start && fetch_stopping) {
			TAILQ_REMOVE(&fetch_queue, fe, qentry);
			fetch_cancel(fe);
			TAILQ_INSERT_TAIL(&fetch_failq, fe, qentry);
			continue;
		}
		if (opts.rate > 0 && now < fetch_next_start) {
			fetch_schedule_pump(fetch_next_start - now);
			break;
		}
		TAILQ_REMOVE(&fetch_queue, fe, qentry);
		switch (fetch_gate(fe, now, fetch_stopping)) {
		case FETCH_HOLD:
			continue;
		case FETCH_FAILED:
			TAILQ_INSERT_TAIL(&fetch_failq, fe, qentry);
			continue;
		}
		if (opts.rate > 0) {
			if (fetch_next_start < now - 1 / opts.rate)
				fetch_next_start = now;
			fetch_next_start += 1 / opts.rate;
		}
		fetch_transfer_start(fe);
	}
	while ((fe = TAILQ_FIRST(&fetch_failq)) != NULL) {
		TAILQ_REMOVE(&fetch_failq, fe, qentry);
		fetch_finish(fe);
	}
}

/* --rate allows the next start. */
static void
fetch_pump_cb(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	fetch_pump();
}

/* Pump again in so many seconds (--rate); an earlier wait stands. */
static void
fetch_schedule_pump(double seconds)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (seconds - tv.tv_sec) * 1e6;
	if (!evtimer_pending(fetch_pump_ev, NULL))
		evtimer_add(fetch_pump_ev, &tv);
}

/* The backoff is over: queue the entry again, ahead of new requests. */
static void
fetch_retry_cb(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	struct fetch_entry	*fe = arg;

	fe->state = FETCH_QUEUED;
	TAILQ_INSERT_HEAD(&fetch_queue, fe, qentry);
	fetch_pump();
}

/*
 * A transfer ended with its quota window closed: it goes back to the head
 * of the queue, to wait for the window as its pacer says (not a try).
 */
static void
fetch_requeue(struct fetch_entry *fe)
{
	fetch_transfer_end(fe);
	fe->attempts--;
	fe->res.len = 0;
	fe->too_big = fe->got_headers = 0;
	fe->state = FETCH_QUEUED;
	TAILQ_INSERT_HEAD(&fetch_queue, fe, qentry);
	fetch_pump();
}

/* A transfer ended in a way worth another try: try again after ms. */
static void
fetch_backoff(struct fetch_entry *fe, long ms)
{
	struct timeval	tv;

	fetch_transfer_end(fe);
	fe->res.len = 0;
	fe->too_big = fe->got_headers = 0;
	fe->state = FETCH_BACKOFF;
	stats.http_retries++;
	if (fe->retry_ev == NULL)
		fe->retry_ev = evtimer_new(loop_base(), fetch_retry_cb, fe);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fe->retry_ev, &tv);
	fetch_pump();
}

/*
 * A transfer ended: wait for its host's quota window, retry it, follow its
 * redirect, or answer the waiters.
 */
static void
fetch_transfer_done(void *arg, int code)
{
	struct fetch_entry	*fe = arg;
	CURLcode		 rc = code;
	curl_off_t		 after = 0;
	long			 status = 0;
	int			 quota;

	if (fe->easy != NULL)
		conn_done(fe->easy);
	status = fetch_transfer_status(fe);
	fetch_host_done(fe, rc == CURLE_OPERATION_TIMEDOUT || status == 429 ||
	    status == 503, 1);
	if (rc == CURLE_WRITE_ERROR && fe->got_headers)
		rc = CURLE_OK;
	/* One of a name's addresses refused, another answered: an answer. */
	if (status != 0)
		fe->refused = 0;
	after = fetch_transfer_retry_after(fe);
	if ((quota = fetch_quota(fe, rc, status, after)) == 1) {
		fetch_requeue(fe);
		return;
	}
	if (fetch_should_retry(fe, rc, status, quota, fetch_stopping)) {
		fetch_backoff(fe, fetch_backoff_ms(fe, after));
		return;
	}
	if (rc == CURLE_OK && !fe->too_big && fetch_redirect(fe, status)) {
		/* The next hop meets its host's gates, as a request does. */
		fetch_transfer_end(fe);
		fe->state = FETCH_QUEUED;
		TAILQ_INSERT_HEAD(&fetch_queue, fe, qentry);
		fetch_pump();
		return;
	}
	fe->res.status = rc == CURLE_OK ? status : 0;
	fe->res.body = fe->data != NULL ? fe->data : "";
	fe->res.attempts = fe->attempts;
	if (quota == 0 && (rc != CURLE_OK || fe->too_big || status == 429 ||
	    status >= 500))
		fetch_fail(fe, rc);
	else if (fe->res.error == NULL && fetch_is_redirect(status))
		fetch_location(fe, &fe->res.location, &fe->res.error);
	fetch_transfer_end(fe);
	fetch_finish(fe);
	fetch_pump();
}

/* The policy refused a transfer's destination before it began. */
static void
fetch_transfer_refused(struct fetch_entry *fe)
{
	fetch_host_done(fe, 0, 0);
	fetch_finish(fe);
	fetch_pump();
}

/* Call an entry's waiters (and free them) with a result. */
static void
fetch_call_waiters(struct fetch_entry *fe, const struct te_fetch_result *res)
{
	struct fetch_waiter	*w;

	struct latency		*was = latency_current;

	while ((w = TAILQ_FIRST(&fe->waiters)) != NULL) {
		TAILQ_REMOVE(&fe->waiters, w, entry);
		if (w->lat != NULL && res != &fe->res)
			w->lat->hits++;		/* a cache tier's answer */
		else if (w->lat != NULL) {
			w->lat->retries += res->attempts > 1 ?
			    res->attempts - 1 : 0;
			w->lat->quota_waits += fe->quota_since != 0;
		}
		latency_current = w->lat;	/* what it asks next is its */
		w->cb(w->arg, res);
		free(w);
	}
	latency_current = was;
}

/*
 * An entry is answered: cache the response if it may be, and tell the
 * waiters. It leaves the table first, so that a waiter asking again is
 * answered by the cache (or asks the network again).
 */
static void
fetch_finish(struct fetch_entry *fe)
{
	struct fetch_waiter	*w;

	fe->state = FETCH_DONE;
	fetch_unlink(fe);
	if ((w = TAILQ_FIRST(&fe->waiters)) != NULL)
		hostlat_done(fe->url, w->since, fe->res.attempts > 1 ?
		    fe->res.attempts - 1 : 0, fe->quota_since != 0);
	if (fe->res.error == NULL && fe->res.status != 429 &&
	    fe->res.status < 500)
		cache_put_hashed(fe->key, fe->keylen, fe->node.hash,
		    fe->res.status, fe->res.body, fe->res.len,
		    fe->res.location);
	fetch_call_waiters(fe, &fe->res);
	fetch_entry_free(fe);
}

/* A cached response as a result (valid while the value is). */
static void
fetch_cached(const struct cache_value *v, struct te_fetch_result *res)
{
	memset(res, 0, sizeof *res);
	res->status = v->status;
	res->body = v->body;
	res->len = v->bodylen;
	res->location = (char *)v->location;
}

/* A cache tier that answered later: a hit for the waiters, or go ask. */
static void
fetch_cache_cb(void *arg, const struct cache_value *v)
{
	struct fetch_entry	*fe = arg;
	struct te_fetch_result	 res;

	if (v == NULL) {
		fe->state = FETCH_QUEUED;
		TAILQ_INSERT_TAIL(&fetch_queue, fe, qentry);
		fetch_pump();
		return;
	}
	stats.http_cache_hits++;
	hostlat_hit(fe->url);
	fe->state = FETCH_DONE;
	fetch_unlink(fe);
	fetch_cached(v, &res);
	fetch_call_waiters(fe, &res);
	fetch_entry_free(fe);
}

/*
 * A request that cannot go: the error it is answered with at once (made
 * here), or NULL. *clean is set to a tweet's link without its credentials.
 */
static char *
fetch_refuse(const struct te_fetch_request *req, const char *url,
    char **clean)
{
	char	*error = NULL;

	*clean = NULL;
	if (fetch_closing)
		xasprintf(&error, "cancelled at exit");
	else if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0)
		xasprintf(&error, "not an http or https URL");
	else if (strlen(url) > FETCH_MAX_URL)
		xasprintf(&error, "URL longer than %d bytes", FETCH_MAX_URL);
	else if ((req->flags & FETCH_POLICY) &&
	    (*clean = location_strip_userinfo(url)) == NULL)
		xasprintf(&error, "not a URL");
	return (error);
}

/* A new entry in the table for a request and its key, with one waiter. */
static struct fetch_entry *
fetch_entry_new(const struct te_fetch_request *req, struct fetch_key *k,
    uint32_t h, const char *body, size_t bodylen, struct fetch_waiter *w)
{
	struct fetch_entry	*fe;

	fe = xcalloc(1, sizeof *fe);
	fe->key = k->buf;
	fe->keylen = k->len;
	fe->req = req;
	fe->url = k->buf + k->url_off;
	if (body != NULL) {
		fe->body = k->buf + k->body_off;
		fe->bodylen = bodylen;
	}
	TAILQ_INIT(&fe->waiters);
	TAILQ_INSERT_TAIL(&fe->waiters, w, entry);
	hash_insert_hashed(&fetch_table, &fe->node, fe->key, fe->keylen, h);
	return (fe);
}

/*
 * Ask for a URL (url and body are copied). cb is called exactly once with the
 * outcome: at once on a cache hit or a bad URL, else from the loop.
 */
void
fetch_start(const struct te_fetch_request *req, const char *url,
    const char *body, size_t bodylen, te_fetch_cb cb, void *arg)
{
	struct fetch_entry	*fe;
	struct fetch_waiter	*w;
	struct te_fetch_result	 bad, hit;
	struct cache_value	 v;
	struct cache_lookup	*later = NULL;
	struct fetch_key	 k;
	char			*key, *clean;
	size_t			 keylen;
	uint32_t		 h;
	int			 r = CACHE_MISS;

	memset(&bad, 0, sizeof bad);
	if ((bad.error = fetch_refuse(req, url, &clean)) != NULL) {
		bad.body = "";
		cb(arg, &bad);
		free(bad.error);
		return;
	}
	/* A tweet's link never makes us send credentials. */
	if (clean != NULL)
		url = clean;

	fetch_key(&k, req, url, body, bodylen);
	free(clean);
	key = k.buf;
	keylen = k.len;
	url = key + k.url_off;	/* clean is gone: the key's copy from here */

	/* The key is hashed once: the table, the cache, and its put. */
	h = hash_fnv1a(key, keylen);
	fe = fetch_lookup(key, keylen, h);
	if (fe == NULL) {
		r = cache_get_hashed(key, keylen, h, &v, &later);
		if (r == CACHE_HIT) {
			stats.http_cache_hits++;
			hostlat_hit(url);
			if (latency_current != NULL)
				latency_current->hits++;
			free(key);
			fetch_cached(&v, &hit);
			cb(arg, &hit);
			cache_release(&v);
			return;
		}
	}

	w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->arg = arg;
	w->lat = latency_current;
	w->since = clock_mono();
	if (fe != NULL) {
		stats.http_coalesced++;
		free(key);
		TAILQ_INSERT_TAIL(&fe->waiters, w, entry);
		return;
	}

	fe = fetch_entry_new(req, &k, h, body, bodylen, w);
	if (r == CACHE_LATER) {
		fe->state = FETCH_LOOKUP;
		cache_wait(later, fetch_cache_cb, fe);
		return;
	}
	fe->state = FETCH_QUEUED;
	TAILQ_INSERT_TAIL(&fetch_queue, fe, qentry);
	fetch_pump();
}

/*
 * A stop signal: let what is running and what waits only for a transfer
 * slot go on, but nothing wait any more. Requests held by a pacer or a
 * quota window, or waiting to retry, fail "cancelled at exit", so that the
 * run settles within a timeout whatever the hosts said.
 */
static void
fetch_stop(void)
{
	struct fetch_entry	*fe;
	struct hash_node	*hn;

	fetch_stopping = 1;
	for (hn = hash_first(&fetch_table); hn != NULL;
	    hn = hash_next(&fetch_table, hn)) {
		fe = HASH_ENTRY(hn, struct fetch_entry, node);
		if (fe->state == FETCH_BACKOFF) {
			evtimer_del(fe->retry_ev);
			fetch_cancel(fe);
			TAILQ_INSERT_TAIL(&fetch_failq, fe, qentry);
		}
	}
	pace_release_all();	/* through the gate, which fails them */
	fetch_pump();
}

/* Set up the multi handle on the loop. */
void
fetch_init(void)
{
	if (fetch_pump_ev != NULL)
		return;
	fetch_closing = fetch_stopping = 0;
	fetch_transfer_init(fetch_transfer_done, fetch_transfer_refused);
	loop_on_stop(fetch_stop);
	pace_init(fetch_release);
	cache_init(opts.cache_size, opts.cache_bytes);
	if (opts.cache_file != NULL)
		cachefile_tier(opts.cache_file, opts.cache_file_size);
	if (opts.cache_url != NULL)
		redis_cache_tier(opts.cache_url);
	/* Shared: the rates, and every host's quota windows. */
	redis_pace_start(opts.pace_url);
	pace_shared_rates(fetch_paced());
	fetch_pump_ev = evtimer_new(loop_base(), fetch_pump_cb, NULL);
	if (fetch_pump_ev == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	srandom(getpid() ^ time(NULL));
}

/*
 * Drop everything. Waiters still waiting (their tweets were written without
 * them, by --tweet-timeout, or the run ends early) are told, so that their
 * enrichers free what they hold; tweets are closed by then.
 */
void
fetch_free(void)
{
	struct fetch_entry	*fe;
	struct fetch_waiter	*w;
	struct te_fetch_result	 gone;
	struct hash		 all = fetch_table;
	struct hash_node	*hn, *next;

	if (fetch_pump_ev == NULL)
		return;
	fetch_closing = 1;
	memset(&gone, 0, sizeof gone);
	gone.body = "";
	gone.error = (char *)"cancelled at exit";
	pace_shared_free();
	pace_stop();
	TAILQ_INIT(&fetch_failq);
	cache_free();	/* drops lookups that would answer later */
	/* The table is taken whole: a waiter asking again is told at once. */
	hash_init(&fetch_table);
	for (hn = hash_first(&all); hn != NULL; hn = next) {
		next = hash_next(&all, hn);
		fe = HASH_ENTRY(hn, struct fetch_entry, node);
		while ((w = TAILQ_FIRST(&fe->waiters)) != NULL) {
			TAILQ_REMOVE(&fe->waiters, w, entry);
			w->cb(w->arg, &gone);
			free(w);
		}
		fetch_entry_free(fe);
	}
	hash_free(&all);
	TAILQ_INIT(&fetch_queue);
	fetch_transfer_free();
	event_free(fetch_pump_ev);
	fetch_pump_ev = NULL;
}

/*
 * A short, printable excerpt of a response body for error messages, with
 * secrets masked before it is cut (and before bytes become '?').
 */
void
fetch_excerpt(const struct te_fetch_result *res, char *buf, size_t size)
{
	char	*masked;
	size_t	 i, n = 0, len, whole, mlen;
	u_char	 c;

	if (size < 5) {
		if (size > 0)
			*buf = '\0';
		return;
	}
	len = res->len;
	if (len > size + secret_span())
		len = size + secret_span();
	masked = xmalloc(size);
	whole = secret_mask_cut(res->body, len, masked, size);
	mlen = whole < size - 1 ? whole : size - 1;
	for (i = 0; i < mlen && n + 4 < size; i++) {
		c = masked[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		buf[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	if (i < whole || len < res->len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	free(masked);
}

