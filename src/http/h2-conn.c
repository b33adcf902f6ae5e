/*
 * One connection of the native HTTP/2 client (h2.c): a nonblocking socket
 * to the address libcurl's connection to the host used, TLS by OpenSSL
 * (ALPN "h2" required, the peer verified as libcurl would), and an nghttp2
 * session fed by SSL_read and drained by SSL_write from libevent events.
 * The streams on it end, every one, however it ends: refused ones and
 * those a GOAWAY or a close left unanswered are tried again elsewhere; a
 * connection that fails before it is open hands its streams back to
 * libcurl. A connection with nothing to carry closes after a while.
 * A stream sent on a connection that closes without a GOAWAY ends with an
 * error, as libcurl's does (fetch-policy.c retries it).
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/h2-int.h"

#define H2_IDLE_MS 30000		/* an idle connection closes */
#define H2_READ 16384			/* read at once */
#define H2_READS 64			/* reads in one callback at most */
#define H2_WBUF 65536			/* gathered before a write */
#define H2_STREAM_WINDOW (8 << 20)	/* flow control windows */
#define H2_CONN_WINDOW (256 << 20)
#define H2_STREAMS_SAFE 100		/* before a connection's SETTINGS */

static TAILQ_HEAD(, h2_conn)	 h2_dead = TAILQ_HEAD_INITIALIZER(h2_dead);
static TAILQ_HEAD(, h2_conn)	 h2_all = TAILQ_HEAD_INITIALIZER(h2_all);
static struct event		*h2_reap_ev;
static nghttp2_session_callbacks *h2_cbs;
static const struct h2_conn_ops	*h2_ops;
static nghttp2_option		*h2_opt;
static u_int			 h2_nsockets;	/* open now */

static void	h2_conn_die(struct h2_conn *, const char *);
static void	h2_conn_flush(struct h2_conn *);

/*
 * Streams a connection may carry now: what its server's SETTINGS said; until
 * they come, what the host's last said, but no more than the 100 RFC 9113
 * recommends as the least (curl assumes as much); and none at all before
 * any SETTINGS of the host were heard: the first connection's requests wait
 * for them (a round trip once a host, a run), so none is refused for being
 * past a limit lower than 100, and the pool is sized from the server's
 * number, not a guess.
 */
u_int
h2_conn_streams_max(struct h2_conn *c)
{
	u_int	n = c->host->max_streams;

	if (c->settings)
		return (c->max_streams);
	return (n < H2_STREAMS_SAFE ? n : H2_STREAMS_SAFE);
}

/* Arm a connection's timer (ms). */
static void
h2_conn_timer(struct h2_conn *c, long ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&c->tev, &tv);
}

/* Its last stream gone, an open connection waits a while for another. */
void
h2_conn_idle(struct h2_conn *c)
{
	if (c->state == H2_OPEN && c->nstreams == 0)
		h2_conn_timer(c, H2_IDLE_MS);
}

/* Write what the session has, at the next turn of the loop. */
void
h2_conn_kick(struct h2_conn *c)
{
	if (c->state != H2_OPEN || c->flushing)
		return;
	c->flushing = 1;
	event_active(&c->wev, EV_WRITE, 1);
}

/* The next bytes of a request's body (the stream's, while it has one). */
static ssize_t
h2_body_read(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, __unused nghttp2_data_source *src, __unused void *user)
{
	struct h2_stream	*s;
	size_t			 n;

	if ((s = nghttp2_session_get_stream_user_data(sess, id)) == NULL)
		return (NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE);
	n = s->bodylen - s->boff;
	if (n > len)
		n = len;
	memcpy(buf, s->body + s->boff, n);
	s->boff += n;
	if (s->boff == s->bodylen)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (n);
}

/* Submit a stream's request (or keep it until the connection is open). */
void
h2_conn_submit(struct h2_conn *c, struct h2_stream *s)
{
	nghttp2_data_provider	 dp;
	int32_t			 id;

	if (c->state != H2_OPEN)
		return;		/* its connect timer still runs */
	evtimer_del(&c->tev);	/* not idle */
	memset(&dp, 0, sizeof dp);
	dp.read_callback = h2_body_read;
	s->boff = 0;
	id = nghttp2_submit_request(c->sess, NULL, s->nv, s->nvlen,
	    s->body != NULL ? &dp : NULL, s);
	if (id < 0) {
		TAILQ_REMOVE(&c->streams, s, entry);
		c->nstreams--;
		s->conn = NULL;
		h2_ops->retry(s);
		return;
	}
	s->id = id;
	h2_conn_kick(c);
}

/* A stream its request no longer wants: reset it, forget it. */
void
h2_conn_cancel(struct h2_conn *c, struct h2_stream *s)
{
	TAILQ_REMOVE(&c->streams, s, entry);
	c->nstreams--;
	s->conn = NULL;
	if (c->state == H2_OPEN && s->id > 0 && !s->closed) {
		nghttp2_session_set_stream_user_data(c->sess, s->id, NULL);
		nghttp2_submit_rst_stream(c->sess, NGHTTP2_FLAG_NONE, s->id,
		    NGHTTP2_CANCEL);
		h2_conn_kick(c);
	}
	h2_conn_idle(c);
	h2_ops->more(c->host);
}

/* Free the connections that died (never from their own callbacks). */
void
h2_conn_reap(void)
{
	struct h2_conn	*c;

	while ((c = TAILQ_FIRST(&h2_dead)) != NULL) {
		TAILQ_REMOVE(&h2_dead, c, entry);
		if (c->sess != NULL)
			nghttp2_session_del(c->sess);
		if (c->ssl != NULL)
			SSL_free(c->ssl);
		free(c->wbuf);
		free(c);
	}
}

static void
h2_conn_reap_cb(__unused evutil_socket_t fd, __unused short events,
    __unused void *arg)
{
	h2_conn_reap();
}

/*
 * A connection ends. Before it was open, its streams go back to libcurl
 * (and the host with them, for a while; also when the server's SETTINGS
 * never came, or a server that closes every new connection at once would
 * have us open one after another); after, those not yet sent are tried
 * again (elsewhere, or by libcurl), the others end with an error. why:
 * libcurl's words.
 */
static void
h2_conn_die(struct h2_conn *c, const char *why)
{
	struct h2_host		*host = c->host;
	struct h2_stream	*s;
	int			 was = c->state;

	if (c->state == H2_DEAD)
		return;
	c->state = H2_DEAD;
	event_del(&c->rev);
	event_del(&c->wev);
	evtimer_del(&c->tev);
	if (c->fd != -1) {
		close(c->fd);
		h2_nsockets--;
	}
	c->fd = -1;
	TAILQ_REMOVE(&host->conns, c, entry);
	TAILQ_REMOVE(&h2_all, c, all);
	host->nconns--;
	TAILQ_INSERT_TAIL(&h2_dead, c, entry);
	event_active(h2_reap_ev, EV_TIMEOUT, 1);
	/* Not open, or the server never spoke: libcurl's for a while. */
	if (was != H2_OPEN || !c->settings)
		h2_ops->failed(host);
	while ((s = TAILQ_FIRST(&c->streams)) != NULL) {
		TAILQ_REMOVE(&c->streams, s, entry);
		c->nstreams--;
		s->conn = NULL;
		if (was != H2_OPEN && why == NULL)
			h2_ops->fallback(s);
		else if (was != H2_OPEN) {
			s->rc = CURLE_OPERATION_TIMEDOUT;
			snprintf(s->errbuf, sizeof s->errbuf, "%s", why);
			h2_ops->done(s);
		} else if (s->id == 0 || s->sent == 0)
			h2_ops->retry(s);	/* never went */
		else {
			s->rc = CURLE_HTTP2_STREAM;
			snprintf(s->errbuf, sizeof s->errbuf, "HTTP/2 stream "
			    "%d was not closed cleanly before end of the "
			    "underlying stream", s->id);
			h2_ops->done(s);
		}
	}
	h2_ops->more(host);
}

/* The stream of an nghttp2 callback, NULL if abandoned. */
static struct h2_stream *
h2_conn_stream(nghttp2_session *sess, int32_t id)
{
	return (nghttp2_session_get_stream_user_data(sess, id));
}

/* A response header (or trailer): kept as it came. */
static int
h2_on_header(nghttp2_session *sess, const nghttp2_frame *frame,
    const uint8_t *name, size_t namelen, const uint8_t *value,
    size_t valuelen, __unused uint8_t flags, __unused void *user)
{
	struct h2_stream	*s;
	char			*end;
	size_t			 need;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    (s = h2_conn_stream(sess, frame->hd.stream_id)) == NULL)
		return (0);
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		s->status = strtol((const char *)value, &end, 10);
		s->hlen = 0;	/* a final response after 1xx: its own */
		s->clen = -1;
		return (0);
	}
	if (name[0] == ':')
		return (0);
	if (namelen == 16 && memcmp(name, "content-encoding", 16) == 0 &&
	    s->zs == NULL && (strcasecmp((const char *)value, "gzip") == 0 ||
	    strcasecmp((const char *)value, "x-gzip") == 0 ||
	    strcasecmp((const char *)value, "deflate") == 0)) {
		s->zs = xcalloc(1, sizeof *s->zs);
		if (inflateInit2(s->zs, 15 + 32) != Z_OK)
			fatalx("%s: inflateInit2 failed", __func__);
	}
	if (namelen == 14 && memcmp(name, "content-length", 14) == 0) {
		s->clen = strtoll((const char *)value, &end, 10);
		if (s->clen > (long long)opts.max_response) {
			s->rc = CURLE_FILESIZE_EXCEEDED;
			snprintf(s->errbuf, sizeof s->errbuf, "Exceeded the "
			    "maximum allowed file size (%zu) with %lld bytes",
			    opts.max_response, s->clen);
			return (NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE);
		}
	}
	need = s->hlen + namelen + valuelen + 2;
	if (need > s->hsize) {
		s->hsize = need * 2 < 512 ? 512 : need * 2;
		s->hdrs = xreallocarray(s->hdrs, 1, s->hsize);
	}
	memcpy(s->hdrs + s->hlen, name, namelen);
	s->hdrs[s->hlen + namelen] = '\0';
	memcpy(s->hdrs + s->hlen + namelen + 1, value, valuelen);
	s->hdrs[s->hlen + namelen + 1 + valuelen] = '\0';
	s->hlen = need;
	return (0);
}

/* A whole frame came: a final response's headers, SETTINGS, GOAWAY. */
static int
h2_on_frame_recv(nghttp2_session *sess, const nghttp2_frame *frame,
    void *user)
{
	struct h2_conn		*c = user;
	struct h2_stream	*s;
	uint32_t		 n;

	switch (frame->hd.type) {
	case NGHTTP2_HEADERS:
		s = h2_conn_stream(sess, frame->hd.stream_id);
		if (s != NULL && s->status >= 200)
			s->final = 1;
		break;
	case NGHTTP2_SETTINGS:
		if (frame->hd.flags & NGHTTP2_FLAG_ACK)
			break;
		n = nghttp2_session_get_remote_settings(sess,
		    NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
		if (n < 1)
			n = 1;
		if (n > 10000)
			n = 10000;
		c->settings = 1;
		c->max_streams = n;
		c->host->max_streams = n;
		h2_ops->more(c->host);
		break;
	case NGHTTP2_GOAWAY:
		c->goaway = 1;
		break;
	}
	return (0);
}

/*
 * Body bytes of a stream, decoded if they came gzip or deflate (as libcurl
 * decodes what it asked for): 0, or a CURLcode and libcurl's words.
 */
static int
h2_body(struct h2_stream *s, const uint8_t *data, size_t len)
{
	u_char	out[16384];
	int	zr;

	if (s->zs == NULL)
		return (h2_ops->body(s, data, len) ? 0 : CURLE_WRITE_ERROR);
	s->zs->next_in = (u_char *)data;
	s->zs->avail_in = len;
	do {
		s->zs->next_out = out;
		s->zs->avail_out = sizeof out;
		zr = inflate(s->zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			snprintf(s->errbuf, sizeof s->errbuf, "Error while "
			    "processing content unencoding: %s",
			    s->zs->msg != NULL ? s->zs->msg : "invalid data");
			return (CURLE_BAD_CONTENT_ENCODING);
		}
		if (sizeof out - s->zs->avail_out > 0 && !h2_ops->body(s, out,
		    sizeof out - s->zs->avail_out))
			return (CURLE_WRITE_ERROR);
	} while (s->zs->avail_out == 0 && zr != Z_STREAM_END);
	return (0);
}

/* Body bytes of a stream. */
static int
h2_on_data(nghttp2_session *sess, __unused uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, __unused void *user)
{
	struct h2_stream	*s;
	int			 rc;

	if ((s = h2_conn_stream(sess, id)) == NULL || s->rc != 0)
		return (0);
	s->got += len;
	if ((rc = h2_body(s, data, len)) != 0) {
		s->rc = rc;
		if (rc == CURLE_WRITE_ERROR)
			snprintf(s->errbuf, sizeof s->errbuf, "Failure "
			    "writing output to destination");
		nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, id,
		    NGHTTP2_CANCEL);
	}
	return (0);
}

/* A frame went: a request's headers mark when it was sent. */
static int
h2_on_frame_send(nghttp2_session *sess, const nghttp2_frame *frame,
    __unused void *user)
{
	struct h2_stream	*s;

	if (frame->hd.type == NGHTTP2_HEADERS &&
	    (s = h2_conn_stream(sess, frame->hd.stream_id)) != NULL)
		s->sent = clock_mono();
	return (0);
}

/*
 * A stream closed: answered, refused (tried again), or reset. It leaves
 * the connection and its end is told after the session's turn.
 */
static int
h2_on_close(nghttp2_session *sess, int32_t id, uint32_t error, void *user)
{
	struct h2_conn		*c = user;
	struct h2_stream	*s;

	if ((s = h2_conn_stream(sess, id)) == NULL || s->conn != c)
		return (0);
	s->closed = 1;
	TAILQ_REMOVE(&c->streams, s, entry);
	c->nstreams--;
	s->conn = NULL;
	if (s->rc == 0 && error == NGHTTP2_REFUSED_STREAM && !s->final &&
	    s->got == 0) {
		h2_ops->retry(s);
	} else {
		if (s->rc == 0 && error != NGHTTP2_NO_ERROR) {
			s->rc = CURLE_HTTP2_STREAM;
			snprintf(s->errbuf, sizeof s->errbuf, "HTTP/2 stream %d "
			    "was not closed cleanly: %s (err %u)", id,
			    nghttp2_http2_strerror(error), error);
		} else if (s->rc == 0 && !s->final) {
			s->rc = CURLE_HTTP2_STREAM;
			snprintf(s->errbuf, sizeof s->errbuf, "HTTP/2 stream %d "
			    "was closed cleanly, but before getting all "
			    "response header fields, treated as error", id);
		}
		h2_ops->done(s);
	}
	h2_conn_idle(c);
	h2_ops->more(c->host);
	return (0);
}

/* Read what the peer sent, into the session. */
static void
h2_conn_read(struct h2_conn *c)
{
	u_char		buf[H2_READ];
	ssize_t		rv;
	int		n, i, err;

	for (i = 0; i < H2_READS; i++) {
		ERR_clear_error();
		if ((n = SSL_read(c->ssl, buf, sizeof buf)) <= 0) {
			err = SSL_get_error(c->ssl, n);
			if (err == SSL_ERROR_WANT_READ)
				break;
			if (err == SSL_ERROR_WANT_WRITE) {
				event_add(&c->wev, NULL);
				break;
			}
			h2_conn_die(c, NULL);
			return;
		}
		rv = nghttp2_session_mem_recv(c->sess, buf, n);
		if (rv < 0 || c->state == H2_DEAD) {
			h2_conn_die(c, NULL);
			return;
		}
	}
	h2_conn_flush(c);
}

/* Write what the session has, as far as the socket takes it. */
static void
h2_conn_flush(struct h2_conn *c)
{
	const uint8_t	*data;
	ssize_t		 n;
	int		 w, err;

	if (c->state != H2_OPEN)
		return;
	for (;;) {
		if (c->woff == c->wlen) {
			c->woff = c->wlen = 0;
			while (c->wlen < H2_WBUF) {
				n = nghttp2_session_mem_send(c->sess, &data);
				if (n < 0) {
					h2_conn_die(c, NULL);
					return;
				}
				if (n == 0)
					break;
				if (c->wlen + n > c->wsize) {
					c->wsize = c->wlen + n < H2_WBUF ?
					    H2_WBUF : c->wlen + n;
					c->wbuf = xreallocarray(c->wbuf, 1,
					    c->wsize);
				}
				memcpy(c->wbuf + c->wlen, data, n);
				c->wlen += n;
			}
			if (c->wlen == 0)
				break;
		}
		ERR_clear_error();
		w = SSL_write(c->ssl, c->wbuf + c->woff, c->wlen - c->woff);
		if (w <= 0) {
			err = SSL_get_error(c->ssl, w);
			if (err == SSL_ERROR_WANT_WRITE)
				event_add(&c->wev, NULL);
			else if (err != SSL_ERROR_WANT_READ)
				h2_conn_die(c, NULL);
			return;
		}
		c->woff += w;
	}
	if (!nghttp2_session_want_read(c->sess) &&
	    !nghttp2_session_want_write(c->sess))
		h2_conn_die(c, NULL);
	else if (c->goaway && c->nstreams == 0)
		h2_conn_die(c, NULL);
}

/* The handshake is done: the session, and the requests kept for it. */
static void
h2_conn_opened(struct h2_conn *c)
{
	nghttp2_settings_entry	 iv[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_STREAM_WINDOW },
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100 },
	};
	struct h2_stream	*s, *next;
	const u_char		*alpn = NULL;
	u_int			 alen = 0;

	SSL_get0_alpn_selected(c->ssl, &alpn, &alen);
	if (alen != 2 || memcmp(alpn, "h2", 2) != 0) {
		h2_conn_die(c, NULL);
		return;
	}
	if (nghttp2_session_client_new2(&c->sess, h2_cbs, c, h2_opt) != 0)
		fatalx("%s: nghttp2_session_client_new failed", __func__);
	nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, iv,
	    sizeof iv / sizeof iv[0]);
	nghttp2_session_set_local_window_size(c->sess, NGHTTP2_FLAG_NONE, 0,
	    H2_CONN_WINDOW);
	c->state = H2_OPEN;
	evtimer_del(&c->tev);
	event_add(&c->rev, NULL);
	for (s = TAILQ_FIRST(&c->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		h2_conn_submit(c, s);
	}
	h2_conn_idle(c);
	h2_conn_flush(c);
}

/* A step of the TLS handshake. */
static void
h2_conn_handshake(struct h2_conn *c)
{
	int	r, err;

	ERR_clear_error();
	if ((r = SSL_connect(c->ssl)) == 1) {
		event_del(&c->rev);
		h2_conn_opened(c);
		return;
	}
	err = SSL_get_error(c->ssl, r);
	if (err == SSL_ERROR_WANT_READ)
		event_add(&c->rev, NULL);
	else if (err == SSL_ERROR_WANT_WRITE)
		event_add(&c->wev, NULL);
	else
		h2_conn_die(c, NULL);
}

/* The socket connected (or not): TLS begins. */
static void
h2_conn_connected(struct h2_conn *c)
{
	struct h2_host	*host = c->host;
	socklen_t	 len = sizeof c->state;
	int		 err = 0;

	len = sizeof err;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
	    err != 0) {
		h2_conn_die(c, NULL);
		return;
	}
	if ((c->ssl = SSL_new(h2_ops->ctx())) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		fatalx("%s: SSL_new failed", __func__);
	if (host->name != NULL) {
		SSL_set_tlsext_host_name(c->ssl, host->name);
		SSL_set1_host(c->ssl, host->name);
	} else
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
		    host->ipname);
	SSL_set_connect_state(c->ssl);
	c->state = H2_HANDSHAKE;
	h2_conn_handshake(c);
}

static void
h2_conn_read_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct h2_conn	*c = arg;

	if (c->state == H2_HANDSHAKE)
		h2_conn_handshake(c);
	else if (c->state == H2_OPEN)
		h2_conn_read(c);
	h2_ops->finish();
}

static void
h2_conn_write_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct h2_conn	*c = arg;

	c->flushing = 0;
	if (c->state == H2_CONNECTING)
		h2_conn_connected(c);
	else if (c->state == H2_HANDSHAKE)
		h2_conn_handshake(c);
	else if (c->state == H2_OPEN)
		h2_conn_flush(c);
	h2_ops->finish();
}

/* Not open in time: its streams time out; open, idle: it closes. */
static void
h2_conn_timer_cb(__unused evutil_socket_t fd, __unused short events,
    void *arg)
{
	struct h2_conn	*c = arg;
	char		 why[128];

	if (c->state == H2_OPEN) {
		if (c->nstreams == 0)
			h2_conn_die(c, NULL);
	} else {
		snprintf(why, sizeof why, "Connection timed out after %ld "
		    "milliseconds", opts.connect_timeout_ms);
		h2_conn_die(c, why);
	}
	h2_ops->finish();
}

/* Open a connection to a host's address; NULL if it cannot begin. */
struct h2_conn *
h2_conn_open(struct h2_host *host)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct h2_conn		*c;
	socklen_t		 len;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, host->ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(host->port);
		len = sizeof *sin;
	} else if (inet_pton(AF_INET6, host->ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(host->port);
		len = sizeof *sin6;
	} else
		return (NULL);
	if ((fd = socket(ss.ss_family, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC,
	    0)) == -1)
		return (NULL);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return (NULL);
	}
	c = xcalloc(1, sizeof *c);
	c->host = host;
	c->fd = fd;
	c->state = H2_CONNECTING;
	TAILQ_INIT(&c->streams);
	event_assign(&c->rev, loop_base(), fd, EV_READ|EV_PERSIST,
	    h2_conn_read_cb, c);
	event_assign(&c->wev, loop_base(), fd, EV_WRITE, h2_conn_write_cb, c);
	evtimer_assign(&c->tev, loop_base(), h2_conn_timer_cb, c);
	event_add(&c->wev, NULL);
	/* 0: libcurl's default, 300 s. */
	h2_conn_timer(c, opts.connect_timeout_ms > 0 ?
	    opts.connect_timeout_ms : 300000);
	TAILQ_INSERT_TAIL(&host->conns, c, entry);
	TAILQ_INSERT_TAIL(&h2_all, c, all);
	host->nconns++;
	stats.http_connections++;
	/* Socket records libcurl holds, and ours open (--stats). */
	h2_nsockets++;
	if (stats.http_sockets + h2_nsockets > stats.http_max_sockets)
		stats.http_max_sockets = stats.http_sockets + h2_nsockets;
	if (h2_cbs == NULL) {
		nghttp2_session_callbacks_new(&h2_cbs);
		nghttp2_session_callbacks_set_on_header_callback(h2_cbs,
		    h2_on_header);
		nghttp2_session_callbacks_set_on_frame_recv_callback(h2_cbs,
		    h2_on_frame_recv);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
		    h2_cbs, h2_on_data);
		nghttp2_session_callbacks_set_on_frame_send_callback(h2_cbs,
		    h2_on_frame_send);
		nghttp2_session_callbacks_set_on_stream_close_callback(h2_cbs,
		    h2_on_close);
		/* nghttp2 too opens no more before SETTINGS (ours decide). */
		if (nghttp2_option_new(&h2_opt) != 0)
			fatalx("%s: nghttp2_option_new failed", __func__);
		nghttp2_option_set_peer_max_concurrent_streams(h2_opt,
		    H2_STREAMS_SAFE);
	}
	if (h2_reap_ev == NULL && (h2_reap_ev = event_new(loop_base(), -1, 0,
	    h2_conn_reap_cb, NULL)) == NULL)
		fatalx("%s: event_new failed", __func__);
	return (c);
}

/* What to call in h2.c. */
void
h2_conn_init(const struct h2_conn_ops *ops)
{
	h2_ops = ops;
}

/* Close every connection (their streams end) and free them. */
void
h2_conn_close_all(void)
{
	struct h2_conn	*c;

	while ((c = TAILQ_FIRST(&h2_all)) != NULL)
		h2_conn_die(c, NULL);
	h2_conn_reap();
	if (h2_reap_ev != NULL)
		event_free(h2_reap_ev);
	h2_reap_ev = NULL;
	if (h2_cbs != NULL)
		nghttp2_session_callbacks_del(h2_cbs);
	h2_cbs = NULL;
	if (h2_opt != NULL)
		nghttp2_option_del(h2_opt);
	h2_opt = NULL;
	h2_nsockets = 0;
}
