/*
 * A Redis server as the shared pacing backend (--pace-url, by default the
 * server of --from): one script per request decision (GCRA on the
 * server's clock: a rate's next start time under a key, and the host's
 * quota window under another), one to note a quota window, and a
 * heartbeat (four a second) that counts the instances seen lately (those that
 * pace locally while the server is away divide each rate by it).
 *
 * A quota window noted is also published on a channel (prefix "quotas")
 * that every instance listens to on a second connection: each pauses that
 * host as soon as it hears, whether or not the host has a rate, so a host
 * without one costs no round trip per request and nothing is polled. The
 * windows still open are also kept in a sorted set (by their end, at most
 * RPACE_WINDOWS_MAX): an instance that starts listening (at its start, or
 * after a reconnect) reads them once, so it pauses for a window told
 * while it was not there.
 *
 * Asks are asynchronous on the loop; a server down, slow or answering
 * nonsense is reported as away (pace-shared.c paces locally), never a
 * stall.
 */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "lib/lib.h"
#include "core.h"
#include "http/http.h"
#include "redis/redis-int.h"

/* A server leaving an ask unanswered this long is away. */
#define RPACE_STALL_MS 1000
/* A heartbeat this often; instances silent for RPACE_SEEN_MS not counted. */
#define RPACE_BEAT_MS 250
#define RPACE_SEEN_MS 5000

/*
 * KEYS[1] a rate's next start (µs, server clock), KEYS[2] the quota
 * window's end; ARGV[1] the interval (µs). {0, 0}: go; {1, µs}: wait;
 * {2, µs}: the quota window is closed that long.
 */
static const char rpace_lua_ask[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local q = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
    "if q > now then return {2, q - now} end\n"
    "local iv = tonumber(ARGV[1])\n"
    "local tat = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if tat > now then return {1, tat - now} end\n"
    "redis.call('SET', KEYS[1], now + iv, 'PX',"
    " math.floor(iv / 1000) + 1000)\n"
    "return {0, 0}\n";

/* Open windows kept for instances that start listening, at most (in the
 * scripts' text). */
#define RPACE_WINDOWS_MAX "10000"

/*
 * KEYS[1] a quota window's end: now + ARGV[1] µs, if later; then the
 * window (ARGV[3] its quota key) is kept in the sorted set KEYS[2] (the
 * ended ones and, past RPACE_WINDOWS_MAX, the soonest to end dropped) and
 * ARGV[2] is published on the channel KEYS[3].
 */
static const char rpace_lua_pause[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local d = tonumber(ARGV[1])\n"
    "local q = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if now + d <= q then return 0 end\n"
    "local px = math.floor(d / 1000) + 1000\n"
    "redis.call('SET', KEYS[1], now + d, 'PX', px)\n"
    "redis.call('ZADD', KEYS[2], now + d, ARGV[3])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)\n"
    "local n = redis.call('ZCARD', KEYS[2])\n"
    "if n > " RPACE_WINDOWS_MAX " then\n"
    "  redis.call('ZREMRANGEBYRANK', KEYS[2], 0,"
    " n - " RPACE_WINDOWS_MAX " - 1)\n"
    "end\n"
    "if redis.call('PTTL', KEYS[2]) < px then\n"
    "  redis.call('PEXPIRE', KEYS[2], px)\n"
    "end\n"
    "redis.call('PUBLISH', KEYS[3], ARGV[2])\n"
    "return 0\n";

/* KEYS[1] the open windows: each one's quota key and µs left, flat. */
static const char rpace_lua_windows[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local w = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf',"
    " 'WITHSCORES', 'LIMIT', 0, " RPACE_WINDOWS_MAX ")\n"
    "local r = {}\n"
    "for i = 1, #w, 2 do\n"
    "  r[#r + 1] = w[i]\n"
    "  r[#r + 1] = tonumber(w[i + 1]) - now\n"
    "end\n"
    "return r\n";

/* A message on the channel at most (an id, µs, a quota key). */
#define RPACE_MESSAGE_MAX 2048

/* KEYS[1] the instances (a sorted set by last heartbeat, ms): ARGV[1] is
 * seen now, those not seen for ARGV[2] ms go; how many are left. */
static const char rpace_lua_beat[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('ZADD', KEYS[1], now, ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))\n"
    "redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))\n"
    "return redis.call('ZCARD', KEYS[1])\n";

struct rpace {
	struct redis_url	*url;
	struct redis		*conn;
	struct redis		*sub;		/* listens to the channel */
	char			*prefix;
	char			*id;		/* this instance */
	char			*members;	/* prefix "instances" */
	char			*channel;	/* prefix "quotas" */
	char			*windows;	/* prefix "windows" */
	int			 listening;	/* subscribed to the channel */
	struct event		*beat_ev;
	int			 beating;	/* a heartbeat is out */
	TAILQ_HEAD(, rpace_ask)	 waiting;	/* for the first connect */
};

/* An ask: the caller's callback; its keys while it waits for the start. */
struct rpace_ask {
	pace_answer_cb		 cb;
	void			*arg;
	char			*k1;
	char			*k2;
	char			 us[32];
	TAILQ_ENTRY(rpace_ask)	 entry;
};

/* A key under the prefix. */
static char *
rpace_key(struct rpace *rp, const char *name)
{
	char	*k;

	xasprintf(&k, "%s%s", rp->prefix, name);
	return (k);
}

/* The heartbeat's answer: the instances seen lately. */
static void
rpace_beat_cb(void *arg, void *reply)
{
	struct rpace	*rp = arg;
	redisReply	*r = reply;

	rp->beating = 0;
	if (r == NULL)
		return;		/* down: the down callback says so */
	if (r->type != REDIS_REPLY_INTEGER || r->integer < 1) {
		pace_shared_state(0, 0);
		return;
	}
	pace_shared_state(1, r->integer > 100000 ? 100000 : r->integer);
}

/* Say we are here, and count who else is (every RPACE_BEAT_MS). */
static void
rpace_beat(struct rpace *rp)
{
	char		 ms[32];
	const char	*args[2] = { rp->id, ms };

	if (rp->beating || !redis_ready(rp->conn))
		return;
	snprintf(ms, sizeof ms, "%d", RPACE_SEEN_MS);
	if (redis_eval(rp->conn, rpace_beat_cb, rp, rpace_lua_beat,
	    rp->members, rp->members, 2, args) == 0)
		rp->beating = 1;
}

static void
rpace_beat_ev(__unused evutil_socket_t fd, __unused short events, void *arg)
{
	rpace_beat(arg);
}

static void	rpace_started(struct rpace *);
static void	rpace_windows(struct rpace *);

static void
rpace_ready_cb(void *arg)
{
	struct rpace	*rp = arg;

	rpace_beat(rp);
	rpace_started(rp);
	if (rp->listening)
		rpace_windows(rp);
}

static void
rpace_down_cb(void *arg)
{
	pace_shared_state(0, 0);
	pace_shared_started();
	rpace_started(arg);
}

/* The answer to an ask. */
static void
rpace_ask_cb(void *arg, void *reply)
{
	struct rpace_ask	*a = arg;
	redisReply		*r = reply;
	int			 what = PACE_SAID_ERROR;
	double			 wait = 0;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_INTEGER &&
	    r->element[0]->integer >= 0 && r->element[0]->integer <= 2 &&
	    r->element[1]->integer >= 0) {
		what = r->element[0]->integer == 0 ? PACE_SAID_GO :
		    r->element[0]->integer == 1 ? PACE_SAID_WAIT :
		    PACE_SAID_QUOTA;
		wait = r->element[1]->integer / 1e6;
	}
	a->cb(a->arg, what, wait);
	free(a);
}

/* Send an ask; -1 if it could not be. */
static int
rpace_send(struct rpace *rp, struct rpace_ask *a)
{
	const char	*args[1] = { a->us };

	return (redis_eval(rp->conn, rpace_ask_cb, a, rpace_lua_ask, a->k1,
	    a->k2, 1, args));
}

/* Free an ask's keys (the ask itself goes with its answer). */
static void
rpace_ask_keys_free(struct rpace_ask *a)
{
	free(a->k1);
	free(a->k2);
	a->k1 = a->k2 = NULL;
}

/* The first connect is done (or failed): send, or fail, what waited. */
static void
rpace_started(struct rpace *rp)
{
	struct rpace_ask	*a;

	while ((a = TAILQ_FIRST(&rp->waiting)) != NULL) {
		TAILQ_REMOVE(&rp->waiting, a, entry);
		if (!redis_ready(rp->conn) || rpace_send(rp, a) != 0) {
			rpace_ask_keys_free(a);
			a->cb(a->arg, PACE_SAID_ERROR, 0);
			free(a);
			continue;
		}
		rpace_ask_keys_free(a);
	}
}

/*
 * Ask for a turn on the rate under rkey (interval seconds), the quota
 * under qkey allowing; while the first connect is under way the ask waits
 * for it. -1 if the server is not there to ask.
 */
static int
rpace_ask(void *state, const char *rkey, const char *qkey, double interval,
    pace_answer_cb cb, void *arg)
{
	struct rpace		*rp = state;
	struct rpace_ask	*a;
	int			 r = 0;

	if (!redis_ready(rp->conn) && !redis_starting(rp->conn))
		return (-1);
	a = xcalloc(1, sizeof *a);
	a->cb = cb;
	a->arg = arg;
	snprintf(a->us, sizeof a->us, "%lld", (long long)(interval * 1e6 +
	    0.5));
	a->k1 = rpace_key(rp, rkey);
	a->k2 = rpace_key(rp, qkey);
	if (redis_starting(rp->conn)) {
		TAILQ_INSERT_TAIL(&rp->waiting, a, entry);
		return (0);
	}
	r = rpace_send(rp, a);
	rpace_ask_keys_free(a);
	if (r != 0)
		free(a);
	return (r);
}

/* A quota window under qkey closed for seconds from now: noted, and told
 * on the channel ("ID µs QKEY"). */
static void
rpace_pause(void *state, const char *qkey, double seconds)
{
	struct rpace	*rp = state;
	char		*k, *msg, us[32];
	const char	*argv[9] = { "EVAL", rpace_lua_pause, "3" };

	if (!redis_ready(rp->conn))
		return;
	snprintf(us, sizeof us, "%lld", (long long)(seconds * 1e6 + 0.5));
	k = rpace_key(rp, qkey);
	xasprintf(&msg, "%s %s %s", rp->id, us, qkey);
	argv[3] = k;
	argv[4] = rp->windows;
	argv[5] = rp->channel;
	argv[6] = us;
	argv[7] = msg;
	argv[8] = qkey;
	(void)redis_command(rp->conn, NULL, NULL, 9, argv, NULL);
	free(msg);
	free(k);
}

/* A message on the channel: another instance's quota window, paused here
 * too (ours, and anything not of our shape, ignored). */
static void
rpace_heard_cb(void *arg, void *reply)
{
	struct rpace	*rp = arg;
	redisReply	*r = reply, *m;
	size_t		 idlen = strlen(rp->id);
	char		*end;
	const char	*s;
	long long	 us;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(r->element[0]->str, "subscribe") == 0) {
		rp->listening = 1;	/* what was told meanwhile */
		rpace_windows(rp);
		return;
	}
	if (strcmp(r->element[0]->str, "message") != 0)
		return;
	m = r->element[2];
	if (m->type != REDIS_REPLY_STRING || m->len > RPACE_MESSAGE_MAX ||
	    memchr(m->str, '\0', m->len) != NULL ||
	    (s = strchr(m->str, ' ')) == NULL)
		return;
	if ((size_t)(s - m->str) == idlen &&
	    strncmp(m->str, rp->id, idlen) == 0)
		return;		/* told by us */
	us = strtoll(s + 1, &end, 10);
	if (end == s + 1 || *end != ' ' || us <= 0)
		return;
	pace_shared_heard(end + 1, us / 1e6);
}

/* The open windows, read when we start listening: paused here too. */
static void
rpace_windows_cb(void *arg, void *reply)
{
	redisReply	*r = reply, *k, *us;
	size_t		 i;

	(void)arg;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		pace_shared_started();
		return;
	}
	for (i = 0; i < r->elements; i += 2) {
		k = r->element[i];
		us = r->element[i + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    k->len > RPACE_MESSAGE_MAX ||
		    memchr(k->str, '\0', k->len) != NULL ||
		    us->type != REDIS_REPLY_INTEGER || us->integer <= 0)
			continue;
		pace_shared_heard(k->str, us->integer / 1e6);
	}
	pace_shared_started();
}

/* Read the open windows (once we listen, so none told is missed). */
static void
rpace_windows(struct rpace *rp)
{
	if (redis_ready(rp->conn))
		(void)redis_eval(rp->conn, rpace_windows_cb, rp,
		    rpace_lua_windows, rp->windows, rp->windows, 0, NULL);
}

static void
rpace_sub_ready_cb(void *arg)
{
	struct rpace	*rp = arg;

	(void)redis_subscribe(rp->sub, rp->channel, rpace_heard_cb, rp);
}

static void
rpace_sub_down_cb(void *arg)
{
	struct rpace	*rp = arg;

	rp->listening = 0;
	pace_shared_started();	/* the first requests wait no more */
}

/* Leave (no longer counted), and close. */
static void
rpace_free(void *state)
{
	struct rpace	*rp = state;
	const char	*argv[3] = { "ZREM", rp->members, rp->id };

	if (redis_ready(rp->conn) &&
	    redis_command(rp->conn, NULL, NULL, 3, argv, NULL) == 0)
		redis_flush(rp->conn, RPACE_STALL_MS);
	event_free(rp->beat_ev);
	rpace_started(rp);	/* what still waits for the start: failed */
	redis_close(rp->sub);
	redis_close(rp->conn);
	redis_url_free(rp->url);
	free(rp->prefix);
	free(rp->members);
	free(rp->channel);
	free(rp->windows);
	free(rp->id);
	free(rp);
}

static const struct pace_backend rpace_backend = {
	.ask = rpace_ask,
	.pause = rpace_pause,
	.free = rpace_free,
};

/* Check --pace-url (none, or a redis:// URL); -1 with *cause if not. */
int
redis_pace_check(const char *url, char **cause)
{
	static const char *const known[] = { "prefix", NULL };
	struct redis_url	*u;
	int			 r;

	if (strcmp(url, "none") == 0)
		return (0);
	if ((u = redis_url_parse(url, 0, cause)) == NULL)
		return (-1);
	r = redis_url_check(u, "--pace-url", known, cause);
	redis_url_free(u);
	return (r);
}

/*
 * Share the rates through the server of url (--pace-url), or of --from if
 * url is NULL and there is one; none for "none".
 */
void
redis_pace_start(const char *url)
{
	struct rpace	*rp;
	struct timeval	 beat = { 0, RPACE_BEAT_MS * 1000 };
	const char	*p;
	char		*cause = NULL, host[256];

	if (url != NULL && strcmp(url, "none") == 0)
		return;
	if (url == NULL && (url = opts.from) == NULL)
		return;
	rp = xcalloc(1, sizeof *rp);
	if ((rp->url = redis_url_parse(url, url == opts.from, &cause)) == NULL)
		fatalx("%s", cause);
	p = url == opts.from ? NULL : redis_url_param(rp->url, "prefix");
	rp->prefix = xstrdup(p != NULL ? p : "tweet-enricher:pace:");
	rp->members = rpace_key(rp, "instances");
	rp->channel = rpace_key(rp, "quotas");
	rp->windows = rpace_key(rp, "windows");
	TAILQ_INIT(&rp->waiting);
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	xasprintf(&rp->id, "%s:%ld:%ld", host, (long)getpid(), random());
	rp->conn = redis_open(rp->url, REDIS_OPTIONAL, rpace_ready_cb,
	    rpace_down_cb, rp);
	redis_set_stall(rp->conn, RPACE_STALL_MS);
	rp->sub = redis_open(rp->url, REDIS_OPTIONAL | REDIS_QUIET,
	    rpace_sub_ready_cb, rpace_sub_down_cb, rp);
	rp->beat_ev = event_new(loop_base(), -1, EV_PERSIST, rpace_beat_ev, rp);
	if (rp->beat_ev == NULL)
		fatalx("%s: event_new failed", __func__);
	event_add(rp->beat_ev, &beat);
	pace_shared_set(&rpace_backend, rp, redis_name(rp->conn));
}
