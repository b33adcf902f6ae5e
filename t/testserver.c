/*
 * The test HTTP server (libevent evhttp): binds 127.0.0.1 on two free
 * ports, prints them on stdout ("P1 P2") and serves the same endpoints on
 * both until its stdin closes; each port counts its own requests (two
 * ports are two origins, for cross-origin redirects). Endpoints:
 *
 *   /json...             200 JSON: method, uri, a request number
 *   /echo                200 JSON: method, uri, body, user agent, X-Test
 *   /text                200 text/plain
 *   /badjson             200 application/json that is not JSON
 *   /latency/MS          200 JSON after MS milliseconds
 *   /status/N            status N with a body
 *   /reflect/N           status N, the body repeating the URI and the
 *                        Authorization header (a server that echoes)
 *   /showauth/N/P/ENC    status N, the body P bytes of 'x' then " auth="
 *                        and the Authorization header encoded as ENC:
 *                        raw, php (JSON as PHP writes it: "\/", "\u00e9")
 *                        or form (x-www-form-urlencoded: '+' for space)
 *   /flaky/KEY/K         503 for the first K requests of KEY, then 200
 *   /ratelimit/KEY/K/S   429 Retry-After: S for the first K of KEY, then 200
 *   /redirect/N          302 to /redirect/N-1; /redirect/0 is 200
 *   /loop/a, /loop/b     301 to each other
 *   /headrefused         405 to HEAD, 301 to /text for GET
 *   /toftp               302 to an ftp:// URL
 *   /reset               the connection is reset, no response
 *   /hang                never answered
 *   /big/N               N bytes; /bigchunked/N the same, chunked
 *   /nul/N               200 text/plain, N bytes (N >= 2): "a", a NUL, then
 *                        "b"s
 *   /slow/N              N bytes, one every 50 ms
 *   /close               200 with "Connection: close"
 *   /random              for soaks: 0-100 ms latency, 3% 503, 1% reset,
 *                        0.5% hang, 2% redirect
 *   /count               JSON: requests, max_concurrent, current, and
 *                        credentials: requests that carried Authorization,
 *                        Cookie, Proxy-Authorization or X-Test (this port)
 *   /headers             200 JSON: every request header, name: value
 *   /to?URL              302 to URL (percent-decoded), as given
 *   /body?TEXT           200 application/json, the body TEXT
 *                        (percent-decoded), as given
 *   /noloc               302 without a Location
 *   /bigloc/N            302 to /json?aaa... N bytes long
 *   /log                 JSON array: every request so far (but /count and
 *                        /log): method, uri, host, authorization, cookie,
 *                        x_test, proxied, ms (wall clock, milliseconds)
 *   /quota/KEY/K/H/S     the first K requests of KEY answer 429 with
 *                        header H saying the window ends in S seconds
 *                        (reset: x-rate-limit-reset, ietf: RateLimit-Reset,
 *                        retry: Retry-After, forbid: 403 with
 *                        x-rate-limit-remaining: 0); later ones 200
 *   /drain/KEY/K/S       200, the K-th request of KEY also saying
 *                        x-rate-limit-remaining: 0 (reset in S seconds)
 *   /window/KEY/K/S      a quota over every connection: in each window of
 *                        S seconds (from the epoch), the first K requests
 *                        of KEY 200, later ones 429 with
 *                        x-rate-limit-reset (the window's end), each
 *                        counted as "429 KEY W I" (W the window, I what
 *                        follows ?i= in the URI up to a '&')
 *   /counters            JSON: every counter of the endpoints above
 *   /capacity/...        N at once in MS, queue or 503 beyond
 *                        (testserver-capacity.c)
 *
 * A request in absolute form (GET http://host/path) is served as a proxy
 * would: as if for /path, and logged with proxied set.
 */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "testserver-capacity.h"

static struct event_base	*base;
static long			 total, current, max_concurrent;
static long			 port_total[2];	/* requests on each port */
static long			 port_creds[2];	/* ... with credentials */

struct counter {
	char		*key;
	long		 n;
	struct counter	*next;
};
static struct counter	*counters;

#define LOG_MAX 20000
static struct evbuffer	*request_log;	/* JSON objects, comma-separated */
static long		 logged;

struct delayed {
	struct evhttp_request		*req;
	struct evhttp_connection	*evcon;
	int				 status;
	long				 left;	/* /slow: bytes to go */
	struct event			*ev;
};

static long
count_key(const char *key)
{
	struct counter	*c;

	for (c = counters; c != NULL; c = c->next) {
		if (strcmp(c->key, key) == 0)
			return (++c->n);
	}
	c = calloc(1, sizeof *c);
	c->key = strdup(key);
	c->n = 1;
	c->next = counters;
	counters = c;
	return (1);
}

static void
reply(struct evhttp_request *req, int code, const char *type,
    struct evbuffer *body)
{
	if (type != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", type);
	/* No body after a HEAD (evhttp sends a large one otherwise). */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
		body = NULL;
	evhttp_send_reply(req, code, NULL, body);
	current--;
}

static void
reply_text(struct evhttp_request *req, int code, const char *type,
    const char *fmt, ...)
{
	struct evbuffer	*b = evbuffer_new();
	va_list		 ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	reply(req, code, type, b);
	evbuffer_free(b);
}

static void
redirect(struct evhttp_request *req, int code, const char *to)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    to);
	reply_text(req, code, "text/plain", "moved to %s", to);
}

static void
delayed_closed(struct evhttp_connection *evcon, void *arg)
{
	struct delayed	*d = arg;

	(void)evcon;
	d->req = NULL;
	current--;
}

static void
delayed_fire(evutil_socket_t fd, short events, void *arg)
{
	struct delayed	*d = arg;
	struct evbuffer	*b;

	(void)fd;
	(void)events;
	if (d->req == NULL)
		goto done;
	if (d->left > 0) {
		b = evbuffer_new();
		evbuffer_add(b, "x", 1);
		evhttp_send_reply_chunk(d->req, b);
		evbuffer_free(b);
		if (--d->left > 0) {
			struct timeval tv = { 0, 50000 };
			evtimer_add(d->ev, &tv);
			return;
		}
		evhttp_connection_set_closecb(d->evcon, NULL, NULL);
		evhttp_send_reply_end(d->req);
		current--;
		goto done;
	}
	evhttp_connection_set_closecb(d->evcon, NULL, NULL);
	reply_text(d->req, 200, "application/json", "{\"ok\":true}");
done:
	event_free(d->ev);
	free(d);
}

static void
delay(struct evhttp_request *req, long ms, long slow)
{
	struct delayed	*d = calloc(1, sizeof *d);
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	d->req = req;
	d->evcon = evhttp_request_get_connection(req);
	d->left = slow;
	d->ev = evtimer_new(base, delayed_fire, d);
	evhttp_connection_set_closecb(d->evcon, delayed_closed, d);
	if (slow > 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "text/plain");
		evhttp_send_reply_start(req, 200, "OK");
	}
	evtimer_add(d->ev, &tv);
}

static void
json_escape(struct evbuffer *b, const char *s, size_t n)
{
	size_t	i;

	evbuffer_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			evbuffer_add_printf(b, "\\%c", s[i]);
		else if ((unsigned char)s[i] < 0x20)
			evbuffer_add_printf(b, "\\u%04x", s[i]);
		else
			evbuffer_add(b, s + i, 1);
	}
	evbuffer_add(b, "\"", 1);
}

/* Add s to b as PHP's json_encode writes a string ("\/", "\uXXXX"). */
static void
php_escape(struct evbuffer *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 cp;
	int			 more;

	while (*p != '\0') {
		if (*p == '"' || *p == '\\' || *p == '/') {
			evbuffer_add_printf(b, "\\%c", *p++);
			continue;
		}
		if (*p >= 0x20 && *p < 0x80) {
			evbuffer_add(b, p++, 1);
			continue;
		}
		if (*p < 0x20) {
			evbuffer_add_printf(b, "\\u%04x", *p++);
			continue;
		}
		more = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : 1;
		cp = *p++ & (0x3f >> more);
		while (more-- > 0 && *p != '\0')
			cp = (cp << 6) | (*p++ & 0x3f);
		if (cp >= 0x10000)
			evbuffer_add_printf(b, "\\u%04lx\\u%04lx",
			    0xd800 + ((cp - 0x10000) >> 10),
			    0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			evbuffer_add_printf(b, "\\u%04lx", cp);
	}
}

/* Answer /showauth/N/P/ENC: the Authorization header echoed, encoded. */
static void
echo_auth(struct evhttp_request *req, long n, long pad, const char *enc)
{
	struct evbuffer	*b = evbuffer_new();
	const char	*a, *p;

	a = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (a == NULL)
		a = "";
	while (pad-- > 0)
		evbuffer_add(b, "x", 1);
	evbuffer_add_printf(b, " auth=");
	if (strcmp(enc, "php") == 0)
		php_escape(b, a);
	else if (strcmp(enc, "form") == 0) {
		for (p = a; *p != '\0'; p++) {
			if (*p == ' ')
				evbuffer_add(b, "+", 1);
			else if (strchr("*-._", *p) != NULL ||
			    (*p >= '0' && *p <= '9') ||
			    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
				evbuffer_add(b, p, 1);
			else
				evbuffer_add_printf(b, "%%%02X",
				    (unsigned char)*p);
		}
	} else
		evbuffer_add(b, a, strlen(a));
	reply(req, (int)n, "text/plain", b);
	evbuffer_free(b);
}

static void
echo(struct evhttp_request *req, const char *uri)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evbuffer		*b = evbuffer_new();
	const char		*ua = evhttp_find_header(h, "User-Agent");
	const char		*xt = evhttp_find_header(h, "X-Test");
	const char		*method;
	size_t			 n = evbuffer_get_length(in);

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET: method = "GET"; break;
	case EVHTTP_REQ_POST: method = "POST"; break;
	case EVHTTP_REQ_PUT: method = "PUT"; break;
	case EVHTTP_REQ_HEAD: method = "HEAD"; break;
	default: method = "OTHER"; break;
	}
	evbuffer_add_printf(b, "{\"method\":\"%s\",\"uri\":", method);
	json_escape(b, uri, strlen(uri));
	evbuffer_add_printf(b, ",\"body\":");
	json_escape(b, (char *)evbuffer_pullup(in, n), n);
	evbuffer_add_printf(b, ",\"user_agent\":");
	json_escape(b, ua != NULL ? ua : "", ua != NULL ? strlen(ua) : 0);
	evbuffer_add_printf(b, ",\"x_test\":");
	json_escape(b, xt != NULL ? xt : "", xt != NULL ? strlen(xt) : 0);
	evbuffer_add_printf(b, ",\"n\":%ld}", total);
	reply(req, 200, "application/json", b);
	evbuffer_free(b);
}

/* Every request header as a JSON object. */
static void
headers(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	struct evbuffer		*b = evbuffer_new();
	int			 first = 1;

	evbuffer_add(b, "{", 1);
	TAILQ_FOREACH(kv, h, next) {
		if (!first)
			evbuffer_add(b, ",", 1);
		first = 0;
		json_escape(b, kv->key, strlen(kv->key));
		evbuffer_add(b, ":", 1);
		json_escape(b, kv->value, strlen(kv->value));
	}
	evbuffer_add(b, "}", 1);
	reply(req, 200, "application/json", b);
	evbuffer_free(b);
}

/* Reset the connection: no response at all. */
static void
reset(struct evhttp_request *req)
{
	struct linger	l = { 1, 0 };
	int		fd;

	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(
	    evhttp_request_get_connection(req)));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	shutdown(fd, SHUT_RDWR);
	current--;
}

static void
log_header(struct evbuffer *b, struct evkeyvalq *h, const char *name,
    const char *key)
{
	const char	*v = evhttp_find_header(h, name);

	evbuffer_add_printf(b, ",\"%s\":", key);
	if (v == NULL)
		evbuffer_add(b, "null", 4);
	else
		json_escape(b, v, strlen(v));
}

/* Note a request in the log /log returns. */
static void
log_request(struct evhttp_request *req, const char *full, int proxied)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct timeval		 tv;
	const char		*method;

	if (logged++ >= LOG_MAX)
		return;
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET: method = "GET"; break;
	case EVHTTP_REQ_POST: method = "POST"; break;
	case EVHTTP_REQ_PUT: method = "PUT"; break;
	case EVHTTP_REQ_HEAD: method = "HEAD"; break;
	default: method = "OTHER"; break;
	}
	gettimeofday(&tv, NULL);
	if (evbuffer_get_length(request_log) > 0)
		evbuffer_add(request_log, ",", 1);
	evbuffer_add_printf(request_log, "{\"method\":\"%s\",\"uri\":",
	    method);
	json_escape(request_log, full, strlen(full));
	log_header(request_log, h, "Host", "host");
	log_header(request_log, h, "Authorization", "authorization");
	log_header(request_log, h, "Cookie", "cookie");
	log_header(request_log, h, "X-Test", "x_test");
	evbuffer_add_printf(request_log, ",\"proxied\":%s,\"ms\":%lld}",
	    proxied ? "true" : "false",
	    (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

/* /window: a quota of k requests of key in each window of s seconds. */
static void
window(struct evhttp_request *req, const char *full, const char *key, long k,
    long s)
{
	char		 ck[600], v[64];
	const char	*i = strstr(full, "?i=");
	long long	 w = (long long)time(NULL) / s;
	long		 n;

	snprintf(ck, sizeof ck, "%s %lld", key, w);
	if ((n = count_key(ck)) <= k) {
		reply_text(req, 200, "application/json", "{\"ok\":true,"
		    "\"n\":%ld}", n);
		return;
	}
	snprintf(ck, sizeof ck, "429 %s %lld %.*s", key, w,
	    i != NULL ? (int)strcspn(i + 3, "&") : 0, i != NULL ? i + 3 : "");
	count_key(ck);
	snprintf(v, sizeof v, "%lld", (w + 1) * s);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "x-rate-limit-reset", v);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "x-rate-limit-remaining", "0");
	reply_text(req, 429, "text/plain", "quota exhausted");
}

/* /counters: every counter as a JSON object. */
static void
counters_json(struct evhttp_request *req)
{
	struct evbuffer	*b = evbuffer_new();
	struct counter	*c;

	evbuffer_add(b, "{", 1);
	for (c = counters; c != NULL; c = c->next) {
		if (c != counters)
			evbuffer_add(b, ",", 1);
		json_escape(b, c->key, strlen(c->key));
		evbuffer_add_printf(b, ":%ld", c->n);
	}
	evbuffer_add(b, "}", 1);
	reply(req, 200, "application/json", b);
	evbuffer_free(b);
}

/* Answer a quota endpoint: header kind h, window of s seconds. */
static void
quota(struct evhttp_request *req, const char *h, long s)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	char			 v[64];

	if (strcmp(h, "reset") == 0) {
		snprintf(v, sizeof v, "%lld", (long long)time(NULL) + s);
		evhttp_add_header(out, "x-rate-limit-reset", v);
		evhttp_add_header(out, "x-rate-limit-remaining", "0");
	} else if (strcmp(h, "ietf") == 0) {
		snprintf(v, sizeof v, "%ld", s);
		evhttp_add_header(out, "RateLimit-Reset", v);
	} else if (strcmp(h, "retry") == 0) {
		snprintf(v, sizeof v, "%ld", s);
		evhttp_add_header(out, "Retry-After", v);
	} else if (strcmp(h, "forbid") == 0) {
		snprintf(v, sizeof v, "%lld", (long long)time(NULL) + s);
		evhttp_add_header(out, "x-rate-limit-reset", v);
		evhttp_add_header(out, "x-rate-limit-remaining", "0");
		reply_text(req, 403, "text/plain", "quota exhausted");
		return;
	}
	reply_text(req, 429, "text/plain", "quota exhausted");
}

static void
serve(struct evhttp_request *req, void *arg)
{
	const char	*full = evhttp_request_get_uri(req);
	char		 uri[1024], key[256], to[300], h[32], *big;
	long		 n, k, s, *mine = arg, *creds;
	int		 proxied = 0;
	struct evkeyvalq *hdrs = evhttp_request_get_input_headers(req);

	/* A proxy request: serve the path of the absolute URI. */
	if (strncmp(full, "http://", 7) == 0) {
		proxied = 1;
		full += 7;
		full += strcspn(full, "/");
		if (*full == '\0')
			full = "/";
	}
	/* Endpoints match on the path; a query only makes URLs distinct. */
	snprintf(uri, sizeof uri, "%s", full);
	uri[strcspn(uri, "?")] = '\0';
	if (strcmp(uri, "/log") == 0) {
		current++;
		struct evbuffer *b = evbuffer_new();
		evbuffer_add(b, "[", 1);
		evbuffer_add_buffer_reference(b, request_log);
		evbuffer_add(b, "]", 1);
		reply(req, 200, "application/json", b);
		evbuffer_free(b);
		return;
	}
	if (strcmp(uri, "/counters") == 0) {
		current++;
		counters_json(req);
		return;
	}
	if (strcmp(uri, "/count") != 0)
		log_request(req, full, proxied);
	if (strcmp(uri, "/count") == 0) {
		current++;
		reply_text(req, 200, "application/json", "{\"requests\":%ld,"
		    "\"max_concurrent\":%ld,\"current\":%ld,\"credentials\":"
		    "%ld}", *mine, max_concurrent, current - 1,
		    port_creds[mine - port_total]);
		return;
	}
	(*mine)++;
	creds = &port_creds[mine - port_total];
	if (evhttp_find_header(hdrs, "Authorization") != NULL ||
	    evhttp_find_header(hdrs, "Cookie") != NULL ||
	    evhttp_find_header(hdrs, "Proxy-Authorization") != NULL ||
	    evhttp_find_header(hdrs, "X-Test") != NULL)
		(*creds)++;
	total++;
	if (++current > max_concurrent)
		max_concurrent = current;
	if (capacity_serve(req, uri))
		return;

	if (strncmp(uri, "/json", 5) == 0) {
		struct evbuffer *b = evbuffer_new();
		evbuffer_add_printf(b, "{\"uri\":");
		json_escape(b, full, strlen(full));
		evbuffer_add_printf(b, ",\"n\":%ld,\"nested\":{\"list\":[1,2,"
		    "{\"deep\":\"yes\"}]}}", total);
		reply(req, 200, "application/json", b);
		evbuffer_free(b);
	} else if (strncmp(uri, "/echo", 5) == 0)
		echo(req, full);
	else if (strcmp(uri, "/text") == 0)
		reply_text(req, 200, "text/plain", "hello, world");
	else if (strcmp(uri, "/badjson") == 0)
		reply_text(req, 200, "application/json", "{not json");
	else if (sscanf(uri, "/latency/%ld", &n) == 1)
		delay(req, n, 0);
	else if (sscanf(uri, "/slow/%ld", &n) == 1)
		delay(req, 50, n);
	else if (sscanf(uri, "/reflect/%ld", &n) == 1) {
		const char *a = evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Authorization");
		reply_text(req, (int)n, "text/plain", "uri=%s auth=%s", full,
		    a != NULL ? a : "");
	} else if (sscanf(uri, "/showauth/%ld/%ld/%31[a-z]", &n, &k, h) == 3)
		echo_auth(req, n, k, h);
	else if (sscanf(uri, "/status/%ld", &n) == 1)
		reply_text(req, (int)n, "text/plain", "failure body %ld\n"
		    "second line", n);
	else if (sscanf(uri, "/flaky/%200[^/]/%ld", key, &k) == 2) {
		if ((n = count_key(key)) <= k)
			reply_text(req, 503, "text/plain", "unavailable");
		else
			reply_text(req, 200, "application/json",
			    "{\"ok\":true,\"tries\":%ld}", n);
	} else if (sscanf(uri, "/ratelimit/%200[^/]/%ld/%ld", key, &k,
	    &s) == 3) {
		if ((n = count_key(key)) <= k) {
			snprintf(to, sizeof to, "%ld", s);
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Retry-After", to);
			reply_text(req, 429, "text/plain", "slow down");
		} else
			reply_text(req, 200, "application/json",
			    "{\"ok\":true,\"tries\":%ld}", n);
	} else if (sscanf(uri, "/quota/%200[^/]/%ld/%31[^/]/%ld", key, &k, h,
	    &s) == 4) {
		if ((n = count_key(key)) <= k)
			quota(req, h, s);
		else
			reply_text(req, 200, "application/json",
			    "{\"ok\":true,\"tries\":%ld}", n);
	} else if (sscanf(uri, "/window/%200[^/]/%ld/%ld", key, &k, &s) == 3 &&
	    s > 0)
		window(req, full, key, k, s);
	else if (sscanf(uri, "/drain/%200[^/]/%ld/%ld", key, &k, &s) == 3) {
		if ((n = count_key(key)) == k) {
			snprintf(to, sizeof to, "%lld",
			    (long long)time(NULL) + s);
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "x-rate-limit-reset", to);
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "x-rate-limit-remaining", "0");
		}
		reply_text(req, 200, "application/json",
		    "{\"ok\":true,\"n\":%ld}", n);
	} else if (sscanf(uri, "/redirect/%ld", &n) == 1) {
		if (n <= 0)
			reply_text(req, 200, "text/plain", "done");
		else {
			snprintf(to, sizeof to, "/redirect/%ld", n - 1);
			redirect(req, 302, to);
		}
	} else if (strcmp(uri, "/loop/a") == 0)
		redirect(req, 301, "/loop/b");
	else if (strcmp(uri, "/loop/b") == 0)
		redirect(req, 301, "/loop/a");
	else if (strcmp(uri, "/headrefused") == 0) {
		if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
			reply_text(req, 405, "text/plain", "no HEAD");
		else
			redirect(req, 301, "/text");
	} else if (strcmp(uri, "/toftp") == 0)
		redirect(req, 302, "ftp://127.0.0.1/file");
	else if (strcmp(uri, "/reset") == 0)
		reset(req);
	else if (strcmp(uri, "/hang") == 0)
		;
	else if (strcmp(uri, "/random") == 0) {
		/* For soak runs: latency and faults at random. */
		n = random() % 1000;
		if (n < 30)
			reply_text(req, 503, "text/plain", "unavailable");
		else if (n < 40)
			reset(req);
		else if (n < 45)
			;	/* hang */
		else if (n < 65)
			redirect(req, 302, "/json");
		else
			delay(req, random() % 100, 0);
	}
	else if (sscanf(uri, "/big/%ld", &n) == 1 ||
	    sscanf(uri, "/bigchunked/%ld", &n) == 1) {
		big = malloc(n);
		memset(big, 'x', n);
		if (strncmp(uri, "/bigc", 5) == 0) {
			struct evbuffer *b = evbuffer_new();
			evhttp_send_reply_start(req, 200, "OK");
			for (k = 0; k < n; k += 65536) {
				evbuffer_add(b, big + k, n - k < 65536 ?
				    n - k : 65536);
				evhttp_send_reply_chunk(req, b);
			}
			evhttp_send_reply_end(req);
			evbuffer_free(b);
			current--;
		} else {
			struct evbuffer *b = evbuffer_new();
			evbuffer_add(b, big, n);
			reply(req, 200, "text/plain", b);
			evbuffer_free(b);
		}
		free(big);
	} else if (sscanf(uri, "/nul/%ld", &n) == 1 && n >= 2) {
		struct evbuffer *b = evbuffer_new();
		big = malloc(n);
		memset(big, 'b', n);
		big[0] = 'a';
		big[1] = '\0';
		evbuffer_add(b, big, n);
		reply(req, 200, "text/plain", b);
		evbuffer_free(b);
		free(big);
	} else if (strcmp(uri, "/headers") == 0)
		headers(req);
	else if (strcmp(uri, "/body") == 0 && strchr(full, '?') != NULL) {
		struct evbuffer *b = evbuffer_new();
		size_t blen;

		big = evhttp_uridecode(strchr(full, '?') + 1, 0, &blen);
		evbuffer_add(b, big, blen);
		reply(req, 200, "application/json", b);
		evbuffer_free(b);
		free(big);
	} else if (strcmp(uri, "/to") == 0 && strchr(full, '?') != NULL) {
		big = evhttp_decode_uri(strchr(full, '?') + 1);
		redirect(req, 302, big);
		free(big);
	} else if (strcmp(uri, "/noloc") == 0)
		reply_text(req, 302, "text/plain", "moved, but where?");
	else if (sscanf(uri, "/bigloc/%ld", &n) == 1 && n > 6) {
		big = malloc(n + 1);
		memcpy(big, "/json?", 6);
		memset(big + 6, 'a', n - 6);
		big[n] = '\0';
		redirect(req, 302, big);
		free(big);
	} else if (strcmp(uri, "/close") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		reply_text(req, 200, "application/json", "{\"closed\":true}");
	} else
		reply_text(req, 404, "text/plain", "no such endpoint: %s", uri);
}

/* The capacity endpoints' answers (req NULL: a client went away). */
static void
capacity_answer(struct evhttp_request *req, int code, const char *body)
{
	if (req == NULL)
		current--;
	else
		reply_text(req, code, "application/json", "%s", body);
}

static void
stdin_closed(evutil_socket_t fd, short events, void *arg)
{
	char	buf[256];

	(void)events;
	(void)arg;
	if (read(fd, buf, sizeof buf) <= 0)
		event_base_loopbreak(base);
}

/* Listen on 127.0.0.1 on a free port, counting into *count; the port. */
static int
listen_on(struct evhttp **http, long *count)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, one = 1;

	*http = evhttp_new(base);
	evhttp_set_allowed_methods(*http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(*http, serve, count);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 4096) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("testserver");
		exit(1);
	}
	evutil_make_socket_nonblocking(fd);
	if (evhttp_accept_socket(*http, fd) != 0) {
		fprintf(stderr, "testserver: evhttp_accept_socket failed\n");
		exit(1);
	}
	return (ntohs(sin.sin_port));
}

int
main(void)
{
	struct evhttp		*http, *http2;
	struct event		*ev;
	struct event_config	*cfg;
	int			 p1, p2;

	signal(SIGPIPE, SIG_IGN);
	/* Precise timers: /latency/50 should take 50 ms, not 51 or 52. */
	cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	request_log = evbuffer_new();
	capacity_init(base, capacity_answer);
	p1 = listen_on(&http, &port_total[0]);
	p2 = listen_on(&http2, &port_total[1]);
	printf("%d %d\n", p1, p2);
	fflush(stdout);

	ev = event_new(base, 0, EV_READ | EV_PERSIST, stdin_closed, NULL);
	event_add(ev, NULL);
	event_base_dispatch(base);
	event_free(ev);
	evhttp_free(http);
	evhttp_free(http2);
	event_base_free(base);
	return (0);
}
