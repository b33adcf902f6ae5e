/*
 * A Redis server as the last cache tier (--cache-url), shared by every
 * instance and across runs: successful responses are kept with SET ... PX
 * (the --cache-ttl), under a prefix and the SHA-256 of the request key (so
 * no header value of a request, a credential say, is ever stored as a
 * key). Lookups are asynchronous on the loop; a server that is down, slow
 * or answering nonsense is a miss, never a stall or a lost tweet.
 */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "redis/redis-int.h"

/* Value layout: magic, then "status stored loclen\n", location, body. */
#define RCACHE_MAGIC "te1 "
/* Longest a lookup may wait before the server is treated as gone. */
#define RCACHE_STALL_MS 2000

struct rcache {
	struct redis_url	*url;
	struct redis		*conn;
	char			*prefix;
	int			 closing;
	TAILQ_HEAD(, rcache_get) waiting;	/* for the first connect */
};

struct rcache_get {
	struct rcache		*rc;
	struct cache_lookup	*cl;
	char			*key;		/* while waiting for the start */
	size_t			 keylen;
	TAILQ_ENTRY(rcache_get)	 entry;
};

struct redis_cache_stats redis_cache_stats;

/* The Redis key of a request key: prefix and hex SHA-256. */
static char *
rcache_key(struct rcache *rc, const char *key, size_t keylen, size_t *len)
{
	u_char		 md[EVP_MAX_MD_SIZE];
	u_int		 mdlen, i;
	char		*out;
	size_t		 plen = strlen(rc->prefix);

	if (EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatalx("%s: EVP_Digest failed", __func__);
	out = xmalloc(plen + 2 * mdlen + 1);
	memcpy(out, rc->prefix, plen);
	for (i = 0; i < mdlen; i++)
		snprintf(out + plen + 2 * i, 3, "%02x", md[i]);
	*len = plen + 2 * mdlen;
	return (out);
}

/*
 * Encode a response as a stored value (len bytes, a NUL after them). The
 * body is bytes (it may hold NULs); so the lengths say where parts end.
 */
static char *
rcache_encode(const struct cache_value *v, size_t *len)
{
	char	*val;
	size_t	 loclen;
	int	 n;

	loclen = v->location != NULL ? strlen(v->location) : 0;
	n = xasprintf(&val, RCACHE_MAGIC "%ld %.3f %zu\n", v->status,
	    v->stored, loclen);
	*len = n + loclen + v->bodylen;
	val = xreallocarray(val, 1, *len + 1);
	memcpy(val + n, v->location != NULL ? v->location : "", loclen);
	memcpy(val + n + loclen, v->body, v->bodylen);
	val[*len] = '\0';
	return (val);
}

/*
 * Decode a stored value of len bytes (not NUL-terminated: nothing is read
 * past len); -1 if it is not one of ours. The body is copied by its length
 * with a NUL after it; a location holding a NUL is not ours.
 */
static int
rcache_decode(const char *s, size_t len, struct cache_value *v)
{
	const size_t	 mlen = sizeof RCACHE_MAGIC - 1;
	const char	*nl, *rest;
	char		 head[64], *p, *end, *body;
	long		 status;
	double		 stored;
	unsigned long long loclen;
	size_t		 restlen, bodylen;

	if (len < mlen || memcmp(s, RCACHE_MAGIC, mlen) != 0)
		return (-1);
	if ((nl = memchr(s + mlen, '\n', len - mlen)) == NULL ||
	    (size_t)(nl - (s + mlen)) >= sizeof head)
		return (-1);
	/* "status stored loclen", each starting with a digit. */
	memcpy(head, s + mlen, nl - (s + mlen));
	head[nl - (s + mlen)] = '\0';
	p = head;
	if (*p < '0' || *p > '9')
		return (-1);
	status = strtol(p, &end, 10);
	if (*end != ' ' || status < 100 || status > 999)
		return (-1);
	p = end + 1;
	if (*p < '0' || *p > '9')
		return (-1);
	stored = strtod(p, &end);
	if (*end != ' ' || !(stored >= 0 && stored <= 1e12))
		return (-1);
	p = end + 1;
	if (*p < '0' || *p > '9')
		return (-1);
	loclen = strtoull(p, &end, 10);
	rest = nl + 1;
	restlen = len - (rest - s);
	if (*end != '\0' || loclen > restlen ||
	    memchr(rest, '\0', loclen) != NULL)
		return (-1);
	bodylen = restlen - loclen;
	body = xmalloc(bodylen + 1);
	memcpy(body, rest + loclen, bodylen);
	body[bodylen] = '\0';
	memset(v, 0, sizeof *v);
	v->status = status;
	v->stored = stored;
	v->location = loclen > 0 ? xstrndup(rest, loclen) : NULL;
	v->body = body;
	v->bodylen = bodylen;
	return (0);
}

static void
rcache_get_cb(void *arg, void *reply)
{
	struct rcache_get	*g = arg;
	redisReply		*r = reply;
	struct cache_value	 v;

	if (g->rc->closing) {
		/* The run is ending: nobody waits for the answer now. */
		cache_drop(g->cl);
		free(g);
		return;
	}
	if (r != NULL && r->type == REDIS_REPLY_STRING &&
	    rcache_decode(r->str, r->len, &v) == 0) {
		redis_cache_stats.hits++;
		cache_answer(g->cl, &v);
		free((char *)v.body);
		free((char *)v.location);
	} else {
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
			redis_cache_stats.errors++;
		else
			redis_cache_stats.misses++;
		cache_answer(g->cl, NULL);
	}
	free(g);
}

/* Send a GET; -1 if it could not be. */
static int
rcache_send(struct rcache_get *g, const char *key, size_t keylen)
{
	const char	*argv[2];
	size_t		 argvlen[2];
	char		*k;
	int		 r;

	k = rcache_key(g->rc, key, keylen, &argvlen[1]);
	argv[0] = "GET";
	argvlen[0] = 3;
	argv[1] = k;
	r = redis_command(g->rc->conn, rcache_get_cb, g, 2, argv, argvlen);
	free(k);
	return (r);
}

static int
rcache_get(void *state, const char *key, size_t keylen,
    __unused struct cache_value *v, struct cache_lookup *cl)
{
	struct rcache		*rc = state;
	struct rcache_get	*g;

	g = xcalloc(1, sizeof *g);
	g->rc = rc;
	g->cl = cl;
	if (redis_starting(rc->conn)) {
		/* The first connect is under way: wait for it. */
		g->key = xmalloc(keylen);
		memcpy(g->key, key, keylen);
		g->keylen = keylen;
		TAILQ_INSERT_TAIL(&rc->waiting, g, entry);
		return (CACHE_LATER);
	}
	if (!redis_ready(rc->conn) || rcache_send(g, key, keylen) != 0) {
		free(g);
		redis_cache_stats.errors++;
		return (CACHE_MISS);	/* down: degrade to the network */
	}
	return (CACHE_LATER);
}

/* The first connect is done (or failed): send, or miss, what waited. */
static void
rcache_started(struct rcache *rc)
{
	struct rcache_get	*g;

	while ((g = TAILQ_FIRST(&rc->waiting)) != NULL) {
		TAILQ_REMOVE(&rc->waiting, g, entry);
		if (rc->conn == NULL || !redis_ready(rc->conn) ||
		    rcache_send(g, g->key, g->keylen) != 0) {
			redis_cache_stats.errors++;
			free(g->key);
			if (rc->closing)
				cache_drop(g->cl);
			else
				cache_answer(g->cl, NULL);
			free(g);
			continue;
		}
		free(g->key);
		g->key = NULL;
	}
}

static void
rcache_ready_cb(void *arg)
{
	rcache_started(arg);
}

static void
rcache_down_cb(void *arg)
{
	rcache_started(arg);
}

static void
rcache_put_cb(__unused void *arg, void *reply)
{
	redisReply	*r = reply;

	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		redis_cache_stats.errors++;
}

/* Keep a successful response for --cache-ttl (errors are never kept). */
static void
rcache_put(void *state, const char *key, size_t keylen,
    const struct cache_value *v)
{
	struct rcache	*rc = state;
	const char	*argv[5];
	size_t		 argvlen[5];
	char		*k, *val, ttl[32];
	size_t		 vlen;

	if (v->status < 200 || v->status > 399 || opts.cache_ttl == 0 ||
	    !redis_ready(rc->conn))
		return;
	val = rcache_encode(v, &vlen);
	k = rcache_key(rc, key, keylen, &argvlen[1]);
	snprintf(ttl, sizeof ttl, "%llu", (unsigned long long)opts.cache_ttl *
	    1000);
	argv[0] = "SET";
	argvlen[0] = 3;
	argv[1] = k;
	argv[2] = val;
	argvlen[2] = vlen;
	argv[3] = "PX";
	argvlen[3] = 2;
	argv[4] = ttl;
	argvlen[4] = strlen(ttl);
	if (redis_command(rc->conn, rcache_put_cb, NULL, 5, argv,
	    argvlen) == 0)
		redis_cache_stats.stored++;
	free(k);
	free(val);
}

static void
rcache_free(void *state)
{
	struct rcache	*rc = state;

	rc->closing = 1;
	redis_flush(rc->conn, RCACHE_STALL_MS);
	redis_close(rc->conn);
	rc->conn = NULL;	/* the waiters are dropped, not asked */
	rcache_started(rc);
	redis_url_free(rc->url);
	free(rc->prefix);
	free(rc);
}

static const struct cache_backend rcache_backend = {
	.name = "redis",
	.async = 1,
	.get = rcache_get,
	.put = rcache_put,
	.free = rcache_free,
};

/* Check --cache-url; -1 with *cause if it is not one we can use. */
int
redis_cache_check(const char *url, char **cause)
{
	static const char *const known[] = { "prefix", NULL };
	struct redis_url	*u;
	int			 r;

	if ((u = redis_url_parse(url, 0, cause)) == NULL)
		return (-1);
	r = redis_url_check(u, "--cache-url", known, cause);
	redis_url_free(u);
	return (r);
}

/* Add the server of --cache-url as the last cache tier. */
void
redis_cache_tier(const char *url)
{
	struct rcache	*rc;
	const char	*p;
	char		*cause = NULL;

	rc = xcalloc(1, sizeof *rc);
	if ((rc->url = redis_url_parse(url, 0, &cause)) == NULL)
		fatalx("%s", cause);
	p = redis_url_param(rc->url, "prefix");
	rc->prefix = xstrdup(p != NULL ? p : "tweet-enricher:");
	TAILQ_INIT(&rc->waiting);
	rc->conn = redis_open(rc->url, REDIS_OPTIONAL, rcache_ready_cb,
	    rcache_down_cb, rc);
	redis_set_stall(rc->conn, RCACHE_STALL_MS);
	cache_add(&rcache_backend, rc);
}
