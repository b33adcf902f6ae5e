/*
 * The test server's capacity-limited endpoints: a service that serves N
 * requests of KEY at once, each in MS milliseconds, and beyond that either
 * queues them (FIFO; latency grows with the queue) or refuses them at once
 * with 503. Counted per KEY, for /capacity-stats/KEY:
 *
 *   /capacity/KEY/N/MS/queue    N at once, the rest wait their turn
 *   /capacity/KEY/N/MS/503      N at once, the rest 503 Service Unavailable
 *   /capacity/KEY/0/MS/queue    no limit: every request MS milliseconds
 *   /capacity-stats/KEY         JSON: served, refused, max_busy, max_queued,
 *                               max_inflight (busy and queued at once), and
 *                               p50_ms, p99_ms of the time from a request's
 *                               arrival to its answer
 */

#include <sys/queue.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "testserver-capacity.h"

#define CAP_MAX_MS 10000	/* latencies counted to the ms up to this */

struct cap_req {
	struct evhttp_request		*req;
	struct cap_svc			*svc;
	struct event			*ev;
	struct timeval			 since;	/* arrived */
	int				 busy;	/* in service, not queued */
	TAILQ_ENTRY(cap_req)		 entry;	/* svc->queue */
};

struct cap_svc {
	char				*key;
	long				 n, ms;
	long				 busy, queued;
	long				 served, refused;
	long				 max_busy, max_queued, max_inflight;
	long				 ms_count[CAP_MAX_MS + 1];
	TAILQ_HEAD(, cap_req)		 queue;
	struct cap_svc			*next;
};

static struct cap_svc	*cap_svcs;
static struct event_base *cap_base;
static cap_reply_cb	 cap_reply;

/* The service of a key, made with its N and MS on first use. */
static struct cap_svc *
cap_find(const char *key, long n, long ms, int create)
{
	struct cap_svc	*s;

	for (s = cap_svcs; s != NULL; s = s->next) {
		if (strcmp(s->key, key) == 0)
			return (s);
	}
	if (!create)
		return (NULL);
	s = calloc(1, sizeof *s);
	s->key = strdup(key);
	s->n = n;
	s->ms = ms;
	TAILQ_INIT(&s->queue);
	s->next = cap_svcs;
	cap_svcs = s;
	return (s);
}

/* Count what is in flight at the service now. */
static void
cap_count(struct cap_svc *s)
{
	if (s->busy > s->max_busy)
		s->max_busy = s->busy;
	if (s->queued > s->max_queued)
		s->max_queued = s->queued;
	if (s->busy + s->queued > s->max_inflight)
		s->max_inflight = s->busy + s->queued;
}

static void	cap_begin(struct cap_req *);

/* A slot is free: the first queued request begins. */
static void
cap_next(struct cap_svc *s)
{
	struct cap_req	*r;

	s->busy--;
	if ((r = TAILQ_FIRST(&s->queue)) != NULL) {
		TAILQ_REMOVE(&s->queue, r, entry);
		s->queued--;
		cap_begin(r);
	}
}

/* A request goes (its connection closed, or answered). */
static void
cap_free(struct cap_req *r)
{
	struct evhttp_connection *evcon;

	if (r->req != NULL) {
		evcon = evhttp_request_get_connection(r->req);
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	}
	event_free(r->ev);
	free(r);
}

/* Its time in service is over: the answer. */
static void
cap_done(evutil_socket_t fd, short events, void *arg)
{
	struct cap_req	*r = arg;
	struct cap_svc	*s = r->svc;
	struct evhttp_request *req = r->req;
	struct timeval	 now, d;
	long		 ms;

	(void)fd;
	(void)events;
	gettimeofday(&now, NULL);
	timersub(&now, &r->since, &d);
	ms = d.tv_sec * 1000 + d.tv_usec / 1000;
	s->ms_count[ms < CAP_MAX_MS ? ms : CAP_MAX_MS]++;
	s->served++;
	cap_free(r);
	cap_next(s);
	cap_reply(req, 200, "{\"ok\":true}");
}

/* The client went away: out of the queue or out of service. */
static void
cap_closed(struct evhttp_connection *evcon, void *arg)
{
	struct cap_req	*r = arg;
	struct cap_svc	*s = r->svc;

	(void)evcon;
	r->req = NULL;
	if (r->busy)
		cap_next(s);
	else {
		TAILQ_REMOVE(&s->queue, r, entry);
		s->queued--;
	}
	cap_free(r);
	cap_reply(NULL, 0, NULL);	/* one fewer in flight */
}

/* A request enters service for ms milliseconds. */
static void
cap_begin(struct cap_req *r)
{
	struct timeval	tv = { r->svc->ms / 1000, (r->svc->ms % 1000) * 1000 };

	r->busy = 1;
	r->svc->busy++;
	cap_count(r->svc);
	evtimer_add(r->ev, &tv);
}

/* The latency in ms below which a fraction q of the answers came. */
static long
cap_quantile(struct cap_svc *s, double q)
{
	long	i, seen = 0;

	for (i = 0; i <= CAP_MAX_MS; i++) {
		seen += s->ms_count[i];
		if (seen > 0 && seen >= q * s->served)
			return (i);
	}
	return (0);
}

/* Set the loop and the function that answers (and counts the answer). */
void
capacity_init(struct event_base *base, cap_reply_cb cb)
{
	cap_base = base;
	cap_reply = cb;
}

/* Serve /capacity/... or /capacity-stats/...; 0 if uri is neither. */
int
capacity_serve(struct evhttp_request *req, const char *uri)
{
	struct cap_svc	*s;
	struct cap_req	*r;
	char		 key[201], mode[8], body[320];
	long		 n, ms;

	if (sscanf(uri, "/capacity-stats/%200[^/]", key) == 1) {
		if ((s = cap_find(key, 0, 0, 0)) == NULL)
			cap_reply(req, 404, "{}");
		else {
			snprintf(body, sizeof body, "{\"served\":%ld,"
			    "\"refused\":%ld,\"max_busy\":%ld,\"max_queued\":"
			    "%ld,\"max_inflight\":%ld,\"p50_ms\":%ld,"
			    "\"p99_ms\":%ld}", s->served, s->refused,
			    s->max_busy, s->max_queued, s->max_inflight,
			    cap_quantile(s, 0.5), cap_quantile(s, 0.99));
			cap_reply(req, 200, body);
		}
		return (1);
	}
	if (sscanf(uri, "/capacity/%200[^/]/%ld/%ld/%7s", key, &n, &ms,
	    mode) != 4 || n < 0 || ms < 0)
		return (0);
	s = cap_find(key, n, ms, 1);
	if (s->n > 0 && s->busy >= s->n && strcmp(mode, "503") == 0) {
		s->refused++;
		cap_reply(req, 503, "{\"error\":\"over capacity\"}");
		return (1);
	}
	r = calloc(1, sizeof *r);
	r->req = req;
	r->svc = s;
	gettimeofday(&r->since, NULL);
	r->ev = evtimer_new(cap_base, cap_done, r);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    cap_closed, r);
	if (s->n > 0 && s->busy >= s->n) {
		TAILQ_INSERT_TAIL(&s->queue, r, entry);
		s->queued++;
		cap_count(s);
	} else
		cap_begin(r);
	return (1);
}
