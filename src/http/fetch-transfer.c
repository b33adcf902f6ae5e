/*
 * One transfer of a request on a curl easy handle: its options, its body
 * within --max-response, the destination policy checked on each socket and
 * connection (and, through a proxy, on the destination's addresses before
 * the request goes), and a watchdog past --timeout. At most --max-in-flight
 * run; fetch.c learns of an end through the callbacks it gave.
 */

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"

/* A transfer still running this long after --timeout is ended by us. */
#define FETCH_WATCHDOG_SLACK_MS 2000

static u_int			 fetch_running;
static fetch_multi_done_cb	 fetch_done_cb;
static fetch_refused_cb		 fetch_refused;

/* Take an entry's easy handle back for reuse. */
static void
fetch_easy_put(struct fetch_entry *fe)
{
	if (fe->h2 != NULL) {
		if (fe->watchdog != NULL)
			evtimer_del(fe->watchdog);
		h2_end(fe);
		return;
	}
	if (fe->easy == NULL)
		return;
	if (fe->watchdog != NULL)
		evtimer_del(fe->watchdog);
	fetch_multi_put(fe->easy);
	fe->easy = NULL;
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

/* Body bytes of a native stream (h2.c): kept as libcurl's are (0: stop). */
static int
fetch_transfer_body(struct fetch_entry *fe, const char *ptr, size_t n)
{
	return (fetch_write_cb((char *)ptr, 1, n, fe) == n);
}

/* The status of a transfer's response (0: none). */
long
fetch_transfer_status(struct fetch_entry *fe)
{
	long	status = 0;

	if (fe->h2 != NULL)
		return (h2_status(fe));
	curl_easy_getinfo(fe->easy->curl, CURLINFO_RESPONSE_CODE, &status);
	return (status);
}

/* A response's Retry-After, seconds from now (0: none). */
curl_off_t
fetch_transfer_retry_after(struct fetch_entry *fe)
{
	curl_off_t	after = 0;

	if (fe->h2 != NULL)
		return (h2_retry_after(fe));
	curl_easy_getinfo(fe->easy->curl, CURLINFO_RETRY_AFTER, &after);
	return (after);
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

	fe->easy->connected = 1;
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

	if (fe->h2 != NULL) {
		h2_timeout(fe, opts.timeout_ms);
		fetch_done_cb(fe, CURLE_OPERATION_TIMEDOUT);
		return;
	}
	if (fe->easy == NULL)
		return;
	snprintf(fe->easy->errbuf, sizeof fe->easy->errbuf, "no answer "
	    "within %ld ms", opts.timeout_ms);
	fetch_done_cb(fe, CURLE_OPERATION_TIMEDOUT);
}

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
	fetch_refused(fe);
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

/* The options every transfer has alike, set once on a handle. */
static void
fetch_transfer_common(struct fetch_easy *fx)
{
	CURL	*e = fx->curl;

	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, fx->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opts.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opts.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, opts.user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)opts.max_response);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, fetch_opensocket_cb);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, fetch_prereq_cb);
	fx->state = FETCH_EASY_PLAIN;
}

/*
 * The options of a transfer on its easy handle (proxy: the one judged by):
 * the common ones if the handle lacks them, then this request's. Each
 * option a GET may differ by is set every time; the others (a proxy, a
 * method, a body) leave the handle to be reset before its next request.
 */
static void
fetch_transfer_setopt(struct fetch_entry *fe, CURL *e, const char *proxy)
{
	const struct te_fetch_request	*req = fe->req;
	const char			*method = req->method;

	if (fe->easy->state == FETCH_EASY_NEW)
		fetch_transfer_common(fe->easy);
	curl_easy_setopt(e, CURLOPT_URL, fetch_cur_url(fe));
	curl_easy_setopt(e, CURLOPT_PRIVATE, fe);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, fe);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, fe);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, fe);
	/* Off its origin, a redirect carries none of our headers. */
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, fe->cross ? NULL :
	    req->headers);
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS,
	    (long)(req->flags & FETCH_PATH_AS_IS));
	conn_setopt(fe->easy, fetch_cur_url(fe), fe->proxied);
	if (opts.proxy != NULL || fe->policed) {
		/*
		 * --proxy for every host, over http_proxy and no_proxy; and
		 * where the policy applies, exactly the proxy we judged by.
		 */
		curl_easy_setopt(e, CURLOPT_PROXY, proxy != NULL ? proxy : "");
		curl_easy_setopt(e, CURLOPT_NOPROXY, "");
		fe->easy->state = FETCH_EASY_DIRTY;
	}
	if (fe->as_get && strcmp(method, "HEAD") != 0)
		method = "GET";
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		fe->easy->state = FETCH_EASY_DIRTY;
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		fe->easy->state = FETCH_EASY_DIRTY;
	}
	if (fe->body != NULL && !fe->as_get) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, fe->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)fe->bodylen);
		fe->easy->state = FETCH_EASY_DIRTY;
	}
}

/* Start one transfer for an entry (or first judge its destination). */
void
fetch_transfer_start(struct fetch_entry *fe)
{
	const char	*proxy;
	struct timeval	 tv;
	long		 ms;

	fe->refused = 0;
	fe->policed = fetch_policed(fe);
	proxy = proxy_for(fetch_cur_url(fe));
	fe->proxied = proxy != NULL;
	if (fetch_dest_check(fe))
		return;
	if (!h2_start(fe, fetch_cur_url(fe))) {
		fe->easy = fetch_multi_easy();
		fetch_transfer_setopt(fe, fe->easy->curl, proxy);
	}

	fe->state = FETCH_RUNNING;
	fe->attempts++;
	fetch_running++;
	stats.http_requests++;
	if (fetch_running > stats.http_max_in_flight)
		stats.http_max_in_flight = fetch_running;
	if (fe->h2 == NULL)
		fetch_multi_add(fe->easy);

	/* Whatever state libcurl gets into, the transfer ends. */
	if (fe->watchdog == NULL &&
	    (fe->watchdog = evtimer_new(loop_base(), fetch_watchdog_cb, fe)) ==
	    NULL)
		fatalx("%s: evtimer_new failed", __func__);
	ms = opts.timeout_ms + (fe->h2 != NULL ? 0 : FETCH_WATCHDOG_SLACK_MS);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fe->watchdog, &tv);
}

/* A transfer is over: its handle goes back, its slot is free. */
void
fetch_transfer_end(struct fetch_entry *fe)
{
	fetch_easy_put(fe);
	fetch_running--;
}

/* An entry goes: whatever it holds of a transfer goes with it. */
void
fetch_transfer_forget(struct fetch_entry *fe)
{
	fetch_easy_put(fe);
	if (fe->watchdog != NULL)
		event_free(fe->watchdog);
	fe->watchdog = NULL;
}

/* Transfers running or judging their destination (--max-in-flight). */
u_int
fetch_transfer_count(void)
{
	return (fetch_running);
}

/*
 * A transfer still waiting on libcurl for a connection to a host now known
 * to speak HTTP/2 goes to the native client if it takes it (1): its easy
 * handle goes back, its watchdog counts from now.
 */
static int
fetch_transfer_native(void *arg)
{
	struct fetch_entry	*fe = arg;
	struct fetch_easy	*fx = fe->easy;
	struct timeval		 tv;

	if (fe->proxied || fe->h2 != NULL ||
	    !h2_start(fe, fetch_cur_url(fe)))
		return (0);
	fe->easy = NULL;
	fetch_multi_put(fx);
	tv.tv_sec = opts.timeout_ms / 1000;
	tv.tv_usec = (opts.timeout_ms % 1000) * 1000;
	evtimer_add(fe->watchdog, &tv);
	return (1);
}

/* A native stream's connection failed before it opened: libcurl's now. */
static void
fetch_transfer_fallback(struct fetch_entry *fe)
{
	fetch_running--;
	fe->attempts--;
	stats.http_requests--;
	fetch_transfer_start(fe);
}

/*
 * Set up the multi handle on the loop; done is called when a transfer
 * ends, refused when the policy refuses its destination before it begins.
 */
void
fetch_transfer_init(fetch_multi_done_cb done, fetch_refused_cb refused)
{
	fetch_done_cb = done;
	fetch_refused = refused;
	fetch_multi_init(done, fetch_transfer_native);
	h2_init(done, fetch_transfer_fallback, fetch_transfer_body);
}

/* Drop the multi handles (and any transfer still on them). */
void
fetch_transfer_free(void)
{
	h2_free();
	fetch_multi_free();
	conn_free();
}
