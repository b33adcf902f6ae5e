/*
 * libcurl's multi_socket API driven by the libevent loop (after curl's
 * hiperfifo.c), no threads of our own: one event per socket, one timer for
 * curl's timeout, finished transfers collected after every action and
 * handed to fetch.c. Easy handles are kept for reuse between requests.
 *
 * Multi handles, each with its own connections: one for transfers that
 * may multiplex (https asking for HTTP/2, see conn.c), whose connections to
 * a host are capped so that waiting transfers share them rather than each
 * opening its own (libcurl opens a connection for every transfer that finds
 * the others full of streams), and for the rest (HTTP/1, a connection per
 * transfer in flight) one per FETCH_MULTI_SHARD transfers of -j, each new
 * transfer going to the least busy: libcurl 7.88 walks a multi handle's
 * whole connection cache for every transfer that ends, a fifth of the
 * loop's CPU at -j 1000 with one cache of 1,000 connections.
 *
 * A handle kept keeps its options: fetch-transfer.c sets the common ones
 * once and then only what differs per request, resetting a handle only
 * after a request that set more (FETCH_EASY_DIRTY).
 */

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

_Static_assert(CURL_ERROR_SIZE <= sizeof ((struct fetch_easy *)0)->errbuf,
    "error buffer");

/*
 * A socket's event. Records are indexed by descriptor number and kept for
 * the next socket with that number: curl drops and re-adds a socket around
 * every request, and nothing is freed until the end (none of it inside the
 * socket's own callback, none of it left for later).
 */
struct fetch_multi_sock {
	struct event		 ev;
	int			 watched;
};

/* A multi handle and its timer. */
struct fetch_multi {
	CURLM			*multi;
	struct event		*timer;
	int			 in_timer;	/* in fetch_multi_timer_cb */
	u_int			 busy;		/* transfers on it */
};

/* Streams a server lets one connection carry, reckoned (nginx's 128). */
#define FETCH_MULTI_STREAMS 128

/* HTTP/1 transfers a multi handle takes, and at most how many handles. */
#define FETCH_MULTI_SHARD 32
#define FETCH_MULTI_SHARDS 32

/* [0] multiplexed, then the HTTP/1 ones. */
static struct fetch_multi	 fetch_multis[1 + FETCH_MULTI_SHARDS];
static u_int			 fetch_multi_nh1;	/* HTTP/1 handles */
#define FETCH_MULTI_MUX (&fetch_multis[0])
static TAILQ_HEAD(, fetch_easy)	 fetch_multi_muxed =	/* on FETCH_MULTI_MUX */
    TAILQ_HEAD_INITIALIZER(fetch_multi_muxed);
static u_int			 fetch_multi_learnt_seen; /* conn_learnt_count() */
static fetch_multi_done_cb	 fetch_multi_done;
static fetch_multi_native_cb	 fetch_multi_native;
static struct fetch_easy	**fetch_multi_spare;	/* easy handles to reuse */
static u_int			 fetch_multi_nspare;
static struct fetch_multi_sock	**fetch_multi_socks;	/* by descriptor */
static u_int			 fetch_multi_nsocks;

/* Die on a multi handle error; a socket curl no longer knows is no error. */
static void
fetch_multi_check(CURLMcode rc, const char *what)
{
	if (rc != CURLM_OK && rc != CURLM_BAD_SOCKET)
		fatalx("%s: %s", what, curl_multi_strerror(rc));
}

/* Collect finished transfers. */
static void
fetch_multi_collect(struct fetch_multi *fm)
{
	CURLMsg		*msg;
	CURLcode	 rc;
	CURL		*easy;
	char		*priv;
	int		 left;

	while ((msg = curl_multi_info_read(fm->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		fetch_multi_done(priv, rc);
	}
}

/* A socket of a multi handle is ready. */
static void
fetch_multi_event_cb(evutil_socket_t fd, short events, void *arg)
{
	struct fetch_multi	*fm = arg;
	int			 action = 0, running;

	if (events & EV_READ)
		action |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	fetch_multi_check(curl_multi_socket_action(fm->multi, fd, action,
	    &running), __func__);
	fetch_multi_collect(fm);
	fetch_multi_unmux();
}

/* A multi handle's timeout expired. */
static void
fetch_multi_timer_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct fetch_multi	*fm = arg;
	int			 running;

	fm->in_timer = 1;
	fetch_multi_check(curl_multi_socket_action(fm->multi,
	    CURL_SOCKET_TIMEOUT, 0, &running), __func__);
	fm->in_timer = 0;
	fetch_multi_collect(fm);
	fetch_multi_unmux();
}

/* curl wants a multi handle's timeout set (-1: none). */
static int
fetch_multi_timer_set(__unused CURLM *multi, long ms, void *userp)
{
	struct fetch_multi	*fm = userp;
	struct timeval		 tv;

	if (ms == -1) {
		evtimer_del(fm->timer);
		return (0);
	}
	/*
	 * "As soon as possible": activate the event rather than add a zero
	 * timer. Adding an active timer again takes it off the active queue;
	 * with socket callbacks asking for 0 on every turn, it would never run.
	 * (From its own callback, a zero timer: poll the sockets first.)
	 */
	if (ms == 0 && !fm->in_timer) {
		evtimer_del(fm->timer);
		event_active(fm->timer, EV_TIMEOUT, 0);
		return (0);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fm->timer, &tv);
	return (0);
}

/* The record for a descriptor, made on first use. */
static struct fetch_multi_sock *
fetch_multi_sock_get(curl_socket_t s)
{
	u_int	n;

	if ((u_int)s >= fetch_multi_nsocks) {
		n = fetch_multi_nsocks == 0 ? 64 : fetch_multi_nsocks;
		while (n <= (u_int)s)
			n *= 2;
		fetch_multi_socks = xreallocarray(fetch_multi_socks, n,
		    sizeof *fetch_multi_socks);
		memset(fetch_multi_socks + fetch_multi_nsocks, 0,
		    (n - fetch_multi_nsocks) * sizeof *fetch_multi_socks);
		fetch_multi_nsocks = n;
	}
	if (fetch_multi_socks[s] == NULL) {
		fetch_multi_socks[s] = xcalloc(1, sizeof *fetch_multi_socks[s]);
		if (++stats.http_sockets > stats.http_max_sockets)
			stats.http_max_sockets = stats.http_sockets;
	}
	return (fetch_multi_socks[s]);
}

/* A socket's state changed: (re)arm or drop its event. */
static int
fetch_multi_socket_cb(__unused CURL *easy, curl_socket_t s, int what,
    void *userp, __unused void *sockp)
{
	struct fetch_multi_sock	*fs;
	short			 kind;

	if (s < 0)
		return (0);
	if (what == CURL_POLL_REMOVE) {
		if ((u_int)s < fetch_multi_nsocks && (fs = fetch_multi_socks[s]) != NULL &&
		    fs->watched) {
			event_del(&fs->ev);
			fs->watched = 0;
		}
		return (0);
	}
	fs = fetch_multi_sock_get(s);
	if (fs->watched)
		event_del(&fs->ev);
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	event_assign(&fs->ev, loop_base(), s, kind, fetch_multi_event_cb,
	    userp);
	if (event_add(&fs->ev, NULL) != 0)
		fatalx("%s: event_add failed", __func__);
	fs->watched = 1;
	return (0);
}

/*
 * An easy handle: a spare one with the options it has (reset if they were
 * more than a GET's, see fx->state), or a new one.
 */
struct fetch_easy *
fetch_multi_easy(void)
{
	struct fetch_easy	*fx;

	if (fetch_multi_nspare > 0) {
		fx = fetch_multi_spare[--fetch_multi_nspare];
		if (fx->state == FETCH_EASY_DIRTY) {
			curl_easy_reset(fx->curl);
			fx->state = FETCH_EASY_NEW;
		}
	} else {
		fx = xcalloc(1, sizeof *fx);
		if ((fx->curl = curl_easy_init()) == NULL)
			fatalx("%s: curl_easy_init failed", __func__);
	}
	fx->errbuf[0] = '\0';
	fx->mux = fx->waits = 0;
	return (fx);
}

static void
fetch_multi_easy_free(struct fetch_easy *fx)
{
	curl_easy_cleanup(fx->curl);
	free(fx);
}

/*
 * Start a transfer (on the multiplexing multi handle if fx->mux is set):
 * its done callback runs from the loop.
 */
void
fetch_multi_add(struct fetch_easy *fx)
{
	struct fetch_multi	*fm;
	u_int			 i;

	fx->connected = 0;
	if (fx->mux)
		fx->added = FETCH_MULTI_MUX;
	else {
		fx->added = &fetch_multis[1];
		for (i = 2; i <= fetch_multi_nh1; i++) {
			fm = &fetch_multis[i];
			if (fm->busy < fx->added->busy)
				fx->added = fm;
		}
	}
	fx->added->busy++;
	if (fx->mux)
		TAILQ_INSERT_TAIL(&fetch_multi_muxed, fx, entry);
	if (curl_multi_add_handle(fx->added->multi, fx->curl) != CURLM_OK)
		fatalx("%s: curl_multi_add_handle failed", __func__);
}

/*
 * Hosts' versions were learnt since the last look: their transfers still
 * waiting for a connection on the multiplexing multi handle wait no more
 * (conn_recheck); those to HTTP/2 hosts go to the native client if it
 * takes them (h2.c: then they leave their handle, and libcurl opens no
 * more connections for them), and those to HTTP/1 hosts (where a host has
 * only a few connections here) go to the other, to have one each.
 */
void
fetch_multi_unmux(void)
{
	struct fetch_easy	*fx, *next;
	char			*url, *priv;
	int			 version;

	if (conn_learnt_count() == fetch_multi_learnt_seen)
		return;
	fetch_multi_learnt_seen = conn_learnt_count();
	for (fx = TAILQ_FIRST(&fetch_multi_muxed); fx != NULL; fx = next) {
		next = TAILQ_NEXT(fx, entry);
		if (fx->connected || curl_easy_getinfo(fx->curl,
		    CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK)
			continue;
		version = conn_recheck(fx, url);
		if (version == CONN_H2 && curl_easy_getinfo(fx->curl,
		    CURLINFO_PRIVATE, &priv) == CURLE_OK &&
		    fetch_multi_native(priv))
			continue;	/* it left its handle */
		if (version != CONN_H1)
			continue;
		curl_multi_remove_handle(FETCH_MULTI_MUX->multi, fx->curl);
		FETCH_MULTI_MUX->busy--;
		TAILQ_REMOVE(&fetch_multi_muxed, fx, entry);
		fetch_multi_add(fx);
	}
}

/* Take an easy handle off its multi handle and keep it for reuse. */
void
fetch_multi_put(struct fetch_easy *fx)
{
	if (fx->added != NULL) {
		curl_multi_remove_handle(fx->added->multi, fx->curl);
		fx->added->busy--;
	}
	if (fx->added == FETCH_MULTI_MUX)
		TAILQ_REMOVE(&fetch_multi_muxed, fx, entry);
	fx->added = NULL;
	if (fetch_multi_nspare < opts.max_in_flight) {
		if (fetch_multi_spare == NULL)
			fetch_multi_spare = xcalloc(opts.max_in_flight,
			    sizeof *fetch_multi_spare);
		fetch_multi_spare[fetch_multi_nspare++] = fx;
	} else
		fetch_multi_easy_free(fx);
}

/* Set up one multi handle: its callbacks, connections per host and kept. */
static void
fetch_multi_one(struct fetch_multi *fm, long streams, long per_host,
    long kept)
{
	CURLM	*m;

	if ((m = fm->multi = curl_multi_init()) == NULL)
		fatalx("%s: curl_multi_init failed", __func__);
	fm->timer = evtimer_new(loop_base(), fetch_multi_timer_cb, fm);
	if (fm->timer == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	fetch_multi_check(curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION,
	    fetch_multi_socket_cb), __func__);
	fetch_multi_check(curl_multi_setopt(m, CURLMOPT_SOCKETDATA, fm),
	    __func__);
	fetch_multi_check(curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION,
	    fetch_multi_timer_set), __func__);
	fetch_multi_check(curl_multi_setopt(m, CURLMOPT_TIMERDATA, fm),
	    __func__);
	fetch_multi_check(curl_multi_setopt(m, CURLMOPT_PIPELINING,
	    (long)CURLPIPE_MULTIPLEX), __func__);
	if (streams > 0)
		fetch_multi_check(curl_multi_setopt(m,
		    CURLMOPT_MAX_CONCURRENT_STREAMS, streams), __func__);
	fetch_multi_check(curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS,
	    per_host), __func__);
	fetch_multi_check(curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, kept),
	    __func__);
}

/*
 * Set up the multi handles on the loop; done gets each finished transfer's
 * CURLOPT_PRIVATE and CURLcode. Multiplexed, a host has enough connections
 * for -j streams at FETCH_MULTI_STREAMS each, and one more (unless
 * --max-host-connections says otherwise). HTTP/1 transfers have a handle
 * per FETCH_MULTI_SHARD of -j, each keeping connections for its share; one
 * only under --max-host-connections, a cap each handle would apply anew.
 */
void
fetch_multi_init(fetch_multi_done_cb done, fetch_multi_native_cb native)
{
	long	per_host = opts.max_host_connections, kept;
	u_int	i, n;

	if (FETCH_MULTI_MUX->multi != NULL)
		return;
	fetch_multi_done = done;
	fetch_multi_native = native;
	fetch_printf_init();
	n = (opts.max_in_flight + FETCH_MULTI_SHARD - 1) / FETCH_MULTI_SHARD;
	if (n > FETCH_MULTI_SHARDS)
		n = FETCH_MULTI_SHARDS;
	if (n < 1 || per_host != 0)
		n = 1;
	kept = (opts.max_in_flight + n - 1) / n;
	for (i = 1; i <= n; i++)
		fetch_multi_one(&fetch_multis[i], 0, per_host, kept);
	fetch_multi_nh1 = n;
	if (per_host == 0)
		per_host = (opts.max_in_flight + FETCH_MULTI_STREAMS - 1) /
		    FETCH_MULTI_STREAMS + 1;
	fetch_multi_one(FETCH_MULTI_MUX, opts.max_in_flight, per_host,
	    (long)opts.max_in_flight);
}

/* Free the multi handles, the spare easy handles and the socket events. */
void
fetch_multi_free(void)
{
	struct fetch_multi_sock	*fs;
	u_int			 i;

	if (FETCH_MULTI_MUX->multi == NULL)
		return;
	while (fetch_multi_nspare > 0)
		fetch_multi_easy_free(fetch_multi_spare[--fetch_multi_nspare]);
	free(fetch_multi_spare);
	fetch_multi_spare = NULL;
	TAILQ_INIT(&fetch_multi_muxed);
	fetch_multi_learnt_seen = 0;
	for (i = 0; i <= fetch_multi_nh1; i++) {
		curl_multi_cleanup(fetch_multis[i].multi);
		fetch_multis[i].multi = NULL;
		fetch_multis[i].busy = 0;
	}
	for (i = 0; i < fetch_multi_nsocks; i++) {
		if ((fs = fetch_multi_socks[i]) == NULL)
			continue;
		if (fs->watched)
			event_del(&fs->ev);
		free(fs);
	}
	free(fetch_multi_socks);
	fetch_multi_socks = NULL;
	fetch_multi_nsocks = 0;
	stats.http_sockets = 0;
	for (i = 0; i <= fetch_multi_nh1; i++) {
		event_free(fetch_multis[i].timer);
		fetch_multis[i].timer = NULL;
	}
	fetch_multi_nh1 = 0;
}
