/*
 * The HTTP/2 test server (libevent, OpenSSL, libnghttp2's server API): TLS
 * with ALPN h2 only, on 127.0.0.1 and a port the kernel picks, printed on
 * stdout ("P"), serving until its stdin closes. Then it writes what it saw,
 * one JSON object a line: each connection in the order it was accepted,
 * {"conn": I, "streams": S, "peak": P} (S requests carried, P the most
 * streams open on it at once), and last {"requests": N, "refused": R,
 * "internal": I, "cut": C, "goaways": G, "over_max": O} (O: streams the
 * client opened past SETTINGS_MAX_CONCURRENT_STREAMS, which nghttp2
 * refused).
 *
 *   h2server [-g N] [-k N] [-m N] [-s N] CERT KEY
 *
 *   -g N   a graceful GOAWAY on a connection once it has N streams: its
 *          last-stream-id the N-th stream, which is answered; later ones
 *          are not processed (the client may retry them elsewhere)
 *   -k N   every connection after the first N is closed as soon as its
 *          TLS handshake is done, before the server's SETTINGS
 *   -m N   SETTINGS_MAX_CONCURRENT_STREAMS (default 100)
 *   -s N   every connection after the first N is accepted and never
 *          read: its TLS handshake never ends (not logged)
 *
 * Endpoints (KEY counts requests over every connection):
 *
 *   /json...             200 JSON: uri, the request number
 *   /delay/MS            200 JSON after MS milliseconds
 *   /status/N            status N, a JSON body {"status": N}
 *   /retry/N/S           status N with retry-after: S
 *   /reset/N/S           status N with x-rate-limit-reset: now + S (epoch)
 *   /quota/KEY/K/S       the first K of KEY 429 with retry-after: S and
 *                        x-rate-limit-reset: now + S; later ones 200 JSON
 *   /to/PATH             302, location: /PATH
 *   /big/N               200, a JSON object of N bytes ({"x":"xx..."})
 *   /refuse/KEY/K        RST_STREAM REFUSED_STREAM to the first K of KEY,
 *                        then 200 JSON
 *   /internal/KEY/K      RST_STREAM INTERNAL_ERROR to the first K of KEY,
 *                        then 200 JSON
 *   /cut/KEY/K           the first K of KEY: the headers and part of the
 *                        body, then the TCP connection is closed; later
 *                        ones 200 JSON
 *   /hang...             never answered
 */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAXCONNS	65536
#define MAXKEYS		256
#define LINGER_SEC	5

struct conn;

struct stream {
	struct conn	*c;
	int32_t		 id;
	char		 path[1024];
	char		*body;
	size_t		 len;
	size_t		 off;
	int		 cut;		/* the connection ends mid-body */
	struct event	*timer;		/* /delay/MS */
	LIST_ENTRY(stream) entry;
};

struct conn {
	u_int			 index;
	struct bufferevent	*bev;
	nghttp2_session		*session;
	LIST_HEAD(, stream)	 list;
	int32_t			 last_id;	/* GOAWAY's last-stream-id */
	u_int			 begun;
	u_int			 streams;
	u_int			 open;
	u_int			 peak;
	int			 goaway;	/* sent */
	int			 closing;	/* cut: close once written */
	int			 closed;
	struct event		*linger;
};

static struct event_base	*base;
static SSL_CTX			*ctx;
static u_int			 goaway_after;
static u_int			 keep_first;	/* -k: 0 for all */
static u_int			 stall_after;	/* -s: 0 for none */
static u_int			 max_streams = 100;

/* What was seen, for the log at exit. */
static struct conn		*conns[MAXCONNS];
static u_int			 nconns;
static long			 requests, refused, internal, cut, goaways;
static long			 over_max;	/* refused by nghttp2 */

static struct {
	char	name[64];
	long	n;
} keys[MAXKEYS];
static u_int			 nkeys;

static void	conn_close(struct conn *);
static void	conn_done(struct conn *);
static void	conn_linger(struct conn *);
static void	linger_read(struct bufferevent *, void *);
static void	linger_over(evutil_socket_t, short, void *);
static void	conn_event(struct bufferevent *, short, void *);
static void	stream_free(struct stream *);
static void	conn_send(struct conn *);

/* This request's number among KEY's (1 for the first). */
static long
key_count(const char *key)
{
	u_int	i;

	for (i = 0; i < nkeys; i++) {
		if (strcmp(keys[i].name, key) == 0)
			return (++keys[i].n);
	}
	if (nkeys == MAXKEYS)
		return (1);
	snprintf(keys[nkeys].name, sizeof keys[nkeys].name, "%s", key);
	keys[nkeys].n = 1;
	return (keys[nkeys++].n);
}

/* Give the body to nghttp2 as it asks; a cut stream stops half-way. */
static ssize_t
body_read(nghttp2_session *session, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *source, void *arg)
{
	struct stream	*s = source->ptr;
	size_t		 n = s->len - s->off;

	(void)session;
	(void)id;
	(void)arg;
	if (s->cut && s->off >= s->len / 2) {
		s->c->closing = 1;
		return (NGHTTP2_ERR_DEFERRED);
	}
	if (s->cut && n > s->len / 2)
		n = s->len / 2;
	if (n > len)
		n = len;
	memcpy(buf, s->body + s->off, n);
	s->off += n;
	if (s->off == s->len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (n);
}

/* Answer a stream: status, extra headers (name, value pairs), the body. */
static void
respond(struct stream *s, int status, const char *h1, const char *v1,
    const char *h2, const char *v2)
{
	nghttp2_nv		 nv[4];
	nghttp2_data_provider	 dp;
	char			 code[8], clen[24];
	size_t			 n = 0;

	snprintf(code, sizeof code, "%d", status);
	snprintf(clen, sizeof clen, "%zu", s->len);
#define NV(a, b) do {							\
	nv[n].name = (uint8_t *)(a);					\
	nv[n].namelen = strlen(a);					\
	nv[n].value = (uint8_t *)(b);					\
	nv[n].valuelen = strlen(b);					\
	nv[n++].flags = NGHTTP2_NV_FLAG_NONE;				\
} while (0)
	NV(":status", code);
	NV("content-type", "application/json");
	if (h1 != NULL)
		NV(h1, v1);
	if (h2 != NULL)
		NV(h2, v2);
#undef NV
	dp.source.ptr = s;
	dp.read_callback = body_read;
	nghttp2_submit_response(s->c->session, s->id, nv, n, &dp);
}

/* A JSON body for s, formatted. */
static void
body(struct stream *s, const char *f, ...)
    __attribute__((__format__(__printf__, 2, 3)));
static void
body(struct stream *s, const char *f, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, f);
	n = vasprintf(&s->body, f, ap);
	va_end(ap);
	if (n == -1)
		abort();
	s->len = n;
}

/* 200 with the URI and the request number. */
static void
respond_json(struct stream *s)
{
	body(s, "{\"uri\":\"%s\",\"n\":%ld}", s->path, requests);
	respond(s, 200, NULL, NULL, NULL, NULL);
}

/* A /delay/MS stream's time has come. */
static void
delay_done(evutil_socket_t fd, short events, void *arg)
{
	struct stream	*s = arg;

	(void)fd;
	(void)events;
	respond_json(s);
	conn_send(s->c);
}

/* A whole request has arrived on s: answer it as its path says. */
static void
serve(struct stream *s)
{
	struct timeval	 tv;
	char		 key[64], v[32], w[32], loc[1100];
	long		 n, k, sec;

	/* Past the GOAWAY's last-stream-id: not processed, as it says. */
	if (s->c->goaway && s->id > s->c->last_id)
		return;
	s->c->streams++;
	requests++;
	if (strncmp(s->path, "/json", 5) == 0)
		respond_json(s);
	else if (sscanf(s->path, "/delay/%ld", &n) == 1) {
		tv.tv_sec = n / 1000;
		tv.tv_usec = (n % 1000) * 1000;
		s->timer = evtimer_new(base, delay_done, s);
		evtimer_add(s->timer, &tv);
	} else if (sscanf(s->path, "/status/%ld", &n) == 1) {
		body(s, "{\"status\":%ld}", n);
		respond(s, n, NULL, NULL, NULL, NULL);
	} else if (sscanf(s->path, "/retry/%ld/%ld", &n, &sec) == 2) {
		body(s, "{\"status\":%ld}", n);
		snprintf(v, sizeof v, "%ld", sec);
		respond(s, n, "retry-after", v, NULL, NULL);
	} else if (sscanf(s->path, "/reset/%ld/%ld", &n, &sec) == 2) {
		body(s, "{\"status\":%ld}", n);
		snprintf(v, sizeof v, "%lld", (long long)time(NULL) + sec);
		respond(s, n, "x-rate-limit-reset", v, NULL, NULL);
	} else if (sscanf(s->path, "/quota/%63[^/]/%ld/%ld", key, &k,
	    &sec) == 3) {
		if (key_count(key) <= k) {
			body(s, "{\"status\":429}");
			snprintf(v, sizeof v, "%ld", sec);
			snprintf(w, sizeof w, "%lld",
			    (long long)time(NULL) + sec);
			respond(s, 429, "retry-after", v,
			    "x-rate-limit-reset", w);
		} else
			respond_json(s);
	} else if (strncmp(s->path, "/to/", 4) == 0) {
		snprintf(loc, sizeof loc, "%s", s->path + 3);
		body(s, "{\"to\":\"%s\"}", loc);
		respond(s, 302, "location", loc, NULL, NULL);
	} else if (sscanf(s->path, "/big/%ld", &n) == 1 && n >= 8) {
		s->body = malloc(n);
		if (s->body == NULL)
			abort();
		memset(s->body, 'x', n);
		memcpy(s->body, "{\"x\":\"", 6);
		memcpy(s->body + n - 2, "\"}", 2);
		s->len = n;
		respond(s, 200, NULL, NULL, NULL, NULL);
	} else if (sscanf(s->path, "/refuse/%63[^/]/%ld", key, &k) == 2) {
		if (key_count(key) <= k) {
			refused++;
			nghttp2_submit_rst_stream(s->c->session,
			    NGHTTP2_FLAG_NONE, s->id, NGHTTP2_REFUSED_STREAM);
		} else
			respond_json(s);
	} else if (sscanf(s->path, "/internal/%63[^/]/%ld", key, &k) == 2) {
		if (key_count(key) <= k) {
			internal++;
			nghttp2_submit_rst_stream(s->c->session,
			    NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
		} else
			respond_json(s);
	} else if (sscanf(s->path, "/cut/%63[^/]/%ld", key, &k) == 2) {
		if (key_count(key) <= k) {
			cut++;
			s->cut = 1;
			body(s, "{\"cut\":\"%0200d\"}", 0);
			respond(s, 200, NULL, NULL, NULL, NULL);
		} else
			respond_json(s);
	} else if (strncmp(s->path, "/hang", 5) != 0) {
		body(s, "{\"error\":\"no such endpoint\"}");
		respond(s, 404, NULL, NULL, NULL, NULL);
	}
}

static int
on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame,
    void *arg)
{
	struct conn	*c = arg;
	struct stream	*s;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return (0);
	if ((s = calloc(1, sizeof *s)) == NULL)
		abort();
	s->c = c;
	s->id = frame->hd.stream_id;
	nghttp2_session_set_stream_user_data(session, s->id, s);
	LIST_INSERT_HEAD(&c->list, s, entry);
	if (++c->open > c->peak)
		c->peak = c->open;
	if (goaway_after != 0 && ++c->begun == goaway_after) {
		goaways++;
		c->goaway = 1;
		c->last_id = s->id;
		nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, s->id,
		    NGHTTP2_NO_ERROR, NULL, 0);
	}
	return (0);
}

static int
on_header(nghttp2_session *session, const nghttp2_frame *frame,
    const uint8_t *name, size_t namelen, const uint8_t *value,
    size_t valuelen, uint8_t flags, void *arg)
{
	struct stream	*s;

	(void)flags;
	(void)arg;
	if (frame->hd.type != NGHTTP2_HEADERS ||
	    (s = nghttp2_session_get_stream_user_data(session,
	    frame->hd.stream_id)) == NULL)
		return (0);
	if (namelen == 5 && memcmp(name, ":path", 5) == 0)
		snprintf(s->path, sizeof s->path, "%.*s", (int)valuelen,
		    value);
	return (0);
}

static int
on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame,
    void *arg)
{
	struct stream	*s;

	(void)arg;
	if ((frame->hd.type != NGHTTP2_HEADERS &&
	    frame->hd.type != NGHTTP2_DATA) ||
	    !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return (0);
	if ((s = nghttp2_session_get_stream_user_data(session,
	    frame->hd.stream_id)) != NULL)
		serve(s);
	return (0);
}

/* A stream past SETTINGS_MAX_CONCURRENT_STREAMS: nghttp2 refuses it. */
static int
on_frame_send(nghttp2_session *session, const nghttp2_frame *frame,
    void *arg)
{
	(void)arg;
	if (frame->hd.type == NGHTTP2_RST_STREAM &&
	    frame->rst_stream.error_code == NGHTTP2_REFUSED_STREAM &&
	    nghttp2_session_get_stream_user_data(session,
	    frame->hd.stream_id) == NULL)
		over_max++;
	return (0);
}

static int
on_stream_close(nghttp2_session *session, int32_t id, uint32_t error,
    void *arg)
{
	struct conn	*c = arg;
	struct stream	*s;

	(void)error;
	if ((s = nghttp2_session_get_stream_user_data(session, id)) == NULL)
		return (0);
	nghttp2_session_set_stream_user_data(session, id, NULL);
	c->open--;
	stream_free(s);
	return (0);
}

/* A stream is over (closed, or its connection is). */
static void
stream_free(struct stream *s)
{
	LIST_REMOVE(s, entry);
	if (s->timer != NULL)
		event_free(s->timer);
	free(s->body);
	free(s);
}

/* Everything nghttp2 has to send, into the bufferevent. */
static void
conn_send(struct conn *c)
{
	const uint8_t	*data;
	ssize_t		 n;

	if (c->closed)
		return;
	while ((n = nghttp2_session_mem_send(c->session, &data)) > 0)
		bufferevent_write(c->bev, data, n);
	if (n < 0)
		c->closing = 1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_done(c);
}

/*
 * Everything written: a cut (or a broken session) closes the connection
 * now; a session that is over (GOAWAY sent and its streams answered, or
 * the client's GOAWAY) lingers.
 */
static void
conn_done(struct conn *c)
{
	if (c->closing)
		conn_close(c);
	else if (!nghttp2_session_want_read(c->session) &&
	    !nghttp2_session_want_write(c->session))
		conn_linger(c);
}

/*
 * A graceful end: read and drop what the client still sends until it
 * closes (at most LINGER_SEC), rather than close with its frames unread,
 * which makes the kernel send a reset that may destroy our last frames
 * (the GOAWAY, the last answers) before the client has read them.
 */
static void
conn_linger(struct conn *c)
{
	struct timeval	tv = { LINGER_SEC, 0 };

	while (!LIST_EMPTY(&c->list))
		stream_free(LIST_FIRST(&c->list));
	nghttp2_session_del(c->session);
	c->session = NULL;
	bufferevent_setcb(c->bev, linger_read, NULL, conn_event, c);
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	c->linger = evtimer_new(base, linger_over, c);
	evtimer_add(c->linger, &tv);
}

static void
linger_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

static void
linger_over(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	conn_close(arg);
}

/* The connection is over: its streams go; its counts stay for the log. */
static void
conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	while (!LIST_EMPTY(&c->list))
		stream_free(LIST_FIRST(&c->list));
	if (c->session != NULL)
		nghttp2_session_del(c->session);
	c->session = NULL;
	if (c->linger != NULL)
		event_free(c->linger);
	c->linger = NULL;
	bufferevent_free(c->bev);
	c->bev = NULL;
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 len = evbuffer_get_length(in);
	ssize_t		 n;

	if (c->session == NULL)
		return;
	n = nghttp2_session_mem_recv(c->session, evbuffer_pullup(in, -1),
	    len);
	if (n < 0) {
		conn_close(c);
		return;
	}
	evbuffer_drain(in, len);
	conn_send(c);
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (c->session == NULL)
		return;
	conn_send(c);
}

static void
conn_event(struct bufferevent *bev, short events, void *arg)
{
	struct conn			*c = arg;
	nghttp2_session_callbacks	*cb;
	nghttp2_settings_entry		 iv = {
	    NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 0 };
	const u_char			*alpn = NULL;
	u_int				 alen = 0;

	if (!(events & BEV_EVENT_CONNECTED)) {
		conn_close(c);
		return;
	}
	SSL_get0_alpn_selected(bufferevent_openssl_get_ssl(bev), &alpn,
	    &alen);
	if (alen != 2 || memcmp(alpn, "h2", 2) != 0 ||
	    (keep_first > 0 && c->index >= keep_first)) {
		conn_close(c);
		return;
	}
	nghttp2_session_callbacks_new(&cb);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
	    on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
	    on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    on_stream_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb,
	    on_frame_send);
	nghttp2_session_server_new(&c->session, cb, c);
	nghttp2_session_callbacks_del(cb);
	iv.value = max_streams;
	nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, &iv, 1);
	conn_send(c);
}

static void
accepted(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct conn	*c;
	SSL		*ssl;
	int		 one = 1;

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	if (stall_after > 0 && nconns >= stall_after)
		return;		/* open, never read, until exit */
	if (nconns == MAXCONNS || (c = calloc(1, sizeof *c)) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	LIST_INIT(&c->list);
	c->index = nconns;
	conns[nconns++] = c;
	c->bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ALPN: h2 or nothing. */
static int
alpn_select(SSL *ssl, const u_char **out, u_char *outlen, const u_char *in,
    u_int inlen, void *arg)
{
	u_char	*sel;

	(void)ssl;
	(void)arg;
	if (nghttp2_select_next_protocol(&sel, outlen, in, inlen) != 1)
		return (SSL_TLSEXT_ERR_NOACK);
	*out = sel;
	return (SSL_TLSEXT_ERR_OK);
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

static void
usage(void)
{
	fprintf(stderr, "usage: h2server [-g N] [-k N] [-m N] [-s N] cert key\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct evconnlistener	*l;
	struct event		*ev;
	u_int			 i;
	int			 ch;

	while ((ch = getopt(argc, argv, "g:k:m:s:")) != -1) {
		switch (ch) {
		case 'g':
			goaway_after = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			keep_first = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			max_streams = strtoul(optarg, NULL, 10);
			break;
		case 's':
			stall_after = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	signal(SIGPIPE, SIG_IGN);
	ctx = SSL_CTX_new(TLS_server_method());
	if (SSL_CTX_use_certificate_chain_file(ctx, argv[optind]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[optind + 1],
	    SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return (1);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);

	base = event_base_new();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = evconnlistener_new_bind(base, accepted, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4096,
	    (struct sockaddr *)&sin, sizeof sin);
	if (l == NULL || getsockname(evconnlistener_get_fd(l),
	    (struct sockaddr *)&sin, &len) != 0) {
		perror("h2server");
		return (1);
	}
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);

	ev = event_new(base, 0, EV_READ | EV_PERSIST, stdin_closed, NULL);
	event_add(ev, NULL);
	event_base_dispatch(base);

	for (i = 0; i < nconns; i++) {
		printf("{\"conn\":%u,\"streams\":%u,\"peak\":%u}\n", i,
		    conns[i]->streams, conns[i]->peak);
		conn_close(conns[i]);
		free(conns[i]);
	}
	/* bufferevents are freed by the loop (deferred finalizers). */
	event_base_loop(base, EVLOOP_NONBLOCK);
	printf("{\"requests\":%ld,\"refused\":%ld,\"internal\":%ld,"
	    "\"cut\":%ld,\"goaways\":%ld,\"over_max\":%ld}\n", requests,
	    refused, internal, cut, goaways, over_max);
	event_free(ev);
	evconnlistener_free(l);
	event_base_free(base);
	SSL_CTX_free(ctx);
	return (0);
}
