/*
 * HTTP requests for enrichers: the API (fetch_start and its helpers) and the
 * policy. Every request is keyed by method, URL, headers and body: one
 * identical to a request in flight waits on it (coalescing, the entry table
 * here), one already answered comes from the cache (cache.c). At most
 * --max-in-flight transfers run (fetch-multi.c drives them on the loop); the
 * rest wait in a FIFO, started no faster than --rate. Connection errors,
 * timeouts, 429 and 5xx are retried with exponential backoff and jitter,
 * honouring Retry-After within a cap. Bodies are bounded.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
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
#include "redis/redis.h"
#include "enrich/enrich.h"

/* First retry waits about this long; each further one doubles it. */
#define FETCH_BACKOFF_MS 250

/* A transfer still running this long after --timeout is ended by us. */
#define FETCH_WATCHDOG_SLACK_MS 2000

enum fetch_state {
	FETCH_LOOKUP,		/* a cache tier answers later */
	FETCH_QUEUED,		/* waiting for a transfer slot */
	FETCH_RUNNING,
	FETCH_BACKOFF,		/* waiting to retry */
	FETCH_HELD,		/* on a pacer, waiting for its turn */
	FETCH_DONE		/* answered, about to go */
};

struct fetch_waiter {
	te_fetch_cb			 cb;
	void				*arg;
	struct latency			*lat;	/* whose lookup (or NULL) */
	double				 since;	/* asked, clock_mono */
	TAILQ_ENTRY(fetch_waiter)	 entry;
};

struct fetch_entry {
	char				*key;
	size_t				 keylen;
	struct hash_node		 node;		/* in fetch_table */
	enum fetch_state		 state;
	TAILQ_HEAD(, fetch_waiter)	 waiters;
	TAILQ_ENTRY(fetch_entry)	 qentry;	/* queue */

	/* The request; url and body point into key. */
	const struct te_fetch_request	*req;		/* while waiters wait */
	const char			*url;
	const char			*body;
	size_t				 bodylen;
	u_int				 attempts;
	struct event			*retry_ev;
	struct event			*watchdog;
	struct fetch_easy		*easy;
	struct pace_item		 pitem;		/* FETCH_HELD */
	double				 quota_since;	/* first stopped */
	char				*pace_key;	/* host:port, see fetch_pace_id */
	uint32_t			 creds;		/* 0: none sent */
	int				 pace_known;	/* both set for this hop */

	/* Redirects followed here (FETCH_FOLLOW). */
	char				*hop_url;	/* NULL: url */
	u_int				 redirects;
	int				 cross;		/* left the origin */
	int				 as_get;	/* 303: GET, no body */
	int				 policed;	/* the policy applies */
	int				 proxied;	/* through a proxy */
	int				 dest_checked;	/* resolved by us */
	int				 refused;	/* by the policy */

	/* The response. */
	struct te_fetch_result		 res;
	char				*data;
	size_t				 size;
	int				 too_big;
	int				 got_headers;	/* FETCH_NO_BODY */
};
TAILQ_HEAD(fetch_list, fetch_entry);

static struct event		*fetch_pump_ev;	/* --rate: start queued */
static struct hash		 fetch_table;	/* key to entry */
static struct fetch_list	 fetch_queue = TAILQ_HEAD_INITIALIZER(fetch_queue);
static u_int			 fetch_running;
static double			 fetch_next_start;	/* --rate */

static void	fetch_pump(void);

static void	fetch_schedule_pump(double);
static void	fetch_finish(struct fetch_entry *);
static int	fetch_closing;	/* fetch_free has begun */
static int	fetch_stopping;	/* a stop signal: nothing waits */
static void	fetch_transfer_done(void *, int);

/* The entry of a request in flight with these key bytes, or NULL. */
static struct fetch_entry *
fetch_lookup(const char *key, size_t keylen)
{
	return (HASH_ENTRY(hash_find(&fetch_table, key, keylen),
	    struct fetch_entry, node));
}

/* Take an entry out of the table (not freed). */
static void
fetch_unlink(struct fetch_entry *fe)
{
	hash_remove(&fetch_table, &fe->node);
}

/* Take an entry's easy handle back for reuse. */
static void
fetch_easy_put(struct fetch_entry *fe)
{
	if (fe->easy == NULL)
		return;
	if (fe->watchdog != NULL)
		evtimer_del(fe->watchdog);
	fetch_multi_put(fe->easy);
	fe->easy = NULL;
}

/* Free an entry that has no waiters and is in no list. */
static void
fetch_entry_free(struct fetch_entry *fe)
{
	if (fe->retry_ev != NULL)
		event_free(fe->retry_ev);
	fetch_easy_put(fe);
	if (fe->watchdog != NULL)
		event_free(fe->watchdog);
	free(fe->key);
	free(fe->data);
	free(fe->hop_url);
	free(fe->pace_key);
	free(fe->res.location);
	free(fe->res.error);
	free(fe);
}

/* Body bytes arrive: keep them, within --max-response. */
static size_t
fetch_write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct fetch_entry	*fe = userp;
	size_t			 n = size * nmemb;

	if (fe->req->flags & FETCH_NO_BODY) {
		fe->got_headers = 1;
		return (0);	/* the headers are all we want: stop */
	}
	if (fe->res.len + n > opts.max_response) {
		fe->too_big = 1;
		return (0);
	}
	if (fe->res.len + n + 1 > fe->size) {
		fe->size = (fe->res.len + n + 1) * 2;
		if (fe->size > opts.max_response + 1)
			fe->size = opts.max_response + 1;
		fe->data = xreallocarray(fe->data, 1, fe->size);
	}
	memcpy(fe->data + fe->res.len, ptr, n);
	fe->res.len += n;
	fe->data[fe->res.len] = '\0';
	return (n);
}

/*
 * The value of a header of the response (the last of that name, trailers
 * included), from libcurl's store of the final response's headers; NULL if
 * there is none. Valid until the easy handle is put back.
 */
static const char *
fetch_header(struct fetch_entry *fe, const char *name)
{
	const u_int		 origin = CURLH_HEADER|CURLH_TRAILER;
	struct curl_header	*h;

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

/* Resolve a Location against the URL it came from; NULL if it cannot be. */
char *
fetch_resolve(const char *base, const char *location)
{
	char	*cause = NULL, *out;

	out = location_resolve(base, location, &cause);
	free(cause);
	return (out);
}

/* The URL this transfer asks for (the last redirect's target). */
static const char *
fetch_cur_url(struct fetch_entry *fe)
{
	return (fe->hop_url != NULL ? fe->hop_url : fe->url);
}

/* Does the destination policy apply to this transfer? Tweet-chosen URLs,
 * and redirects off a template's origin. */
static int
fetch_policed(struct fetch_entry *fe)
{
	return ((fe->req->flags & FETCH_POLICY) || (fe->hop_url != NULL &&
	    !location_same_origin(fe->url, fe->hop_url)));
}

/*
 * A socket to open for a transfer: refused, before any packet is sent, when
 * the policy does not admit the address (and its port).
 */
static curl_socket_t
fetch_opensocket_cb(void *clientp, curlsocktype purpose,
    struct curl_sockaddr *a)
{
	struct fetch_entry	*fe = clientp;

	if (purpose == CURLSOCKTYPE_IPCXN && fe->policed && !fe->proxied &&
	    !netpolicy_allowed(&a->addr)) {
		fe->refused = 1;
		return (CURL_SOCKET_BAD);
	}
	return (socket(a->family, a->socktype, a->protocol));
}

/*
 * A connection is about to carry a request (a new one, or one reused from
 * another transfer that the policy did not cover): check it again.
 */
static int
fetch_prereq_cb(void *clientp, char *ip, __unused char *local_ip, int port,
    __unused int local_port)
{
	struct fetch_entry	*fe = clientp;

	if (fe->policed && !fe->proxied && !netpolicy_allowed_text(ip, port)) {
		fe->refused = 1;
		return (CURL_PREREQFUNC_ABORT);
	}
	return (CURL_PREREQFUNC_OK);
}

/* A transfer ran too long past its timeout: end it as a timeout. */
static void
fetch_watchdog_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct fetch_entry	*fe = arg;

	if (fe->easy == NULL)
		return;
	snprintf(fe->easy->errbuf, sizeof fe->easy->errbuf, "no answer "
	    "within %ld ms", opts.timeout_ms);
	fetch_transfer_done(fe, CURLE_OPERATION_TIMEDOUT);
}

static void	fetch_transfer_start(struct fetch_entry *);

/* The proxy's resolution of a destination is ours to judge: the verdict. */
static void
fetch_dest_cb(void *arg, int allowed)
{
	struct fetch_entry	*fe = arg;

	fetch_running--;
	if (allowed) {
		fe->dest_checked = 1;
		fetch_transfer_start(fe);
		return;
	}
	fe->refused = 1;
	stats.http_failures++;
	stats.http_fail_connect++;
	xasprintf(&fe->res.error, "%s", FETCH_REFUSED);
	fe->res.status = 0;
	fe->res.body = "";
	fe->res.attempts = fe->attempts;
	fetch_finish(fe);
	fetch_pump();
}

/*
 * Through a proxy, the address connected is the proxy's: resolve the
 * destination here and judge its addresses before the request goes. 1 if
 * that has begun (the entry holds its slot meanwhile).
 */
static int
fetch_dest_check(struct fetch_entry *fe)
{
	char	*host, *port;

	if (!fe->policed || !fe->proxied || fe->dest_checked)
		return (0);
	if (location_host_port(fetch_cur_url(fe), &host, &port) != 0)
		return (0);	/* curl will refuse it */
	fe->state = FETCH_RUNNING;
	fetch_running++;
	netpolicy_check_host(host, port, fetch_dest_cb, fe);
	free(host);
	free(port);
	return (1);
}

/* Start one transfer for an entry. */
static void
fetch_transfer_start(struct fetch_entry *fe)
{
	const struct te_fetch_request	*req = fe->req;
	const char			*method = req->method, *proxy;
	struct timeval			 tv;
	CURL				*e;
	long				 ms;

	fe->refused = 0;
	fe->policed = fetch_policed(fe);
	proxy = proxy_for(fetch_cur_url(fe));
	fe->proxied = proxy != NULL;
	if (fetch_dest_check(fe))
		return;
	fe->easy = fetch_multi_easy();
	e = fe->easy->curl;
	curl_easy_setopt(e, CURLOPT_URL, fetch_cur_url(fe));
	curl_easy_setopt(e, CURLOPT_PRIVATE, fe);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, fe->easy->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, fe);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opts.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opts.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, opts.user_agent);
	/* Off its origin, a redirect carries none of our headers. */
	if (!fe->cross)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS,
	    (long)(req->flags & FETCH_PATH_AS_IS));
	if (opts.proxy != NULL || fe->policed) {
		/*
		 * --proxy for every host, over http_proxy and no_proxy; and
		 * where the policy applies, exactly the proxy we judged by.
		 */
		curl_easy_setopt(e, CURLOPT_PROXY, proxy != NULL ? proxy : "");
		curl_easy_setopt(e, CURLOPT_NOPROXY, "");
	}
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)opts.max_response);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, fetch_opensocket_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, fe);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, fetch_prereq_cb);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, fe);
	if (fe->as_get && strcmp(method, "HEAD") != 0)
		method = "GET";
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (fe->body != NULL && !fe->as_get) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, fe->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)fe->bodylen);
	}

	fe->state = FETCH_RUNNING;
	fe->attempts++;
	fetch_running++;
	stats.http_requests++;
	if (fetch_running > stats.http_max_in_flight)
		stats.http_max_in_flight = fetch_running;
	fetch_multi_add(fe->easy);

	/* Whatever state libcurl gets into, the transfer ends. */
	if (fe->watchdog == NULL &&
	    (fe->watchdog = evtimer_new(loop_base(), fetch_watchdog_cb, fe)) ==
	    NULL)
		fatalx("%s: evtimer_new failed", __func__);
	ms = opts.timeout_ms + FETCH_WATCHDOG_SLACK_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fe->watchdog, &tv);
}

/* The longest quota window believed, seconds (a year). */
#define FETCH_QUOTA_MAX (366 * 86400LL)

/* Requests that failed in the pump, answered once it is done. */
static struct fetch_list	 fetch_failq = TAILQ_HEAD_INITIALIZER(fetch_failq);

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
static void
fetch_cancel(struct fetch_entry *fe)
{
	free(fe->res.error);
	xasprintf(&fe->res.error, "cancelled at exit");
	fe->res.status = 0;
	fe->res.body = "";
	fe->res.attempts = fe->attempts;
	stats.http_failures++;
	stats.http_fail_other++;
	TAILQ_INSERT_TAIL(&fetch_failq, fe, qentry);
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
 * --host-rate and quota window allow? If not it is held on the pacer that
 * stops it (or, past its longest quota wait or after a stop signal,
 * failed) and 0 is returned.
 */
static int
fetch_gate(struct fetch_entry *fe, double now)
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
			TAILQ_INSERT_TAIL(&fetch_failq, fe, qentry);
			return (0);
		}
	}
	for (i = 0; i < 3; i++) {
		if (gates[i] == NULL)
			continue;
		if (pace_wait(gates[i], now) > 0 ||
		    (pace_busy(gates[i]) && !fe->pitem.released)) {
			if (fetch_stopping) {
				fetch_cancel(fe);
				return (0);
			}
			fe->state = FETCH_HELD;
			pace_hold(gates[i], &fe->pitem);
			return (0);
		}
	}
	for (i = 0; i < 3; i++) {
		if (gates[i] != NULL)
			pace_book(gates[i], now);
	}
	fe->pitem.released = 0;
	return (1);
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

	while (fetch_running < opts.max_in_flight &&
	    (fe = TAILQ_FIRST(&fetch_queue)) != NULL) {
		now = clock_mono();
		if (opts.rate > 0 && now < fetch_next_start && fetch_stopping) {
			TAILQ_REMOVE(&fetch_queue, fe, qentry);
			fetch_cancel(fe);
			continue;
		}
		if (opts.rate > 0 && now < fetch_next_start) {
			fetch_schedule_pump(fetch_next_start - now);
			break;
		}
		TAILQ_REMOVE(&fetch_queue, fe, qentry);
		if (!fetch_gate(fe, now))
			continue;
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

static void
fetch_fail(struct fetch_entry *fe, CURLcode rc)
{
	const char	*why = fe->easy->errbuf[0] != '\0' ? fe->easy->errbuf :
			    curl_easy_strerror(rc);

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

/* Is this a status that redirects (and must say where to)? */
static int
fetch_is_redirect(long status)
{
	return (status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308);
}

/*
 * The absolute target of a redirect response, or why there is none (curl
 * has no redirect URL for a transfer stopped early, as FETCH_NO_BODY does:
 * the header is read here).
 */
static int
fetch_location(struct fetch_entry *fe, char **url, char **error)
{
	const char	*loc = fetch_header(fe, "Location");

	if (loc != NULL && strlen(loc) > LOCATION_MAX)
		xasprintf(error, "redirect Location longer than %d bytes",
		    LOCATION_MAX);
	else if (loc == NULL)
		xasprintf(error, "redirect without a Location");
	else
		*url = location_resolve(fetch_cur_url(fe), loc, error);
	if (*error != NULL) {
		stats.http_failures++;
		stats.http_fail_other++;
		return (-1);
	}
	return (0);
}

/*
 * Follow a redirect on the same entry (FETCH_FOLLOW): 1 if a new transfer
 * has started. Done here rather than by curl so that every hop off the
 * template's origin meets the destination policy and carries no headers,
 * and no Location can make us send credentials.
 */
static int
fetch_redirect(struct fetch_entry *fe, long status)
{
	char	*next = NULL;

	if (!(fe->req->flags & FETCH_FOLLOW) || !fetch_is_redirect(status))
		return (0);
	if (fetch_location(fe, &next, &fe->res.error) != 0)
		return (0);
	if (strncasecmp(next, "http://", 7) != 0 &&
	    strncasecmp(next, "https://", 8) != 0) {
		xasprintf(&fe->res.error, "redirect to a URL that is not http "
		    "or https");
		goto fail;
	}
	if (fe->redirects == FETCH_MAX_REDIRECTS) {
		xasprintf(&fe->res.error, "more than %d redirects",
		    FETCH_MAX_REDIRECTS);
		goto fail;
	}
	if (strlen(next) > FETCH_MAX_URL) {
		xasprintf(&fe->res.error, "redirect to a URL longer than %d "
		    "bytes", FETCH_MAX_URL);
		goto fail;
	}
	fe->redirects++;
	if (!location_same_origin(fe->url, next))
		fe->cross = 1;
	if (status == 303 || ((status == 301 || status == 302) &&
	    strcmp(fe->req->method, "POST") == 0))
		fe->as_get = 1;
	free(fe->hop_url);
	fe->hop_url = next;
	free(fe->pace_key);
	fe->pace_key = NULL;
	fe->pace_known = 0;
	fe->dest_checked = 0;
	fe->attempts = 0;
	fe->res.len = 0;
	fe->too_big = fe->got_headers = 0;
	fetch_easy_put(fe);
	fetch_running--;
	fetch_transfer_start(fe);
	return (1);

fail:
	stats.http_failures++;
	stats.http_fail_other++;
	free(next);
	return (0);
}

/*
 * Quota headers: a 429 (or a 403 or 420 saying none remain) with a reset
 * time pauses the host until then and the request waits for it, neither
 * failed nor retried (1); past --max-quota-wait it fails (-1). A success
 * saying none remain pauses the host ahead of the 429 (0, as otherwise).
 */
static int
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
	refused = status == 429 || ((status == 403 || status == 420) &&
	    remaining == 0);
	/* A refusal whose window ended already (we read it late): a second. */
	if (refused && until != 0 && until < now + 1)
		until = now + 1;
	if (until <= now || (!refused && remaining != 0))
		return (0);
	fetch_pace_id(fe);
	if (fe->pace_key == NULL ||
	    (hp = pace_quota(fe->pace_key, fe->creds, 1)) == NULL)
		return (0);
	pace_pause(hp, until, now);
	if (!refused)
		return (0);
	if (fe->quota_since == 0)
		fe->quota_since = now;
	if (until - fe->quota_since > fetch_quota_limit(fe)) {
		fetch_quota_fail(fe, hp);
		return (-1);
	}
	fetch_easy_put(fe);
	fetch_running--;
	fe->attempts--;		/* not a try: the window was closed */
	fe->res.len = 0;
	fe->too_big = fe->got_headers = 0;
	fe->state = FETCH_QUEUED;
	TAILQ_INSERT_HEAD(&fetch_queue, fe, qentry);
	fetch_pump();
	return (1);
}

/* A transfer ended: retry it, or answer the waiters. */
static void
fetch_transfer_done(void *arg, int code)
{
	struct fetch_entry	*fe = arg;
	CURLcode		 rc = code;
	struct timeval	 tv;
	curl_off_t	 after = 0;
	long		 status = 0, ms;
	int		 quota;

	curl_easy_getinfo(fe->easy->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_WRITE_ERROR && fe->got_headers)
		rc = CURLE_OK;
	/* One of a name's addresses refused, another answered: an answer. */
	if (status != 0)
		fe->refused = 0;
	curl_easy_getinfo(fe->easy->curl, CURLINFO_RETRY_AFTER, &after);
	if ((quota = fetch_quota(fe, rc, status, after)) == 1)
		return;
	if (!fe->refused && quota == 0 && !fetch_stopping &&
	    fetch_retryable(rc, status) && fe->attempts <= opts.retries) {
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
		fetch_easy_put(fe);
		fetch_running--;
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
		return;
	}

	if (rc == CURLE_OK && !fe->too_big && fetch_redirect(fe, status))
		return;
	fe->res.status = rc == CURLE_OK ? status : 0;
	fe->res.body = fe->data != NULL ? fe->data : "";
	fe->res.attempts = fe->attempts;
	if (quota == 0 && (rc != CURLE_OK || fe->too_big || status == 429 ||
	    status >= 500))
		fetch_fail(fe, rc);
	else if (fe->res.error == NULL && fetch_is_redirect(status))
		fetch_location(fe, &fe->res.location, &fe->res.error);
	fetch_easy_put(fe);
	fetch_running--;
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
		cache_put(fe->key, fe->keylen, fe->res.status, fe->res.body,
		    fe->res.len, fe->res.location);
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

/* A request key as it is built: its bytes, where the URL and body are. */
struct fetch_key {
	char	*buf;
	size_t	 len;
	size_t	 size;
	size_t	 url_off;
	size_t	 body_off;
};

/* Write n in decimal before end; returns where it starts. */
static char *
fetch_key_dec(char *end, size_t n)
{
	do {
		*--end = '0' + n % 10;
		n /= 10;
	} while (n > 0);
	return (end);
}

/*
 * Add a field to a request key: a tag, its length in decimal and ':', the
 * bytes, and a NUL (so the URL and body are C strings in place). Tagged
 * and counted, no field can run into the next: a body that reads like a
 * header is not that header. Returns where the bytes start.
 */
static size_t
fetch_key_add(struct fetch_key *k, char tag, const char *s, size_t n)
{
	char	num[24], *p;
	size_t	nl;

	p = fetch_key_dec(num + sizeof num, n);
	nl = num + sizeof num - p;
	if (k->len + nl + n + 3 > k->size) {
		k->size = (k->len + nl + n + 3) * 2;
		k->buf = xreallocarray(k->buf, 1, k->size);
	}
	k->buf[k->len++] = tag;
	memcpy(k->buf + k->len, p, nl);
	k->len += nl;
	k->buf[k->len++] = ':';
	memcpy(k->buf + k->len, s, n);
	k->len += n;
	k->buf[k->len++] = '\0';
	return (k->len - n - 1);
}

/*
 * The key of a request, for coalescing and every cache tier: method,
 * flags, URL, each header in order, and the body if there is one.
 */
static void
fetch_key(struct fetch_key *k, const struct te_fetch_request *req,
    const char *url, const char *body, size_t bodylen)
{
	struct curl_slist	*h;
	char			 num[24], *flags;
	size_t			 urllen = strlen(url);

	memset(k, 0, sizeof *k);
	k->size = urllen + (body != NULL ? bodylen : 0) + 256;
	k->buf = xmalloc(k->size);
	flags = fetch_key_dec(num + sizeof num, (u_int)req->flags);
	fetch_key_add(k, 'M', req->method, strlen(req->method));
	fetch_key_add(k, 'F', flags, num + sizeof num - flags);
	k->url_off = fetch_key_add(k, 'U', url, urllen);
	for (h = req->headers; h != NULL; h = h->next)
		fetch_key_add(k, 'H', h->data, strlen(h->data));
	if (body != NULL)
		k->body_off = fetch_key_add(k, 'B', body, bodylen);
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
	char			*key, *clean = NULL;
	size_t			 keylen;
	int			 r = CACHE_MISS;

	memset(&bad, 0, sizeof bad);
	if (fetch_closing)
		xasprintf(&bad.error, "cancelled at exit");
	else if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0)
		xasprintf(&bad.error, "not an http or https URL");
	else if (strlen(url) > FETCH_MAX_URL)
		xasprintf(&bad.error, "URL longer than %d bytes",
		    FETCH_MAX_URL);
	else if ((req->flags & FETCH_POLICY) &&
	    (clean = location_strip_userinfo(url)) == NULL)
		xasprintf(&bad.error, "not a URL");
	if (bad.error != NULL) {
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

	fe = fetch_lookup(key, keylen);
	if (fe == NULL) {
		r = cache_get(key, keylen, &v, &later);
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

	fe = xcalloc(1, sizeof *fe);
	fe->key = key;
	fe->keylen = keylen;
	fe->req = req;
	fe->url = key + k.url_off;
	if (body != NULL) {
		fe->body = key + k.body_off;
		fe->bodylen = bodylen;
	}
	TAILQ_INIT(&fe->waiters);
	TAILQ_INSERT_TAIL(&fe->waiters, w, entry);
	hash_insert(&fetch_table, &fe->node, key, keylen);

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
	fetch_multi_init(fetch_transfer_done);
	loop_on_stop(fetch_stop);
	pace_init(fetch_release);
	cache_init(opts.cache_size, opts.cache_bytes);
	if (opts.cache_file != NULL)
		cachefile_tier(opts.cache_file, opts.cache_file_size);
	if (opts.cache_url != NULL)
		redis_cache_tier(opts.cache_url);
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
	fetch_multi_free();
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

/* Free a header list made by fetch_headers. */
void
fetch_headers_free(struct curl_slist *list)
{
	curl_slist_free_all(list);
}

/* rate=N on an enrichment: a pacer for its requests. */
int
fetch_rate(struct spec *sp, struct te_fetch_request *req, char **cause)
{
	const char	*v = spec_get(sp, "rate");
	char		*end;
	double		 n;

	if (v == NULL)
		return (0);
	errno = 0;
	n = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno != 0 || !(n > 0 && n <= 1e7)) {
		xasprintf(cause, "%s: rate= is a number of requests a second "
		    "(more than 0), not \"%s\"", spec_name(sp), v);
		return (-1);
	}
	req->pacer = pace_rate(spec_name(sp), n);
	return (0);
}

/*
 * A header list: the --header options (if global is set: http only), then
 * an enrichment's own.
 */
struct curl_slist *
fetch_headers(struct spec *sp, int global)
{
	struct curl_slist	*list = NULL, *next;
	u_int			 i;

	for (i = 0; global && i < opts.nheaders; i++) {
		if ((next = curl_slist_append(list, opts.headers[i])) == NULL)
			fatalx("%s: out of memory", __func__);
		list = next;
	}
	for (i = 0; sp != NULL && i < spec_count(sp); i++) {
		if (strcmp(spec_key(sp, i), "header") != 0)
			continue;
		next = curl_slist_append(list, spec_value(sp, i));
		if (next == NULL)
			fatalx("%s: out of memory", __func__);
		list = next;
	}
	return (list);
}
