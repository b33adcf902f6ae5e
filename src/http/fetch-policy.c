/*
 * What a request in flight may do, and what its response means: the hop it
 * is on and whether the destination policy covers it, the response's
 * headers, its pacers and quota window (the gate before a transfer; a
 * quota response after it), whether and when to retry, and the error a
 * failure reads as.
 */

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

/* First retry waits about this long; each further one doubles it. */
#define FETCH_BACKOFF_MS 250

/* The longest quota window believed, seconds (a year). */
#define FETCH_QUOTA_MAX (366 * 86400LL)

/* The URL this transfer asks for (the last redirect's target). */
const char *
fetch_cur_url(struct fetch_entry *fe)
{
	return (fe->hop_url != NULL ? fe->hop_url : fe->url);
}

/*
 * Does the destination policy apply to this transfer? Tweet-chosen URLs,
 * and redirects off a template's origin.
 */
int
fetch_policed(struct fetch_entry *fe)
{
	return ((fe->req->flags & FETCH_POLICY) || (fe->hop_url != NULL &&
	    !location_same_origin(fe->url, fe->hop_url)));
}

/*
 * The value of a header of the response (the last of that name, trailers
 * included), from libcurl's store of the final response's headers; NULL if
 * there is none. Valid until the easy handle is put back.
 */
const char *
fetch_header(struct fetch_entry *fe, const char *name)
{
	const u_int		 origin = CURLH_HEADER|CURLH_TRAILER;
	struct curl_header	*h;

	if (fe->h2 != NULL)
		return (h2_header(fe, name));
	if (fe->easy == NULL ||
	    curl_easy_header(fe->easy->curl, name, 0, origin, -1, &h) !=
	    CURLHE_OK)
		return (NULL);
	if (h->amount > 1 && curl_easy_header(fe->easy->curl, name,
	    h->amount - 1, origin, -1, &h) != CURLHE_OK)
		return (NULL);
	return (h->value);
}

/* A header's value as a whole number >= 0, or -1 (none, or not that). */
static long long
fetch_header_number(struct fetch_entry *fe, const char *name)
{
	const char	*v = fetch_header(fe, name);
	char		*end;
	long long	 n;

	/* As many digits as a 64-bit number has, and no sign. */
	if (v == NULL || *v == '\0' || strlen(v) >= 32 || *v == '-')
		return (-1);
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < 0)
		return (-1);
	return (n);
}

/*
 * How long a request may wait for its host's quota window, seconds: the
 * APIs the user configured up to --max-quota-wait; a host a tweet chose
 * (a link, or a redirect off the template's origin) no longer than a retry
 * would wait (--max-retry-wait), so that one link cannot stall the run.
 */
static double
fetch_quota_limit(struct fetch_entry *fe)
{
	double	retry = opts.retry_max_ms / 1000.0;

	if (fetch_policed(fe) && retry < opts.max_quota_wait)
		return (retry);
	return (opts.max_quota_wait);
}

/* A request whose host's quota window ends too late: it fails. */
static void
fetch_quota_fail(struct fetch_entry *fe, struct pacer *hp)
{
	char	hms[16];

	clock_hms(pace_paused_until(hp), hms, sizeof hms);
	free(fe->res.error);
	if (fetch_quota_limit(fe) < opts.max_quota_wait)
		xasprintf(&fe->res.error, "quota of %s exhausted until %s, "
		    "beyond --max-retry-wait (%ld ms) for a link's host",
		    pace_name(hp), hms, opts.retry_max_ms);
	else
		xasprintf(&fe->res.error, "quota of %s exhausted until %s, "
		    "beyond --max-quota-wait (%u s)", pace_name(hp), hms,
		    opts.max_quota_wait);
	fe->res.status = 429;
	fe->res.body = "";
	fe->res.attempts = fe->attempts;
	stats.http_failures++;
	stats.http_fail_status++;
}

/* A request that would wait after a stop signal: it fails instead. */
void
fetch_cancel(struct fetch_entry *fe)
{
	free(fe->res.error);
	xasprintf(&fe->res.error, "cancelled at exit");
	fe->res.status = 0;
	fe->res.body = "";
	fe->res.attempts = fe->attempts;
	stats.http_failures++;
	stats.http_fail_other++;
}

/*
 * Which host and credentials a request's quota is, once per hop: its
 * host:port, and a hash of what it sends that says who it is (its headers
 * and user:password; none off the origin), 0 for nothing. Anonymous
 * requests and credentialed ones to one host have separate quotas.
 */
static void
fetch_pace_id(struct fetch_entry *fe)
{
	struct curl_slist	*h;
	uint32_t		 c = 0;
	char			*user;

	if (fe->pace_known)
		return;
	free(fe->pace_key);
	fe->pace_key = pace_key(fetch_cur_url(fe));
	if (!fe->cross) {
		for (h = fe->req->headers; h != NULL; h = h->next)
			c = c * 16777619u ^ hash_fnv1a(h->data,
			    strlen(h->data));
		if (strchr(fetch_cur_url(fe), '@') != NULL &&
		    (user = location_userinfo(fetch_cur_url(fe))) != NULL) {
			c = c * 16777619u ^ hash_fnv1a(user, strlen(user));
			free(user);
		}
	}
	fe->creds = c;
	fe->pace_known = 1;
}

/*
 * May the request start now, as its enrichment's rate=, its host's
 * --host-rate and quota window allow? FETCH_GO if so; else FETCH_HOLD when
 * it is held on the pacer that stops it, or FETCH_FAILED (its error set)
 * past its longest quota wait or after a stop signal.
 */
int
fetch_gate(struct fetch_entry *fe, double now, int stopping)
{
	struct pacer	*gates[3] = { fe->req->pacer, NULL, NULL };
	u_int		 i;

	if (pace_hosts_any())	/* else no URL need be read */
		fetch_pace_id(fe);
	if (fe->pace_key != NULL) {
		gates[1] = pace_host(fe->pace_key);
		gates[2] = pace_quota(fe->pace_key, fe->creds, 0);
	}
	if (gates[2] != NULL && pace_paused(gates[2], now)) {
		if (fe->quota_since == 0)
			fe->quota_since = now;
		if (pace_paused_until(gates[2]) - fe->quota_since >
		    fetch_quota_limit(fe)) {
			fetch_quota_fail(fe, gates[2]);
			return (FETCH_FAILED);
		}
	}
	for (i = 0; i < 3; i++) {
		if (gates[i] == NULL)
			continue;
		if (pace_wait(gates[i], now) > 0 || pace_full(gates[i]) ||
		    (pace_busy(gates[i]) && !fe->pitem.released)) {
			if (stopping) {
				fetch_cancel(fe);
				return (FETCH_FAILED);
			}
			fe->state = FETCH_HELD;
			pace_hold(gates[i], &fe->pitem);
			return (FETCH_HOLD);
		}
	}
	if (!stopping && !pace_shared_gate(gates, 3, &fe->pitem,
	    fe->pace_key, fe->creds)) {
		fe->state = FETCH_HELD;	/* asking the shared server */
		return (FETCH_HOLD);
	}
	for (i = 0; i < 3; i++) {
		if (gates[i] != NULL)
			pace_shared_book(gates[i], now);
	}
	if ((fe->host = gates[1]) != NULL)
		fe->host_epoch = pace_begin(fe->host);
	fe->host_since = now;
	fe->pitem.released = 0;
	fe->pitem.grants = 0;
	return (FETCH_GO);
}

/*
 * A request the gate let go to its host is over there (drop: the host
 * refused or failed it, a 429, a 503 or a timeout; sent: its transfer
 * ran, else it never reached the host): its host's concurrency slot is
 * free, and the limit learns from it. The latency it learns is curl's,
 * from the request going out to the answer, so that neither a new
 * connection nor a wait of ours for the loop reads as the host's queue.
 */
void
fetch_host_done(struct fetch_entry *fe, int drop, int sent)
{
	curl_off_t	total = 0, pre = 0;
	double		rtt = 0;

	if (fe->host == NULL)
		return;
	if (sent && fe->h2 != NULL) {
		h2_times(fe, &total, &pre);
		rtt = total > pre && pre > 0 ? (total - pre) / 1e6 :
		    clock_mono() - fe->host_since;
	} else if (sent && fe->easy != NULL) {
		if (curl_easy_getinfo(fe->easy->curl, CURLINFO_TOTAL_TIME_T,
		    &total) == CURLE_OK && curl_easy_getinfo(fe->easy->curl,
		    CURLINFO_PRETRANSFER_TIME_T, &pre) == CURLE_OK &&
		    total > pre && pre > 0)
			rtt = (total - pre) / 1e6;
		else
			rtt = clock_mono() - fe->host_since;
	}
	pace_done(fe->host, fe->host_epoch, rtt, drop);
	fe->host = NULL;
}

/*
 * Quota headers: a 429 (or a 403 or 420 saying none remain) with a reset
 * time pauses the host until then and the request waits for it, neither
 * failed nor retried (1: the caller queues it again); past
 * --max-quota-wait it fails (-1). A success
 * saying none remain pauses the host ahead of the 429 (0, as otherwise).
 */
int
fetch_quota(struct fetch_entry *fe, CURLcode rc, long status,
    curl_off_t after)
{
	struct pacer	*hp;
	double		 now = clock_mono(), until = 0;
	long long	 remaining, reset, reset_in;
	int		 refused;

	if (rc != CURLE_OK)
		return (0);
	remaining = fetch_header_number(fe, "x-rate-limit-remaining");
	refused = status == 429 || ((status == 403 || status == 420) &&
	    remaining == 0);
	/* An answer with quota left (or none said): no window to read. */
	if (!refused && remaining != 0)
		return (0);
	reset = fetch_header_number(fe, "x-rate-limit-reset");
	reset_in = fetch_header_number(fe, "ratelimit-reset");
	/* Any number may come: a window of more than a year is a year. */
	if (reset > 0 && reset < FETCH_QUOTA_MAX * 1000LL)
		until = now + (double)(reset - (long long)clock_wall());
	else if (reset_in >= 0)
		until = now + (reset_in > FETCH_QUOTA_MAX ?
		    FETCH_QUOTA_MAX : reset_in);
	else if (after > 0)
		until = now + (after > FETCH_QUOTA_MAX ? FETCH_QUOTA_MAX : after);
	if (until > now + FETCH_QUOTA_MAX)
		until = now + FETCH_QUOTA_MAX;
	/* A refusal whose window ended already (we read it late): a second. */
	if (refused && until != 0 && until < now + 1)
		until = now + 1;
	if (until <= now)
		return (0);
	fetch_pace_id(fe);
	if (fe->pace_key == NULL ||
	    (hp = pace_quota(fe->pace_key, fe->creds, 1)) == NULL)
		return (0);
	pace_pause(hp, until, now);
	pace_shared_pause(fe->pace_key, fe->creds, until - now);
	if (!refused)
		return (0);
	if (fe->quota_since == 0)
		fe->quota_since = now;
	if (until - fe->quota_since > fetch_quota_limit(fe)) {
		fetch_quota_fail(fe, hp);
		return (-1);
	}
	return (1);
}

/* Is this outcome worth another try? */
static int
fetch_retryable(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OK:
		return (status == 429 || status >= 500);
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return (1);
	default:
		return (0);
	}
}

/*
 * Is a transfer that ended so to be tried again: an outcome worth it, not
 * refused by the policy nor waiting for a quota window, tries left, and no
 * stop signal?
 */
int
fetch_should_retry(struct fetch_entry *fe, CURLcode rc, long status,
    int quota, int stopping)
{
	return (!fe->refused && quota == 0 && !stopping &&
	    fetch_retryable(rc, status) && fe->attempts <= opts.retries);
}

/*
 * How long to wait before the next try, ms: exponential backoff with
 * jitter, or the response's Retry-After if longer, within --max-retry-wait.
 */
long
fetch_backoff_ms(struct fetch_entry *fe, curl_off_t after)
{
	long	ms;

	ms = FETCH_BACKOFF_MS << (fe->attempts - 1 < 16 ?
	    fe->attempts - 1 : 16);
	ms = ms / 2 + random() % (ms / 2 + 1);
	/* In seconds: Retry-After may be any 64-bit number. */
	if (after > opts.retry_max_ms / 1000)
		ms = opts.retry_max_ms;
	else if (after > 0 && after > ms / 1000)
		ms = (long)after * 1000;
	if (ms > opts.retry_max_ms)
		ms = opts.retry_max_ms;
	return (ms);
}

/* A transfer failed: the error it reads as, counted by kind. */
void
fetch_fail(struct fetch_entry *fe, CURLcode rc)
{
	const char	*why = fe->h2 != NULL ? h2_error(fe) : fe->easy->errbuf;

	if (why[0] == '\0')
		why = curl_easy_strerror(rc);
	stats.http_failures++;
	if (fe->refused) {
		/* One text whatever happened: it must not tell port states. */
		stats.http_fail_connect++;
		xasprintf(&fe->res.error, "%s", FETCH_REFUSED);
	} else if (fe->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		stats.http_fail_size++;
		xasprintf(&fe->res.error, "response larger than %zu bytes",
		    opts.max_response);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		stats.http_fail_timeout++;
		xasprintf(&fe->res.error, "timeout: %s", why);
	} else if (rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_COULDNT_RESOLVE_HOST) {
		stats.http_fail_connect++;
		xasprintf(&fe->res.error, "%s", why);
	} else if (rc == CURLE_OK)
		stats.http_fail_status++;
	else {
		stats.http_fail_other++;
		xasprintf(&fe->res.error, "%s", why);
	}
}
