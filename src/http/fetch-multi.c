/*
 * libcurl's multi_socket API driven by the libevent loop (after curl's
 * hiperfifo.c), no threads of our own: one event per socket, one timer for
 * curl's timeout, finished transfers collected after every action and
 * handed to fetch.c. Easy handles are kept for reuse between requests.
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

static CURLM			*fetch_multi;
static struct event		*fetch_multi_timer;
static fetch_multi_done_cb	 fetch_multi_done;
static struct fetch_easy	**fetch_multi_spare;	/* easy handles to reuse */
static u_int			 fetch_multi_nspare;
static struct fetch_multi_sock	**fetch_multi_socks;	/* by descriptor */
static u_int			 fetch_multi_nsocks;
static int			 fetch_multi_in_timer;	/* in fetch_multi_timer_cb */

/* Die on a multi handle error; a socket curl no longer knows is no error. */
static void
fetch_multi_check(CURLMcode rc, const char *what)
{
	if (rc != CURLM_OK && rc != CURLM_BAD_SOCKET)
		fatalx("%s: %s", what, curl_multi_strerror(rc));
}

/* Collect finished transfers. */
static void
fetch_multi_collect(void)
{
	CURLMsg		*msg;
	CURLcode	 rc;
	CURL		*easy;
	char		*priv;
	int		 left;

	while ((msg = curl_multi_info_read(fetch_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		fetch_multi_done(priv, rc);
	}
}

/* A socket is ready. */
static void
fetch_multi_event_cb(evutil_socket_t fd, short events, __unused void *arg)
{
	int	action = 0, running;

	if (events & EV_READ)
		action |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	fetch_multi_check(curl_multi_socket_action(fetch_multi, fd, action,
	    &running), __func__);
	fetch_multi_collect();
}

/* curl's timeout expired. */
static void
fetch_multi_timer_cb(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	int	running;

	fetch_multi_in_timer = 1;
	fetch_multi_check(curl_multi_socket_action(fetch_multi,
	    CURL_SOCKET_TIMEOUT, 0, &running), __func__);
	fetch_multi_in_timer = 0;
	fetch_multi_collect();
}

/* curl wants its timeout set (-1: none). */
static int
fetch_multi_timer_set(__unused CURLM *multi, long ms, __unused void *userp)
{
	struct timeval	tv;

	if (ms == -1) {
		evtimer_del(fetch_multi_timer);
		return (0);
	}
	/*
	 * "As soon as possible": activate the event rather than add a zero
	 * timer. Adding an active timer again takes it off the active queue;
	 * with socket callbacks asking for 0 on every turn, it would never run.
	 * (From its own callback, a zero timer: poll the sockets first.)
	 */
	if (ms == 0 && !fetch_multi_in_timer) {
		evtimer_del(fetch_multi_timer);
		event_active(fetch_multi_timer, EV_TIMEOUT, 0);
		return (0);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fetch_multi_timer, &tv);
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
    __unused void *userp, __unused void *sockp)
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
	event_assign(&fs->ev, loop_base(), s, kind, fetch_multi_event_cb, NULL);
	if (event_add(&fs->ev, NULL) != 0)
		fatalx("%s: event_add failed", __func__);
	fs->watched = 1;
	return (0);
}

/* An easy handle: a spare one reset, or a new one. */
struct fetch_easy *
fetch_multi_easy(void)
{
	struct fetch_easy	*fx;

	if (fetch_multi_nspare > 0) {
		fx = fetch_multi_spare[--fetch_multi_nspare];
		curl_easy_reset(fx->curl);
	} else {
		fx = xcalloc(1, sizeof *fx);
		if ((fx->curl = curl_easy_init()) == NULL)
			fatalx("%s: curl_easy_init failed", __func__);
	}
	fx->errbuf[0] = '\0';
	return (fx);
}

static void
fetch_multi_easy_free(struct fetch_easy *fx)
{
	curl_easy_cleanup(fx->curl);
	free(fx);
}

/* Start a transfer: its done callback runs from the loop. */
void
fetch_multi_add(struct fetch_easy *fx)
{
	if (curl_multi_add_handle(fetch_multi, fx->curl) != CURLM_OK)
		fatalx("%s: curl_multi_add_handle failed", __func__);
}

/* Take an easy handle off the multi handle and keep it for reuse. */
void
fetch_multi_put(struct fetch_easy *fx)
{
	curl_multi_remove_handle(fetch_multi, fx->curl);
	if (fetch_multi_nspare < opts.max_in_flight) {
		if (fetch_multi_spare == NULL)
			fetch_multi_spare = xcalloc(opts.max_in_flight,
			    sizeof *fetch_multi_spare);
		fetch_multi_spare[fetch_multi_nspare++] = fx;
	} else
		fetch_multi_easy_free(fx);
}

/* Set up the multi handle on the loop; done gets each finished transfer's
 * CURLOPT_PRIVATE and CURLcode. */
void
fetch_multi_init(fetch_multi_done_cb done)
{
	if (fetch_multi != NULL)
		return;
	fetch_multi_done = done;
	if ((fetch_multi = curl_multi_init()) == NULL)
		fatalx("%s: curl_multi_init failed", __func__);
	fetch_multi_timer = evtimer_new(loop_base(), fetch_multi_timer_cb, NULL);
	if (fetch_multi_timer == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	fetch_multi_check(curl_multi_setopt(fetch_multi,
	    CURLMOPT_SOCKETFUNCTION, fetch_multi_socket_cb), __func__);
	fetch_multi_check(curl_multi_setopt(fetch_multi,
	    CURLMOPT_TIMERFUNCTION, fetch_multi_timer_set), __func__);
	fetch_multi_check(curl_multi_setopt(fetch_multi, CURLMOPT_PIPELINING,
	    (long)CURLPIPE_MULTIPLEX), __func__);
	fetch_multi_check(curl_multi_setopt(fetch_multi,
	    CURLMOPT_MAX_HOST_CONNECTIONS, (long)opts.max_host_connections),
	    __func__);
	fetch_multi_check(curl_multi_setopt(fetch_multi, CURLMOPT_MAXCONNECTS,
	    (long)opts.max_in_flight), __func__);
}

/* Free the multi handle, the spare easy handles and the socket events. */
void
fetch_multi_free(void)
{
	struct fetch_multi_sock	*fs;
	u_int			 i;

	if (fetch_multi == NULL)
		return;
	while (fetch_multi_nspare > 0)
		fetch_multi_easy_free(fetch_multi_spare[--fetch_multi_nspare]);
	free(fetch_multi_spare);
	fetch_multi_spare = NULL;
	curl_multi_cleanup(fetch_multi);
	fetch_multi = NULL;
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
	event_free(fetch_multi_timer);
	fetch_multi_timer = NULL;
}
