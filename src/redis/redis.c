/*
 * Redis connections: an asynchronous connection through hiredis on the loop
 * (the adapter is redis-io.c, the redis:// URL is read by redis-url.c). A connection
 * authenticates and selects its database before it says it is ready, and
 * comes back by itself with backoff when it is lost; a server that stops
 * answering is treated as lost. Callers learn of both through callbacks and
 * resend what was not answered.
 */

#include <sys/time.h>

#include <poll.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "lib/lib.h"
#include "core.h"
#include "redis/redis-int.h"

/* Backoff between reconnects, and how long a connect may take. */
#define REDIS_BACKOFF_MIN_MS 100
#define REDIS_BACKOFF_MAX_MS 5000
#define REDIS_CONNECT_MS 5000
/* A command unanswered this much beyond its own blocking time: lost. */
#define REDIS_STALL_MS 15000

enum redis_state {
	REDIS_DOWN,
	REDIS_CONNECTING,	/* TCP, then AUTH/SELECT/PING */
	REDIS_READY
};

struct redis {
	struct redis_url	*url;
	char			*name;		/* host:port for messages */
	redisAsyncContext	*ac;
	enum redis_state	 state;
	struct event		*retry_ev;	/* reconnect, connect timeout */
	struct event		*watch_ev;	/* stalled server */
	u_int			 backoff_ms;
	int			 ever_ready;
	u_int			 outstanding;	/* commands sent, unanswered */
	double			 last_reply;	/* clock_mono */
	long			 block_ms;	/* longest BLOCK in use */
	long			 stall_ms;	/* unanswered this long: lost */
	size_t			 max_reply;	/* larger: lost; 0: any */
	int			 optional;	/* never fatal: a cache */
	int			 quiet;		/* the owner says it is away */
	redis_reply_cb		 sub_cb;	/* a subscription's messages */
	void			*sub_arg;
	int			 tried;		/* a first connect failed */
	int			 closing;
	redis_cb		 ready_cb;
	redis_cb		 down_cb;
	void			*arg;
};

/* A command's callback and argument, wrapped to count what is unanswered. */
struct redis_call {
	struct redis	*r;
	redis_reply_cb	 cb;
	void		*arg;
};

static void	redis_connect(struct redis *);
static int	redis_send(struct redis *, redis_reply_cb, void *, int,
		    const char **, const size_t *);
static void	redis_lost(struct redis *, const char *);
static void	redis_read_cb(void *, struct redisAsyncContext *);

/* The server's name for messages: host:port (never the password). */
const char *
redis_name(struct redis *r)
{
	return (r->name);
}

/* Is the first connect still under way (commands may wait for it)? */
int
redis_starting(struct redis *r)
{
	return (!r->ever_ready && !r->tried);
}

/* Is the connection ready for commands? */
int
redis_ready(struct redis *r)
{
	return (r->state == REDIS_READY);
}

static void
redis_schedule(struct redis *r, u_int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(r->retry_ev, &tv);
}

/* Count a reply, and hand it on. */
static void
redis_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis_call	*c = priv;
	struct redis		*r = c->r;

	(void)ac;
	if (r->outstanding > 0)
		r->outstanding--;
	r->last_reply = clock_mono();
	if (c->cb != NULL)
		c->cb(c->arg, reply);
	free(c);
}

/*
 * Send a command (argv with lengths). The callback gets the reply, or NULL
 * if the connection went away first. Returns -1 when not ready (nothing is
 * sent and the callback is not called).
 */
int
redis_command(struct redis *r, redis_reply_cb cb, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	if (r->state != REDIS_READY)
		return (-1);
	return (redis_send(r, cb, arg, argc, argv, argvlen));
}

/*
 * Run a script by its text (EVAL: the server caches it by its hash) with
 * two keys and nargs arguments, C strings; as redis_command.
 */
int
redis_eval(struct redis *r, redis_reply_cb cb, void *arg, const char *lua,
    const char *key1, const char *key2, int nargs, const char **args)
{
	const char	**argv;
	int		  i, ret;

	argv = xreallocarray(NULL, nargs + 5, sizeof *argv);
	argv[0] = "EVAL";
	argv[1] = lua;
	argv[2] = "2";
	argv[3] = key1;
	argv[4] = key2;
	for (i = 0; i < nargs; i++)
		argv[5 + i] = args[i];
	ret = redis_command(r, cb, arg, nargs + 5, argv, NULL);
	free(argv);
	return (ret);
}

/* A subscription's reply: not counted (it never ends), the call kept. */
static void
redis_sub_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis	*r = priv;

	if (ac->data != r || reply == NULL || r->sub_cb == NULL)
		return;		/* going: the down callback says so */
	r->last_reply = clock_mono();
	r->sub_cb(r->sub_arg, reply);
}

/*
 * Subscribe to a channel (a connection of its own: it sends nothing else
 * then). The callback gets each reply (the confirmation, then each
 * message), never NULL; a connection made again must subscribe again.
 * Returns -1 when not ready.
 */
int
redis_subscribe(struct redis *r, const char *channel, redis_reply_cb cb,
    void *arg)
{
	const char	*argv[2] = { "SUBSCRIBE", channel };

	if (r->state != REDIS_READY || r->ac == NULL)
		return (-1);
	r->sub_cb = cb;
	r->sub_arg = arg;
	if (redisAsyncCommandArgv(r->ac, redis_sub_reply, r, 2, argv,
	    NULL) != REDIS_OK)
		return (-1);
	return (0);
}

/* Send a command whatever the state (the handshake). */
static int
redis_send(struct redis *r, redis_reply_cb cb, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	struct redis_call	*c;

	if (r->ac == NULL)
		return (-1);
	c = xmalloc(sizeof *c);
	c->r = r;
	c->cb = cb;
	c->arg = arg;
	if (redisAsyncCommandArgv(r->ac, redis_reply, c, argc, argv,
	    argvlen) != REDIS_OK) {
		free(c);
		return (-1);
	}
	if (r->outstanding++ == 0)
		r->last_reply = clock_mono();
	return (0);
}

/* A server that leaves a command unanswered for ms is treated as lost. */
void
redis_set_stall(struct redis *r, long ms)
{
	r->stall_ms = ms;
}

/*
 * Refuse a reply larger than bytes (its strings, and what is buffered of
 * the rest), before it is whole: the connection is treated as lost.
 */
void
redis_set_max_reply(struct redis *r, size_t bytes)
{
	r->max_reply = bytes;
}

/* After a read: a reply grown beyond max_reply loses the connection. */
static void
redis_read_cb(void *arg, struct redisAsyncContext *ac)
{
	struct redis	*r = arg;
	char		 why[64];

	if (r->ac != ac || r->max_reply == 0 ||
	    redis_io_pending(ac) <= r->max_reply)
		return;		/* ac may be gone: compared, not used */
	snprintf(why, sizeof why, "a reply over %zu bytes", r->max_reply);
	redis_lost(r, why);
}

/* Note that commands may block on the server for up to ms. */
void
redis_set_block(struct redis *r, long ms)
{
	r->block_ms = ms;
}

/* The handshake's last reply: ready, or refused. */
static void
redis_hello_cb(void *arg, void *reply)
{
	struct redis	*r = arg;
	redisReply	*rr = reply;
	char		*why;

	if (rr == NULL)
		return;		/* lost: the disconnect callback says so */
	if (rr->type == REDIS_REPLY_ERROR) {
		xasprintf(&why, "%s", rr->str);
		redis_lost(r, why);
		free(why);
		return;
	}
	r->state = REDIS_READY;
	r->ever_ready = 1;
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	evtimer_del(r->retry_ev);
	if (r->ready_cb != NULL)
		r->ready_cb(r->arg);
}

/* A handshake step that only matters if it fails. */
static void
redis_step_cb(void *arg, void *reply)
{
	struct redis	*r = arg;
	redisReply	*rr = reply;

	if (rr != NULL && rr->type == REDIS_REPLY_ERROR)
		redis_lost(r, rr->str);
}

/* Send AUTH and SELECT, then a PING whose answer makes us ready. */
static void
redis_handshake(struct redis *r)
{
	const char	*argv[3];
	char		 db[16];
	int		 argc;

	/* Pipelined in order: the PING answers last. */
	if (r->url->pass != NULL) {
		argc = 0;
		argv[argc++] = "AUTH";
		if (r->url->user != NULL)
			argv[argc++] = r->url->user;
		argv[argc++] = r->url->pass;
		redis_send(r, redis_step_cb, r, argc, argv, NULL);
	}
	if (r->url->db != 0) {
		snprintf(db, sizeof db, "%d", r->url->db);
		argv[0] = "SELECT";
		argv[1] = db;
		redis_send(r, redis_step_cb, r, 2, argv, NULL);
	}
	argv[0] = "PING";
	redis_send(r, redis_hello_cb, r, 1, argv, NULL);
}

static void
redis_connect_cb(const redisAsyncContext *ac, int status)
{
	struct redis	*r = ac->data;

	if (r == NULL)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback. */
		r->ac = NULL;
		redis_lost(r, ac->errstr);
		return;
	}
	redis_handshake(r);
}

static void
redis_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct redis	*r = ac->data;

	(void)status;
	if (r == NULL)
		return;
	/* hiredis frees the context after this callback. */
	r->ac = NULL;
	redis_lost(r, ac->errstr[0] != '\0' ? ac->errstr :
	    "connection closed");
}

/*
 * The connection is gone (or never came): tell the owner, and try again
 * after a backoff. Before the first success this is fatal: the server
 * named on the command line cannot be reached.
 */
static void
redis_lost(struct redis *r, const char *why)
{
	enum redis_state	was = r->state;

	if (r->closing)
		return;
	r->state = REDIS_DOWN;
	if (r->ac != NULL) {
		/* Our decision (an error reply, a stall). hiredis frees it
		 * now, or after the callback we are in; unanswered commands
		 * get NULL replies, which find us down. */
		r->ac->data = NULL;
		redisAsyncFree(r->ac);
		r->ac = NULL;
	}
	r->outstanding = 0;
	if (!r->ever_ready && !r->optional)
		fatalx("redis %s: %s", r->name, why);
	if ((was != REDIS_DOWN || !r->ever_ready) && !opts.quiet &&
	    !r->quiet && (r->ever_ready ||
	    r->backoff_ms == REDIS_BACKOFF_MIN_MS))
		log_warnx("redis %s: %s; %s", r->name, why, r->optional ?
		    "skipped until it is back" : "reconnecting");
	if (was != REDIS_DOWN && !r->ever_ready)
		r->tried = 1;
	if ((was == REDIS_READY || (r->optional && !r->ever_ready)) &&
	    r->down_cb != NULL)
		r->down_cb(r->arg);
	redis_schedule(r, r->backoff_ms);
	r->backoff_ms *= 2;
	if (r->backoff_ms > REDIS_BACKOFF_MAX_MS)
		r->backoff_ms = REDIS_BACKOFF_MAX_MS;
}

/*
 * The server broke the protocol (a reply of the wrong shape): treat the
 * connection as lost, so that it is made again with backoff. Safe inside a
 * reply callback; the commands still unanswered get NULL.
 */
void
redis_drop(struct redis *r, const char *why)
{
	if (r->state != REDIS_DOWN)
		redis_lost(r, why);
}

/* Time to (re)connect, or a connect took too long. */
static void
redis_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	struct redis	*r = arg;

	(void)fd;
	(void)events;
	if (r->state == REDIS_CONNECTING) {
		redis_lost(r, "connect timed out");
		return;
	}
	if (r->state == REDIS_DOWN)
		redis_connect(r);
}

/* Every second: a server that leaves commands unanswered is lost. */
static void
redis_watch_cb(evutil_socket_t fd, short events, void *arg)
{
	struct redis	*r = arg;

	(void)fd;
	(void)events;
	if (r->state != REDIS_READY || r->outstanding == 0)
		return;
	if (clock_ms_since(r->last_reply) > r->block_ms + r->stall_ms)
		redis_lost(r, "server not answering");
}

static void
redis_connect(struct redis *r)
{
	redisAsyncContext	*ac;

	ac = redisAsyncConnect(r->url->host, r->url->port);
	if (ac == NULL)
		fatalx("%s: out of memory", __func__);
	if (ac->err) {
		r->state = REDIS_CONNECTING;
		r->ac = NULL;
		redis_lost(r, ac->errstr);
		redisAsyncFree(ac);
		return;
	}
	ac->data = r;
	r->ac = ac;
	r->state = REDIS_CONNECTING;
	redis_io_attach(ac, redis_read_cb, r);
	redisAsyncSetConnectCallback(ac, redis_connect_cb);
	redisAsyncSetDisconnectCallback(ac, redis_disconnect_cb);
	redis_schedule(r, REDIS_CONNECT_MS);
}

/*
 * Open a connection to the server of url (kept, not copied). Unless flags
 * has REDIS_OPTIONAL, a server that cannot be reached before the first
 * success is fatal (exit 1, naming it); with REDIS_QUIET its losses are
 * not said on stderr (another connection of the owner says so). ready is
 * called each time it is ready (again), down each time a ready connection
 * is lost; commands unanswered then get a NULL reply.
 */
struct redis *
redis_open(struct redis_url *url, int flags, redis_cb ready, redis_cb down,
    void *arg)
{
	struct redis	*r;
	struct timeval	 sec = { 1, 0 };

	r = xcalloc(1, sizeof *r);
	r->url = url;
	if (strchr(url->host, ':') != NULL)
		xasprintf(&r->name, "[%s]:%d", url->host, url->port);
	else
		xasprintf(&r->name, "%s:%d", url->host, url->port);
	r->ready_cb = ready;
	r->down_cb = down;
	r->arg = arg;
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	r->stall_ms = REDIS_STALL_MS;
	r->optional = (flags & REDIS_OPTIONAL) != 0;
	r->quiet = (flags & REDIS_QUIET) != 0;
	r->retry_ev = evtimer_new(loop_base(), redis_retry_cb, r);
	r->watch_ev = event_new(loop_base(), -1, EV_PERSIST, redis_watch_cb,
	    r);
	if (r->retry_ev == NULL || r->watch_ev == NULL)
		fatalx("%s: event_new failed", __func__);
	event_add(r->watch_ev, &sec);
	redis_connect(r);
	return (r);
}

/*
 * Write out what is buffered for the server and wait for its answers, up
 * to ms in all: commands whose answers nobody waits for (cache writes) at
 * the end of a run. Written is not enough: a server still reading a large
 * write would answer the next run's read of that key with a miss.
 */
void
redis_flush(struct redis *r, int ms)
{
	struct pollfd	pfd;
	double		end = clock_mono() + ms / 1000.0, left;
	int		done = 0;

	if (r->ac == NULL || r->state != REDIS_READY)
		return;
	pfd.fd = r->ac->c.fd;
	while (!done) {
		if (redisBufferWrite(&r->ac->c, &done) != REDIS_OK)
			return;
		left = end - clock_mono();
		pfd.events = POLLOUT;
		if (!done && (left <= 0 || poll(&pfd, 1, left * 1000) != 1))
			return;
	}
	while (r->ac != NULL && r->outstanding > 0) {
		left = end - clock_mono();
		pfd.events = POLLIN;
		if (left <= 0 || poll(&pfd, 1, left * 1000) != 1)
			return;
		redisAsyncHandleRead(r->ac);
	}
}

/* Close a connection; callbacks of unanswered commands get NULL. */
void
redis_close(struct redis *r)
{
	if (r == NULL)
		return;
	r->closing = 1;
	if (r->ac != NULL) {
		r->ac->data = NULL;
		redisAsyncFree(r->ac);
		r->ac = NULL;
	}
	event_free(r->retry_ev);
	event_free(r->watch_ev);
	free(r->name);
	free(r);
}
