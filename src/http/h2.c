/*
 * The native HTTP/2 client: a request goes here rather than to libcurl
 * when it is to https (any method, its body sent as libcurl sends
 * CURLOPT_POSTFIELDS), through no proxy,
 * not --http1.1, to a host libcurl's first connection found speaking h2
 * (conn.c, with the address it connected to). libcurl 7.88 spends some 40
 * us of the loop's CPU a lookup over HTTP/2 (each request written as
 * HTTP/1 text and parsed back, its URL parsed a dozen times, the proxy
 * environment read again, its pending queue walked); nghttp2, the library
 * h2load is built on, and a stream of ours cost a fraction of that.
 *
 * The results are libcurl's: status, body within --max-response, the
 * headers fetch-policy.c reads, Retry-After, the error kinds and texts,
 * the timings hostlat and hostlimit learn from, --stats' connections and
 * versions. A host's connections are enough for -j streams, at most
 * ceil(-j / its SETTINGS_MAX_CONCURRENT_STREAMS, the last heard) + 2 (one
 * until it is heard: h2-conn.c); a stream goes to a connection with room,
 * else a new one, else waits on its host for room. A host whose connection
 * fails before it is open goes back to libcurl for a while, with the
 * requests that were waiting for it (h2-conn.c).
 */

#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "http/fetch-int.h"
#include "http/h2-int.h"

#define H2_FAILED_S 30		/* a failed host's time on libcurl */
#define H2_MAX_HOSTS 1000
#define H2_TRIES 5		/* tries of a stream left unanswered */
#define H2_FALLBACK (-1)	/* rc: back to libcurl */

static void	h2_stream_fallback(struct h2_stream *);
static void	h2_stream_done(struct h2_stream *);

struct h2_hostent {
	struct hash_node	 node;
	struct h2_host		 host;
};

static struct hash		 h2_hosts;
static u_int			 h2_nhosts;
static struct h2_host		*h2_last;	/* the last host found */
static struct h2_streams	 h2_done = TAILQ_HEAD_INITIALIZER(h2_done);
static fetch_multi_done_cb	 h2_done_cb;
static h2_body_cb		 h2_body;
static h2_fallback_cb		 h2_fallback;
static SSL_CTX			*h2_ctx;
static int			 h2_ctx_failed;
static int			 h2_stopping;

/*
 * The TLS context, as trusting as libcurl's: the peer verified against
 * --cacert/--capath, else libcurl's own defaults (its bundle alone when
 * it has one, as conn.c sets libcurl), partial chains allowed
 * (a trusted certificate in the file is enough, as with libcurl), h2 by
 * ALPN. One for the run: the trust configuration is the run's.
 */
static SSL_CTX *
h2_ssl_ctx(void)
{
	const char	*file = opts.cacert, *dir = opts.capath;
	char		*def_file = NULL, *def_dir = NULL;
	CURL		*e;

	if (h2_ctx != NULL || h2_ctx_failed)
		return (h2_ctx);
	if ((e = curl_easy_init()) != NULL) {
		curl_easy_getinfo(e, CURLINFO_CAINFO, &def_file);
		curl_easy_getinfo(e, CURLINFO_CAPATH, &def_dir);
	}
	if (file == NULL)
		file = def_file;
	if (dir == NULL)
		dir = def_dir;
	/* Neither option: libcurl's bundle alone if it has one (conn.c). */
	if (opts.cacert == NULL && opts.capath == NULL && def_file != NULL &&
	    access(def_file, R_OK) == 0)
		dir = NULL;
	if ((h2_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("%s: SSL_CTX_new failed", __func__);
	SSL_CTX_set_min_proto_version(h2_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(h2_ctx, SSL_VERIFY_PEER, NULL);
	if ((file != NULL || dir != NULL) &&
	    SSL_CTX_load_verify_locations(h2_ctx, file, dir) != 1) {
		ERR_clear_error();
		SSL_CTX_free(h2_ctx);
		h2_ctx = NULL;
		h2_ctx_failed = 1;	/* libcurl will say why */
	} else {
		X509_STORE_set_flags(SSL_CTX_get_cert_store(h2_ctx),
		    X509_V_FLAG_PARTIAL_CHAIN|X509_V_FLAG_TRUSTED_FIRST);
		SSL_CTX_set_alpn_protos(h2_ctx, (const u_char *)"\x02h2", 3);
		SSL_CTX_set_mode(h2_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE|
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER|
		    SSL_MODE_RELEASE_BUFFERS);
	}
	if (e != NULL)
		curl_easy_cleanup(e);
	return (h2_ctx);
}

/*
 * The host of a URL's authority on the native path: found, or made if
 * conn.c knows it speaks h2 and where libcurl connected to it.
 */
static struct h2_host *
h2_host_get(const char *url, const char *auth, size_t alen)
{
	struct h2_hostent	*he;
	struct h2_host		*h;
	struct in6_addr		 in6;
	char			 ip[64], *p;
	size_t			 i, hlen;
	int			 port;

	if (h2_last != NULL && strncmp(h2_last->auth, auth, alen) == 0 &&
	    h2_last->auth[alen] == '\0')
		return (h2_last);
	he = HASH_ENTRY(hash_find(&h2_hosts, auth, alen), struct h2_hostent,
	    node);
	if (he != NULL)
		return (h2_last = &he->host);
	if (h2_nhosts >= H2_MAX_HOSTS || alen == 0 ||
	    !conn_native(url, ip, sizeof ip, &port))
		return (NULL);
	/* Names, IPv4 and bracketed IPv6 literals, a port: nothing else. */
	for (i = 0; i < alen; i++) {
		if (!isalnum((u_char)auth[i]) && strchr(".-:[]_", auth[i]) ==
		    NULL)
			return (NULL);
	}
	he = xcalloc(1, sizeof *he);
	h = &he->host;
	h->auth = xstrndup(auth, alen);
	if (auth[0] == '[') {
		if ((p = strchr(h->auth, ']')) == NULL)
			goto fail;
		h->ipname = xstrndup(h->auth + 1, p - h->auth - 1);
		if (inet_pton(AF_INET6, h->ipname, &in6) != 1)
			goto fail;
		p++;
	} else {
		hlen = strcspn(h->auth, ":");
		p = h->auth + hlen;
		h->name = xstrndup(h->auth, hlen);
		if (inet_pton(AF_INET, h->name, &in6) == 1) {
			h->ipname = h->name;
			h->name = NULL;
		}
	}
	if (*p != '\0' && (*p != ':' || strcmp(p, ":443") == 0))
		h->authority = xstrndup(h->auth, p - h->auth);
	else
		h->authority = xstrdup(h->auth);
	if (*p != '\0' && *p != ':')
		goto fail;
	snprintf(h->ip, sizeof h->ip, "%s", ip);
	h->port = port;
	h->max_streams = 0;	/* none heard: its first connection asks */
	TAILQ_INIT(&h->conns);
	TAILQ_INIT(&h->waiting);
	hash_insert(&h2_hosts, &he->node, h->auth, alen);
	h2_nhosts++;
	return (h2_last = h);

fail:
	free(h->auth);
	free(h->name);
	free(h->ipname);
	free(he);
	return (NULL);
}

/*
 * May a host open one more connection? Enough for -j streams at what its
 * server's SETTINGS said last (one until they are heard), and one more
 * while one goes away: with libcurl's first, ceil(-j / streams) + 2.
 */
static int
h2_host_may_open(struct h2_host *h)
{
	struct h2_conn	*c;
	u_int		 cap = 1, live = 0;

	if (h->max_streams > 0)
		cap = (opts.max_in_flight + h->max_streams - 1) /
		    h->max_streams;
	if (cap < 1)
		cap = 1;
	TAILQ_FOREACH(c, &h->conns, entry) {
		if (!c->goaway)
			live++;
	}
	return (live < cap && h->nconns < cap + 1);
}

/*
 * Put a stream on a connection of its host with room, or a new one, or
 * else wait for room. -1 if it has none and can open none.
 */
static int
h2_place(struct h2_stream *s)
{
	struct h2_host	*h = s->host;
	struct h2_conn	*c;

	TAILQ_FOREACH(c, &h->conns, entry) {
		if (!c->goaway && c->nstreams < h2_conn_streams_max(c))
			break;
	}
	if (c == NULL && h->failed_until == 0 && h2_host_may_open(h) &&
	    (c = h2_conn_open(h)) != NULL && h2_conn_streams_max(c) == 0)
		c = NULL;	/* it waits for the server's SETTINGS */
	if (c == NULL) {
		if (h->nconns == 0)
			return (-1);
		TAILQ_INSERT_TAIL(&h->waiting, s, entry);
		h->nwaiting++;
		s->waiting = 1;
		return (0);
	}
	s->conn = c;
	TAILQ_INSERT_TAIL(&c->streams, s, entry);
	c->nstreams++;
	h2_conn_submit(c, s);
	return (0);
}

/*
 * Room on a host's connections, or leave to open one: the streams waiting
 * for it take it, in the order they came.
 */
static void
h2_host_more(struct h2_host *h)
{
	struct h2_stream	*s;

	while ((s = TAILQ_FIRST(&h->waiting)) != NULL) {
		TAILQ_REMOVE(&h->waiting, s, entry);
		h->nwaiting--;
		s->waiting = 0;
		if (h2_place(s) == -1) {
			h2_stream_fallback(s);
			continue;
		}
		if (s->conn == NULL) {
			/* No room: it waits again, first. */
			TAILQ_REMOVE(&h->waiting, s, entry);
			TAILQ_INSERT_HEAD(&h->waiting, s, entry);
			break;
		}
	}
}

/* A host's connection failed before it was open: libcurl's for a while. */
static void
h2_host_failed(struct h2_host *h)
{
	struct h2_stream	*s;

	h->failed_until = clock_mono() + H2_FAILED_S;
	while ((s = TAILQ_FIRST(&h->waiting)) != NULL) {
		TAILQ_REMOVE(&h->waiting, s, entry);
		h->nwaiting--;
		s->waiting = 0;
		h2_stream_fallback(s);
	}
}

/* A stream has ended: its request hears of it after the session's turn. */
static void
h2_stream_done(struct h2_stream *s)
{
	s->end = clock_mono();
	TAILQ_INSERT_TAIL(&h2_done, s, entry);
	s->ending = 1;
}

/* A stream goes back to libcurl (after the session's turn). */
static void
h2_stream_fallback(struct h2_stream *s)
{
	s->rc = H2_FALLBACK;
	h2_stream_done(s);
}

/* A stream nobody answered: again, on another connection. */
static void
h2_stream_retry(struct h2_stream *s)
{
	s->id = 0;
	s->status = 0;
	s->final = s->closed = 0;
	s->hlen = 0;
	s->clen = -1;
	if (s->zs != NULL) {
		inflateEnd(s->zs);
		free(s->zs);
		s->zs = NULL;
	}
	if (h2_stopping || ++s->tries >= H2_TRIES) {
		s->rc = CURLE_SEND_ERROR;
		snprintf(s->errbuf, sizeof s->errbuf, "Connection died, tried "
		    "%d times before giving up", H2_TRIES);
		h2_stream_done(s);
		return;
	}
	if (h2_place(s) == -1)
		h2_stream_fallback(s);
}

/* Body bytes of a stream, to its request (0: refused, stop). */
static int
h2_stream_body(struct h2_stream *s, const uint8_t *data, size_t len)
{
	if (s->fe == NULL)
		return (1);
	return (h2_body(s->fe, (const char *)data, len));
}

static void
h2_stream_free(struct h2_stream *s)
{
	if (s->zs != NULL) {
		inflateEnd(s->zs);
		free(s->zs);
	}
	free(s->hdrs);
	free(s->nv);		/* and nvbuf, after it */
	free(s);
}

/* Tell the requests of the streams that ended. */
static void
h2_finish(void)
{
	struct h2_stream	*s;
	struct fetch_entry	*fe;

	while ((s = TAILQ_FIRST(&h2_done)) != NULL) {
		TAILQ_REMOVE(&h2_done, s, entry);
		s->ending = 0;
		fe = s->fe;
		if (fe == NULL || h2_stopping) {
			if (fe != NULL)
				fe->h2 = NULL;
			h2_stream_free(s);
		} else if (s->rc == H2_FALLBACK) {
			fe->h2 = NULL;
			h2_stream_free(s);
			h2_fallback(fe);
		} else {
			if (s->final) {
				stats.http_versions[2]++;
				stats.http_native++;
			}
			s->fe = NULL;	/* told: h2_end frees it */
			s->closed = 1;
			h2_done_cb(fe, s->rc);
		}
	}
}

/* Append a header to a request being built. */
static void
h2_nv_add(struct h2_stream *s, size_t *off, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	nghttp2_nv	*nv = &s->nv[s->nvlen++];
	size_t		 i;

	/* Offsets for now: the buffer may still move. */
	nv->name = (uint8_t *)(uintptr_t)*off;
	for (i = 0; i < nlen; i++)
		s->nvbuf[*off + i] = tolower((u_char)name[i]);
	*off += nlen;
	nv->value = (uint8_t *)(uintptr_t)*off;
	memcpy(s->nvbuf + *off, value, vlen);
	*off += vlen;
	nv->namelen = nlen;
	nv->valuelen = vlen;
	nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* Is this custom header one that our defaults give way to? */
static int
h2_custom(const struct curl_slist *l, const char *name)
{
	size_t	n = strlen(name);

	for (; l != NULL; l = l->next) {
		if (strncasecmp(l->data, name, n) == 0 &&
		    (l->data[n] == ':' || l->data[n] == ';'))
			return (1);
	}
	return (0);
}

/*
 * A request's headers as libcurl sends them over HTTP/2: the pseudo
 * headers, User-Agent, Accept and Accept-Encoding (the two encodings we
 * decode, h2-conn.c) unless ours replace them, a body's Content-Length and
 * Content-Type (a form, unless ours says), then ours
 * ("Name:" alone removes one, "Name;" sends it empty; Host is the
 * authority; headers of a connection are not HTTP/2's). 0 if it cannot.
 */
static int
h2_nv_build(struct h2_stream *s, const char *method, const char *path,
    size_t plen, const struct curl_slist *hdrs)
{
	const struct curl_slist	*l;
	const char		*authority = s->host->authority, *v, *ua;
	size_t			 size, off = 0, n = 9, i, nlen, vlen, alen;
	char			 clen[32];
	int			 has_ua, has_accept, has_ae;

	ua = opts.user_agent;
	has_ua = h2_custom(hdrs, "User-Agent");
	has_accept = h2_custom(hdrs, "Accept");
	has_ae = h2_custom(hdrs, "Accept-Encoding");
	alen = strlen(authority);
	size = strlen(method) + plen + alen + 192 +
	    (ua != NULL ? strlen(ua) : 0);
	for (l = hdrs; l != NULL; l = l->next) {
		size += strlen(l->data) + 16;
		n++;
		if (strncasecmp(l->data, "Host:", 5) == 0) {
			v = l->data + 5;
			v += strspn(v, " \t");
			if (*v != '\0')
				authority = v;
			alen = strlen(authority);
		}
	}
	s->nv = xmalloc((n + 1) * sizeof *s->nv + size);
	s->nvbuf = (char *)(s->nv + n + 1);
	h2_nv_add(s, &off, ":method", 7, method, strlen(method));
	h2_nv_add(s, &off, ":path", 5, path, plen);
	h2_nv_add(s, &off, ":scheme", 7, "https", 5);
	h2_nv_add(s, &off, ":authority", 10, authority, alen);
	if (!has_ua && ua != NULL && *ua != '\0')
		h2_nv_add(s, &off, "user-agent", 10, ua, strlen(ua));
	if (!has_accept)
		h2_nv_add(s, &off, "accept", 6, "*/*", 3);
	if (!has_ae)
		h2_nv_add(s, &off, "accept-encoding", 15, "deflate, gzip", 13);
	if (s->body != NULL) {
		/* As libcurl's CURLOPT_POSTFIELDS: its length, a form. */
		vlen = snprintf(clen, sizeof clen, "%zu", s->bodylen);
		h2_nv_add(s, &off, "content-length", 14, clen, vlen);
		if (!h2_custom(hdrs, "Content-Type"))
			h2_nv_add(s, &off, "content-type", 12,
			    "application/x-www-form-urlencoded", 33);
	}
	for (l = hdrs; l != NULL; l = l->next) {
		nlen = strcspn(l->data, ":;");
		if (nlen == 0 || l->data[nlen] == '\0')
			continue;
		v = l->data + nlen + 1;
		v += strspn(v, " \t");
		vlen = strlen(v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t' ||
		    v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
			vlen--;
		if (l->data[nlen] == ';') {
			if (vlen != 0)
				continue;	/* curl ignores it too */
		} else if (vlen == 0)
			continue;		/* removes ours */
		if ((nlen == 4 && strncasecmp(l->data, "Host", 4) == 0) ||
		    (nlen == 10 && strncasecmp(l->data, "Connection", 10) == 0) ||
		    (nlen == 10 && strncasecmp(l->data, "Keep-Alive", 10) == 0) ||
		    (nlen == 16 && strncasecmp(l->data, "Proxy-Connection",
		    16) == 0) ||
		    (nlen == 17 && strncasecmp(l->data, "Transfer-Encoding",
		    17) == 0) ||
		    (nlen == 7 && strncasecmp(l->data, "Upgrade", 7) == 0))
			continue;
		for (i = 0; i < nlen; i++) {
			if (!isgraph((u_char)l->data[i]))
				return (0);
		}
		h2_nv_add(s, &off, l->data, nlen, v, vlen);
	}
	for (i = 0; i < s->nvlen; i++) {
		s->nv[i].name = (uint8_t *)s->nvbuf + (uintptr_t)s->nv[i].name;
		s->nv[i].value = (uint8_t *)s->nvbuf +
		    (uintptr_t)s->nv[i].value;
	}
	return (1);
}

/*
 * Take a request on the native path if it is one (see the top): 1 if
 * taken, its end told as libcurl's would be; 0: libcurl's.
 */
int
h2_start(struct fetch_entry *fe, const char *url)
{
	const char		*auth, *path, *method = fe->req->method;
	struct h2_host		*h;
	struct h2_stream	*s;
	char			*p = NULL;
	size_t			 alen, plen, i;
	int			 ok;

	if (opts.http1_1 || fe->proxied || h2_ctx_failed)
		return (0);
	if (strncasecmp(url, "https://", 8) != 0)
		return (0);
	if (fe->as_get && strcmp(method, "HEAD") != 0)
		method = "GET";
	/* A method is a token (libcurl sends it as it is). */
	if (*method == '\0' || method[strspn(method,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	    "!#$%&'*+-.^_`|~")] != '\0')
		return (0);
	auth = url + 8;
	alen = strcspn(auth, "/?#");
	if ((h = h2_host_get(url, auth, alen)) == NULL)
		return (0);
	if (h->failed_until != 0) {
		if (clock_mono() < h->failed_until)
			return (0);
		h->failed_until = 0;
	}
	if (fe->policed && !netpolicy_allowed_text(h->ip, h->port))
		return (0);
	/* A path libcurl would send as it is: no dot segment, no space. */
	path = auth + alen;
	plen = strcspn(path, "#");
	for (i = 0; i < plen; i++) {
		if ((u_char)path[i] <= 0x20 || (u_char)path[i] >= 0x7f)
			return (0);
	}
	if (strstr(path, "/.") != NULL && strstr(path, "/.") < path + plen)
		return (0);
	if (h2_ssl_ctx() == NULL)
		return (0);

	if (plen == 0 || path[0] == '?')
		xasprintf(&p, "/%.*s", (int)plen, path);
	s = xcalloc(1, sizeof *s);
	s->host = h;
	s->clen = -1;
	s->head = strcmp(method, "HEAD") == 0;
	if (fe->body != NULL && !fe->as_get && !s->head) {
		s->body = fe->body;
		s->bodylen = fe->bodylen;
	}
	ok = h2_nv_build(s, method, p != NULL ? p : path, p != NULL ?
	    strlen(p) : plen, fe->cross ? NULL : fe->req->headers);
	free(p);
	if (!ok) {
		h2_stream_free(s);
		return (0);
	}
	s->start = clock_mono();
	s->fe = fe;
	if (h2_place(s) == -1) {
		h2_host_failed(h);
		h2_stream_free(s);
		return (0);
	}
	fe->h2 = s;
	return (1);
}

/* A request is done with its stream (told, timed out, or gone). */
void
h2_end(struct fetch_entry *fe)
{
	struct h2_stream	*s = fe->h2;

	if (s == NULL)
		return;
	fe->h2 = NULL;
	if (s->conn != NULL)
		h2_conn_cancel(s->conn, s);
	else if (s->waiting) {
		TAILQ_REMOVE(&s->host->waiting, s, entry);
		s->host->nwaiting--;
	} else if (s->ending)
		TAILQ_REMOVE(&h2_done, s, entry);
	h2_stream_free(s);
}

/* --timeout passed on a stream: libcurl's words for it. */
void
h2_timeout(struct fetch_entry *fe, long ms)
{
	struct h2_stream	*s = fe->h2;

	if (s->conn == NULL || s->conn->state != H2_OPEN)
		snprintf(s->errbuf, sizeof s->errbuf, "Connection timed out "
		    "after %ld milliseconds", ms);
	else if (s->clen >= 0)
		snprintf(s->errbuf, sizeof s->errbuf, "Operation timed out "
		    "after %ld milliseconds with %zu out of %lld bytes "
		    "received", ms, s->got, s->clen);
	else
		snprintf(s->errbuf, sizeof s->errbuf, "Operation timed out "
		    "after %ld milliseconds with %zu bytes received", ms,
		    s->got);
}

/* The status of a stream's final response, 0 if none. */
long
h2_status(struct fetch_entry *fe)
{
	return (fe->h2->final ? fe->h2->status : 0);
}

/* The value of a response header (the last of that name), or NULL. */
const char *
h2_header(struct fetch_entry *fe, const char *name)
{
	struct h2_stream	*s = fe->h2;
	const char		*p, *end, *v, *found = NULL;

	for (p = s->hdrs, end = s->hdrs + s->hlen; p < end; p = v +
	    strlen(v) + 1) {
		v = p + strlen(p) + 1;
		if (strcasecmp(p, name) == 0)
			found = v;
	}
	return (found);
}

/* Retry-After, seconds from now, as libcurl reads it (0: none). */
long long
h2_retry_after(struct fetch_entry *fe)
{
	const char	*v = h2_header(fe, "retry-after");
	char		*end;
	long long	 n;
	time_t		 t, now;

	if (v == NULL)
		return (0);
	n = strtoll(v, &end, 10);
	if (end != v && (*end == '\0' || isspace((u_char)*end)))
		return (n > 0 ? n : 0);
	if ((t = curl_getdate(v, NULL)) == -1)
		return (0);
	now = time(NULL);
	return (t > now ? (long long)(t - now) : 0);
}

/* A stream's times, us: its whole and until its request went. */
void
h2_times(struct fetch_entry *fe, curl_off_t *total, curl_off_t *pre)
{
	struct h2_stream	*s = fe->h2;

	*total = (curl_off_t)((s->end - s->start) * 1e6);
	*pre = s->sent > 0 ? (curl_off_t)((s->sent - s->start) * 1e6) : 0;
}

/* Why a stream failed, in libcurl's words ("" if it said nothing). */
const char *
h2_error(struct fetch_entry *fe)
{
	return (fe->h2->errbuf);
}

static const struct h2_conn_ops h2_ops = {
	h2_stream_done,
	h2_stream_retry,
	h2_stream_fallback,
	h2_host_failed,
	h2_host_more,
	h2_stream_body,
	h2_finish,
	h2_ssl_ctx,
};

/*
 * Ready the native path: how a request's end, its going back to libcurl
 * and its body bytes are told.
 */
void
h2_init(fetch_multi_done_cb done, h2_fallback_cb fallback, h2_body_cb body)
{
	h2_done_cb = done;
	h2_fallback = fallback;
	h2_body = body;
	h2_conn_init(&h2_ops);
	h2_stopping = 0;
	hash_init(&h2_hosts);
}

/* Close every connection, forget the hosts and the TLS context. */
void
h2_free(void)
{
	struct hash_node	*hn, *next;
	struct h2_hostent	*he;

	h2_stopping = 1;
	h2_conn_close_all();
	h2_finish();
	for (hn = hash_first(&h2_hosts); hn != NULL; hn = next) {
		next = hash_next(&h2_hosts, hn);
		he = HASH_ENTRY(hn, struct h2_hostent, node);
		free(he->host.auth);
		free(he->host.name);
		free(he->host.ipname);
		free(he->host.authority);
		free(he);
	}
	hash_free(&h2_hosts);
	hash_init(&h2_hosts);
	h2_nhosts = 0;
	h2_last = NULL;
	if (h2_ctx != NULL)
		SSL_CTX_free(h2_ctx);
	h2_ctx = NULL;
	h2_ctx_failed = 0;
}
