/*
 * libFuzzer: the fetch layer against a hostile server. A scripted server in
 * this process, on 127.0.0.1 and on the same libevent loop, answers every
 * request with the input's bytes (after a first byte of flags): any status
 * line, headers (Location, Retry-After, Content-Length, chunked...), body,
 * or nothing; then keeps the connection, closes it, or never answers. Each
 * input is one request, as http (GET, redirects followed by fetch.c) or as
 * unshorten (HEAD, the destination policy) makes it. The callback must come
 * exactly once, and soon: a request that outlives every deadline the fetch
 * layer promises is a hang, and aborts.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"

#define FF_HEAD 0x01		/* HEAD as unshorten does, else GET + follow */
#define FF_CLOSE 0x02		/* close the connection after answering */
#define FF_HANG 0x04		/* never answer */
#define FF_RETRY 0x08		/* one retry allowed */
#define FF_SPLIT 0x10		/* answer in two writes */
#define FF_MAX_CONNS 256

struct ff_conn {
	int		 fd;
	struct event	*ev;
	char		 buf[8192];
	size_t		 len;
};

static int		 ff_port;
static struct ff_conn	*ff_conns[FF_MAX_CONNS];
static const uint8_t	*ff_script;
static size_t		 ff_script_len;
static int		 ff_flags;
static int		 ff_calls;
static uint64_t		 ff_serial;

static double
ff_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
ff_close(struct ff_conn *c)
{
	u_int	i;

	for (i = 0; i < FF_MAX_CONNS; i++) {
		if (ff_conns[i] == c)
			ff_conns[i] = NULL;
	}
	event_free(c->ev);
	close(c->fd);
	free(c);
}

/* Write all of a buffer to a nonblocking socket (it is small). */
static void
ff_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w > 0) {
			p += w;
			n -= w;
		} else if (w == -1 && errno == EAGAIN)
			usleep(100);
		else
			return;
	}
}

/* A request (or more) came: answer each complete one with the script. */
static void
ff_read_cb(evutil_socket_t fd, __unused short events, void *arg)
{
	struct ff_conn	*c = arg;
	ssize_t		 n;
	char		*end;
	size_t		 half;

	n = read(fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	if (n <= 0) {
		if (n == -1 && errno == EAGAIN)
			return;
		ff_close(c);
		return;
	}
	c->len += n;
	c->buf[c->len] = '\0';
	while ((end = strstr(c->buf, "\r\n\r\n")) != NULL) {
		end += 4;
		memmove(c->buf, end, c->len - (end - c->buf));
		c->len -= end - c->buf;
		c->buf[c->len] = '\0';
		if (ff_flags & FF_HANG)
			continue;
		if (ff_flags & FF_SPLIT) {
			half = ff_script_len / 2;
			ff_write(fd, ff_script, half);
			usleep(1000);
			ff_write(fd, ff_script + half, ff_script_len - half);
		} else
			ff_write(fd, ff_script, ff_script_len);
		if (ff_flags & FF_CLOSE) {
			ff_close(c);
			return;
		}
	}
	if (c->len == sizeof c->buf - 1)
		ff_close(c);	/* no end of headers in 8 KB */
}

static void
ff_accept_cb(evutil_socket_t lfd, __unused short events,
    __unused void *arg)
{
	struct ff_conn	*c;
	int		 fd;
	u_int		 i;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		return;
	for (i = 0; i < FF_MAX_CONNS && ff_conns[i] != NULL; i++)
		;
	if (i == FF_MAX_CONNS) {
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->ev = event_new(loop_base(), fd, EV_READ|EV_PERSIST, ff_read_cb, c);
	event_add(c->ev, NULL);
	ff_conns[i] = c;
}

static void
ff_setup(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct event		*ev;
	char			*cause = NULL;
	int			 fd, one = 1;

	options_init();
	opts.timeout_ms = 50;
	opts.connect_timeout_ms = 50;
	opts.retry_max_ms = 10;
	opts.max_response = 65536;
	opts.cache_size = 16;
	opts.cache_bytes = 1024 * 1024;
	opts.max_in_flight = 4;
	opts.max_quota_wait = 0;	/* a quota window fails, not waits */
	if (netpolicy_allow_net("127.0.0.0/8", &cause) != 0)
		abort();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	loop_init(NULL, NULL);
	fetch_init();

	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ff_port = ntohs(sin.sin_port);
	ev = event_new(loop_base(), fd, EV_READ|EV_PERSIST, ff_accept_cb, NULL);
	event_add(ev, NULL);
}

/* The outcome of the request made for the current input. */
static void
ff_done(void *arg, const struct te_fetch_result *res)
{
	const char	*host;
	size_t		 n;

	if ((uintptr_t)arg != ff_serial)
		abort();	/* a callback for an earlier request */
	ff_calls++;
	if (res->body == NULL)
		abort();
	if (res->location != NULL) {
		/* Absolute, no userinfo, within bounds. */
		if ((host = strstr(res->location, "://")) == NULL)
			abort();
		host += 3;
		n = strcspn(host, "/?#");
		if (memchr(host, '@', n) != NULL)
			abort();
		if (strlen(res->location) > 3 * LOCATION_MAX + 64)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct te_fetch_request	 get = { "GET", NULL, FETCH_FOLLOW };
	static struct te_fetch_request	 head = { "HEAD", NULL,
					     FETCH_NO_BODY|FETCH_POLICY };
	char				 url[128];
	double				 start, limit;
	u_int				 i;

	if (ff_port == 0)
		ff_setup();
	if (size < 1)
		return (0);
	ff_flags = data[0];
	ff_script = data + 1;
	ff_script_len = size - 1;
	opts.retries = (ff_flags & FF_RETRY) ? 1 : 0;
	ff_calls = 0;

	ff_serial++;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/f/%llu", ff_port,
	    (unsigned long long)ff_serial);
	fetch_start((ff_flags & FF_HEAD) ? &head : &get, url, NULL, 0,
	    ff_done, (void *)(uintptr_t)ff_serial);

	/*
	 * Each hop ends by --timeout or the watchdog's slack past it; eleven
	 * hops, two tries, backoff: far less than this.
	 */
	limit = 11 * 2 * (opts.timeout_ms + 2000 + opts.retry_max_ms) / 1000.0;
	start = ff_now();
	while (ff_calls == 0) {
		if (ff_now() - start > limit)
			abort();	/* a hang */
		event_base_loop(loop_base(), EVLOOP_ONCE);
	}
	if (ff_calls != 1)
		abort();
	/*
	 * A fresh start for the next input: connections, and the host's
	 * pacing (a 429 with a long Retry-After pauses it for good).
	 */
	for (i = 0; i < FF_MAX_CONNS; i++) {
		if (ff_conns[i] != NULL)
			ff_close(ff_conns[i]);
	}
	fetch_free();
	pace_free();
	fetch_init();
	return (0);
}
